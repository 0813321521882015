"""Cold organisations: targets that have not engaged in the last N days.

An organisation only contacted (invited, sent a bulletin) in those days is still cold: nobody
there did anything. Each row shows when it last engaged and when it was last contacted at all
(`EngagementTier`), so the list tells "never heard from us" from "heard, did nothing".

"Cold" is judged at the end of the chosen period (or today, if that is sooner), over every
live ledger row of any campaign: a practice visited for another campaign is not cold. The
list is paged in SQL; the last channel and referrals are looked up for the shown page only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, case, func, select

from engage.campaigns.models import Channel, Engagement, engaged_engagement, live_engagement
from engage.database import DbSession
from engage.directory.models import Locality, Organisation, OrgKind
from engage.directory.names import shown_name
from engage.insights.coverage import NO_LOCALITY
from engage.insights.paging import RowPagination
from engage.insights.scope import Scope, target_condition
from engage.timezone import day_start
from engage.uptake.importer import active_referrals
from engage.uptake.models import Referral

DEFAULT_DAYS = 90
MAX_DAYS = 3650
CHUNK = 500


class ColdError(ValueError):
    """A number of days that cannot be used, with the message to show."""


def parse_days(raw: str | None) -> int:
    """The N of "no contact in N days", from a query argument; blank means the default."""
    text = (raw or "").strip()
    if not text:
        return DEFAULT_DAYS
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        raise ColdError(f"Enter the number of days as a whole number from 1 to {MAX_DAYS}, "
                        f"for example {DEFAULT_DAYS}.")
    return int(text)


@dataclass(frozen=True)
class ColdOrganisation:
    id: int
    ods_code: str
    name: str
    kind: OrgKind
    locality: str
    last_engaged: datetime | None
    last_contact: datetime | None  # of either tier: contacted or engaged
    last_channel: Channel | None  # of the last contact
    referrals: int
    preferred_name: str | None = None

    @property
    def has_referred(self) -> bool:
        return self.referrals > 0

    @property
    def display_name(self) -> str:
        return shown_name(self.name, self.preferred_name)

    def as_dict(self) -> dict[str, Any]:
        return {"ods_code": self.ods_code, "name": self.name, "display_name": self.display_name,
                "kind": self.kind.label,
                "locality": self.locality,
                "last_engaged": self.last_engaged.isoformat() if self.last_engaged else None,
                "last_contact": self.last_contact.isoformat() if self.last_contact else None,
                "last_channel": self.last_channel.label if self.last_channel else None,
                "has_referred": self.has_referred, "referrals": self.referrals}


def as_of(scope: Scope, today: date) -> date:
    return min(scope.filters.end, today)


def _cold_query(scope: Scope, days: int, today: date) -> Select[Any]:
    """Target organisations whose last engagement (up to the as-of day) is over N days old.

    Organisations with a live engaged row in the last N days are ruled out through the time
    index; only for the rest is the last engagement looked up, newest first through the
    organisation's (organisation, time) index, stopping at the first engaged row. Grouping
    every live row by organisation instead reads the whole ledger (seconds at England scale).
    """
    until = day_start(as_of(scope, today) + timedelta(days=1))
    cutoff = until - timedelta(days=days)
    recent = select(Engagement.organisation_id).where(
        engaged_engagement(), Engagement.occurred_at >= cutoff, Engagement.occurred_at < until)
    last_at = (select(Engagement.occurred_at)
               .where(Engagement.organisation_id == Organisation.id, engaged_engagement(),
                      Engagement.occurred_at < cutoff)
               .order_by(Engagement.occurred_at.desc()).limit(1)
               .correlate(Organisation).scalar_subquery())
    cold = (select(Organisation.id, Organisation.ods_code, Organisation.name,
                   Organisation.preferred_name, Organisation.sort_key.label("sort_key"),
                   Organisation.kind, Locality.name.label("locality"), last_at.label("last_at"))
            .outerjoin(Locality, Locality.id == Organisation.locality_id)
            .where(target_condition(scope), Organisation.id.not_in(recent))
            .subquery())
    # Never engaged first, then the longest without engaging.
    return (select(cold)
            .order_by(case((cold.c.last_at.is_(None), 0), else_=1), cold.c.last_at,
                      cold.c.sort_key, cold.c.ods_code))


def count_cold(session: DbSession, scope: Scope, days: int, today: date) -> int:
    query = _cold_query(scope, days, today).order_by(None).subquery()
    return int(session.scalar(select(func.count()).select_from(query)) or 0)


def count_contacted_cold(session: DbSession, scope: Scope, days: int, today: date) -> int:
    """How many cold organisations were contacted in those days all the same (invited, sent
    something) without engaging: the other tier, shown beside the cold count."""
    until = day_start(as_of(scope, today) + timedelta(days=1))
    contacted = select(Engagement.organisation_id).where(
        live_engagement(), Engagement.occurred_at >= until - timedelta(days=days),
        Engagement.occurred_at < until)
    query = _cold_query(scope, days, today).order_by(None).subquery()
    return int(session.scalar(select(func.count()).select_from(query)
                              .where(query.c.id.in_(contacted))) or 0)


def _details(session: DbSession, rows: list[Any], scope: Scope, today: date
             ) -> list[ColdOrganisation]:
    """Add each one's last contact of either tier and its channel, and its referrals (ever)."""
    until = day_start(as_of(scope, today) + timedelta(days=1))
    channels: dict[int, Channel] = {}
    contacts: dict[int, datetime] = {}
    referrals: dict[int, int] = {}
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        ids = [r.id for r in chunk]
        for org_id, at in session.execute(
            select(Engagement.organisation_id, func.max(Engagement.occurred_at))
            .where(live_engagement(), Engagement.occurred_at < until,
                   Engagement.organisation_id.in_(ids))
            .group_by(Engagement.organisation_id)):
            if at is not None:
                contacts[org_id] = at
        wanted = {(i, contacts[i]) for i in ids if i in contacts}
        if wanted:
            for org_id, at, channel, _ in session.execute(
                select(Engagement.organisation_id, Engagement.occurred_at, Engagement.channel,
                       Engagement.id)
                .where(live_engagement(), Engagement.occurred_at < until,
                       Engagement.organisation_id.in_([i for i, _ in wanted]),
                       Engagement.occurred_at.in_({at for _, at in wanted}))
                .order_by(Engagement.id)
            ):
                if (org_id, at) in wanted:
                    channels[org_id] = channel
        for referrer, total in session.execute(
            select(Referral.organisation_id, func.sum(Referral.count))
            .where(active_referrals(), Referral.organisation_id.in_(ids))
            .group_by(Referral.organisation_id)):
            if referrer is not None:
                referrals[referrer] = int(total or 0)
    return [ColdOrganisation(r.id, r.ods_code, r.name, OrgKind(r.kind),
                             r.locality or NO_LOCALITY, r.last_at, contacts.get(r.id),
                             channels.get(r.id), int(referrals.get(r.id) or 0), r.preferred_name)
            for r in rows]


