"""Scan statistics: per link (so per poster and organisation), per day, per service.

"Unique visitors" are counted per day (a visitor key lives one day), so over several days the
figure is a sum of daily unique visitors: someone who scans on Monday and Tuesday counts twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import selectinload

from engage.database import DbSession
from engage.links.models import (
    Device,
    MissReason,
    Scan,
    ScanMiss,
    ScanMissDay,
    ScanVisitor,
    ShortLink,
)


@dataclass
class LinkFigures:
    link: ShortLink
    scans: int = 0
    visitors: int = 0
    bots: int = 0
    misses: int = 0
    last_scan: datetime | None = None


@dataclass
class Totals:
    links: int = 0
    scans: int = 0
    visitors: int = 0
    bots: int = 0
    misses: int = 0


@dataclass(frozen=True)
class Day:
    day: date
    scans: int
    visitors: int


def _link_ids(condition: ColumnElement[bool]) -> Select[Any]:
    return select(ShortLink.id).where(condition)


def link_figures(session: DbSession, condition: ColumnElement[bool]) -> list[LinkFigures]:
    """Every link matching `condition` (on ShortLink) with its figures, newest link first."""
    links = session.scalars(
        select(ShortLink).where(condition)
        # The link table names each link's service, organisation and touchpoint.
        .options(selectinload(ShortLink.service), selectinload(ShortLink.organisation),
                 selectinload(ShortLink.touchpoint))
        .order_by(ShortLink.created_at.desc(), ShortLink.id.desc())
    ).all()
    figures = {link.id: LinkFigures(link) for link in links}
    if not figures:
        return []
    ids = _link_ids(condition)
    for link_id, scans, bots, last in session.execute(
        select(Scan.link_id,
               func.sum(case((Scan.device != Device.BOT, 1), else_=0)),
               func.sum(case((Scan.device == Device.BOT, 1), else_=0)),
               func.max(case((Scan.device != Device.BOT, Scan.at), else_=None)))
        .where(Scan.link_id.in_(ids)).group_by(Scan.link_id)
    ):
        row = figures[link_id]
        row.scans, row.bots, row.last_scan = int(scans or 0), int(bots or 0), last
    for link_id, visitors in session.execute(
        select(ScanVisitor.link_id, func.count()).where(ScanVisitor.link_id.in_(ids))
        .group_by(ScanVisitor.link_id)
    ):
        figures[link_id].visitors = int(visitors)
    for link_id, misses in session.execute(
        select(ScanMiss.link_id, func.count()).where(ScanMiss.link_id.in_(ids))
        .group_by(ScanMiss.link_id)
    ):
        if link_id is not None:
            figures[link_id].misses = int(misses)
    return list(figures.values())


def totals(rows: list[LinkFigures]) -> Totals:
    return Totals(
        links=len(rows),
        scans=sum(r.scans for r in rows),
        visitors=sum(r.visitors for r in rows),
        bots=sum(r.bots for r in rows),
        misses=sum(r.misses for r in rows),
    )


def daily(session: DbSession, condition: ColumnElement[bool], limit: int = 60) -> list[Day]:
    """Counted scans and unique visitors per UK day for the matching links, latest first."""
    ids = _link_ids(condition)
    scans: dict[date, int] = dict(session.execute(  # type: ignore[arg-type]
        select(Scan.day, func.count()).where(Scan.link_id.in_(ids), Scan.device != Device.BOT)
        .group_by(Scan.day)
    ).all())
    visitors: dict[date, int] = dict(session.execute(  # type: ignore[arg-type]
        select(ScanVisitor.day, func.count()).where(ScanVisitor.link_id.in_(ids))
        .group_by(ScanVisitor.day)
    ).all())
    days = sorted(set(scans) | set(visitors), reverse=True)[:limit]
    return [Day(day, int(scans.get(day, 0)), int(visitors.get(day, 0))) for day in days]


def by_service(rows: list[LinkFigures]) -> list[tuple[str, Totals]]:
    """Figures grouped by the service the links point at, busiest first."""
    groups: dict[str, list[LinkFigures]] = {}
    for row in rows:
        name = row.link.service.name if row.link.service else "The list of services"
        groups.setdefault(name, []).append(row)
    return sorted(((name, totals(items)) for name, items in groups.items()),
                  key=lambda item: (-item[1].scans, item[0]))


@dataclass(frozen=True)
class UnknownCode:
    code: str
    misses: int
    last: datetime


def unknown_codes(session: DbSession, limit: int = 50) -> list[UnknownCode]:
    """Codes that were tried but never existed, most tried first (a typo on a poster?)."""
    return [
        UnknownCode(code, int(misses), last)
        for code, misses, last in session.execute(
            select(ScanMiss.code, func.count(), func.max(ScanMiss.at))
            .where(ScanMiss.reason == MissReason.UNKNOWN)
            .group_by(ScanMiss.code).order_by(func.count().desc(), ScanMiss.code).limit(limit)
        )
    ]


def unlisted_misses(session: DbSession) -> int:
    """Scans of unknown codes counted but not stored one by one (days past the daily cap)."""
    return int(session.scalar(select(func.coalesce(func.sum(ScanMissDay.overflow), 0))) or 0)


# A link's scans over time, for its chart: by day, or by week once the span is long.
WEEKLY_AFTER_DAYS = 60


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # the last UK day it covers (the same as start for a day)
    people: int
    bots: int

    @property
    def total(self) -> int:
        return self.people + self.bots


@dataclass(frozen=True)
class ScanSeries:
    unit: str  # "day" or "week" (weeks start on Monday)
    periods: list[Period]  # oldest first, every period from the first to the last, zeros too

    @property
    def people(self) -> int:
        return sum(p.people for p in self.periods)

    @property
    def bots(self) -> int:
        return sum(p.bots for p in self.periods)

    @property
    def peak(self) -> int:
        return max((p.total for p in self.periods), default=0)


def link_scan_series(session: DbSession, link_id: int, today: date) -> ScanSeries:
    """One link's scans by people and by bots per UK day, from its first scan to `today`; per
    week (Monday to Sunday) when that spans more than WEEKLY_AFTER_DAYS days. One query."""
    counts: dict[date, tuple[int, int]] = {
        day: (int(people or 0), int(bots or 0))
        for day, people, bots in session.execute(
            select(Scan.day,
                   func.sum(case((Scan.device != Device.BOT, 1), else_=0)),
                   func.sum(case((Scan.device == Device.BOT, 1), else_=0)))
            .where(Scan.link_id == link_id).group_by(Scan.day)
        )
    }
    if not counts:
        return ScanSeries("day", [])
    first, last = min(counts), max(max(counts), today)
    if (last - first).days + 1 <= WEEKLY_AFTER_DAYS:
        return ScanSeries("day", [
            Period(day, day, *counts.get(day, (0, 0)))
            for day in (first + timedelta(days=n) for n in range((last - first).days + 1))])
    weeks: dict[date, list[int]] = {}
    monday = first - timedelta(days=first.weekday())
    while monday <= last:
        weeks[monday] = [0, 0]
        monday += timedelta(days=7)
    for day, (people, bots) in counts.items():
        week = weeks[day - timedelta(days=day.weekday())]
        week[0] += people
        week[1] += bots
    return ScanSeries("week", [Period(start, start + timedelta(days=6), people, bots)
                               for start, (people, bots) in weeks.items()])
