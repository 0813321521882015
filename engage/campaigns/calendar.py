"""The outreach calendar: touchpoints placed on UK days, by month and as a list.

Touchpoints are stored in UTC but people plan in UK time, so a touchpoint belongs to the day
it falls on in Europe/London: 23:30 UTC on 31 March 2026 (BST) is 00:30 on 1 April.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from engage.campaigns.models import Campaign, Channel, Touchpoint, TouchpointStatus
from engage.database import DbSession, UTCDateTime
from engage.timezone import add_months, day_start, uk_day

# How far back the list view looks, and how many touchpoints each of its parts shows at most.
RECENT_DAYS = 90
LIST_LIMIT = 100
# Months outside this range are almost certainly a typing slip, not a plan.
FIRST_YEAR, LAST_YEAR = 2000, 2100

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{1,2})$")


class CalendarError(ValueError):
    """A calendar request that cannot be answered, with a message for the person asking."""


def shown_at() -> ColumnElement[datetime]:
    """When a touchpoint happened if it has, else when it is planned: where the calendar puts it."""
    return func.coalesce(Touchpoint.actual_at, Touchpoint.planned_at, type_=UTCDateTime())


@dataclass(frozen=True)
class CalendarFilter:
    """Which touchpoints to show: one campaign, one channel, some statuses; None means any."""

    campaign_id: int | None = None
    channel: Channel | None = None
    statuses: frozenset[TouchpointStatus] | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.campaign_id is not None:
            query = query.where(Touchpoint.campaign_id == self.campaign_id)
        if self.channel is not None:
            query = query.where(Touchpoint.channel == self.channel)
        if self.statuses is not None:
            query = query.where(Touchpoint.status.in_(sorted(self.statuses)))
        return query


def touchpoints_between(
    session: DbSession,
    start: datetime | None,
    end: datetime | None,
    where: CalendarFilter | None = None,
    *,
    newest_first: bool = False,
    limit: int | None = None,
) -> list[Touchpoint]:
    """Touchpoints shown at or after `start` and before `end` (either may be open)."""
    query = select(Touchpoint).options(
        selectinload(Touchpoint.campaign), selectinload(Touchpoint.services)
    )
    when = shown_at()
    if start is not None:
        query = query.where(when >= start)
    if end is not None:
        query = query.where(when < end)
    query = (where or CalendarFilter()).apply(query)
    order = when.desc() if newest_first else when.asc()
    query = query.order_by(order, Touchpoint.id.desc() if newest_first else Touchpoint.id)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def parse_month(value: str | None, today: date) -> date:
    """`2026-04` as the first day of that month; no value means this month."""
    if not value:
        return today.replace(day=1)
    match = MONTH_PATTERN.match(value.strip())
    if match is None:
        raise CalendarError(
            f"{value[:20]!r} is not a month. Months look like 2026-04 (year, then month)."
        )
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise CalendarError(f"There is no month {month}. Use a month from 01 to 12.")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise CalendarError(f"The calendar covers {FIRST_YEAR} to {LAST_YEAR}, not {year}.")
    return date(year, month, 1)


@dataclass
class Day:
    """One square of the month grid."""

    date: date
    in_month: bool
    is_today: bool
    touchpoints: list[Touchpoint] = field(default_factory=list)


@dataclass
class Month:
    """A month as weeks of days, Monday first, with the touchpoints of each UK day."""

    first: date
    weeks: list[list[Day]]
    today: date

    @property
    def previous(self) -> date:
        return add_months(self.first, -1)

    @property
    def next(self) -> date:
        return add_months(self.first, 1)

    @property
    def days_with_touchpoints(self) -> list[Day]:
        """The month's own days that have something on, for the list shown on phones."""
        return [d for week in self.weeks for d in week if d.in_month and d.touchpoints]

    @property
    def count(self) -> int:
        return sum(len(d.touchpoints) for d in self.days_with_touchpoints)

    @property
    def contains_today(self) -> bool:
        return (self.today.year, self.today.month) == (self.first.year, self.first.month)


def month_view(
    session: DbSession, first: date, today: date, where: CalendarFilter | None = None
) -> Month:
    """The month grid starting `first`, whole weeks, each touchpoint on its UK day."""
    dates = calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(
        first.year, first.month
    )
    start, end = dates[0][0], dates[-1][-1] + timedelta(days=1)
    by_day: dict[date, list[Touchpoint]] = defaultdict(list)
    for touchpoint in touchpoints_between(
        session, day_start(start), day_start(end), where
    ):
        if touchpoint.when is not None:
            by_day[uk_day(touchpoint.when)].append(touchpoint)
    weeks = [
        [
            Day(
                date=d,
                in_month=d.month == first.month,
                is_today=d == today,
                touchpoints=by_day.get(d, []),
            )
            for d in week
        ]
        for week in dates
    ]
    return Month(first=first, weeks=weeks, today=today)


@dataclass
class Agenda:
    """The list view: what is coming up, soonest first, and what happened lately, newest first."""

    upcoming: list[Touchpoint]
    recent: list[Touchpoint]
    more_upcoming: bool
    more_recent: bool


def agenda(
    session: DbSession,
    now: datetime,
    where: CalendarFilter | None = None,
    *,
    recent_days: int = RECENT_DAYS,
    limit: int = LIST_LIMIT,
) -> Agenda:
    """Upcoming touchpoints from `now`, and those of the last `recent_days` days."""
    upcoming = touchpoints_between(session, now, None, where, limit=limit + 1)
    since = day_start(uk_day(now) - timedelta(days=recent_days))
    recent = touchpoints_between(session, since, now, where, newest_first=True, limit=limit + 1)
    return Agenda(
        upcoming=upcoming[:limit],
        recent=recent[:limit],
        more_upcoming=len(upcoming) > limit,
        more_recent=len(recent) > limit,
    )


def group_by_day(touchpoints: list[Touchpoint]) -> list[tuple[date, list[Touchpoint]]]:
    """Consecutive touchpoints on the same UK day, together, keeping their order."""
    groups: list[tuple[date, list[Touchpoint]]] = []
    for touchpoint in touchpoints:
        if touchpoint.when is None:
            continue
        day = uk_day(touchpoint.when)
        if groups and groups[-1][0] == day:
            groups[-1][1].append(touchpoint)
        else:
            groups.append((day, [touchpoint]))
    return groups


def campaign_choices(session: DbSession) -> list[tuple[int, str]]:
    """Every campaign, newest first, for the calendar's filter."""
    rows = session.execute(
        select(Campaign.id, Campaign.name).order_by(Campaign.start_date.desc(), Campaign.name)
    )
    return [(row.id, row.name) for row in rows]