def cold_page(session: DbSession, scope: Scope, days: int, today: date, page: int,
              per_page: int = 50) -> tuple[Pagination, list[ColdOrganisation]]:
    """The cold list, one page at a time (the England list runs to thousands)."""
    pagination = RowPagination(select=_cold_query(scope, days, today), session=session,
                               page=page, per_page=per_page, error_out=False, count=True)
    return pagination, _details(session, pagination.items, scope, today)


def cold_list(session: DbSession, scope: Scope, days: int, today: date,
              limit: int | None = None) -> list[ColdOrganisation]:
    """The whole cold list (or its first `limit`), for exports and the report."""
    query = _cold_query(scope, days, today)
    if limit is not None:
        query = query.limit(limit)
    return _details(session, list(session.execute(query).all()), scope, today)


def cold_summary(session: DbSession, scope: Scope, days: int, today: date,
                 shown: int) -> tuple[int, list[ColdOrganisation]]:
    """How many are cold, and the first `shown` of them, from one run of the query."""
    rows = list(session.execute(_cold_query(scope, days, today)).all())
    return len(rows), _details(session, rows[:shown], scope, today)


def organisations_for_plan(session: DbSession, ids: list[int]) -> list[Organisation]:
    """The organisations a manager ticked on the cold list, by name."""
    if not ids:
        return []
    return list(session.scalars(select(Organisation).where(Organisation.id.in_(ids))
                                .order_by(Organisation.sort_key, Organisation.ods_code)))
