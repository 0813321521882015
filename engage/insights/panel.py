"""The organisation × month panel the outreach-and-uptake analysis is computed from.

Counts are aggregated in SQL (one GROUP BY per fact table) and laid out as dense numpy arrays,
one row per organisation and one column per Europe/London calendar month. Every active
organisation in the filter's scope is a row, with zeros where nothing happened: leaving out the
quiet ones would make outreach look better than it is.

The panel starts `LEAD_MONTHS` before the period, so that engagement one to three months before
the first month of the period can be used as a lagged exposure; outcomes are only read from the
period's own months (`outcome_slice`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import String, case, func, select, type_coerce
from sqlalchemy.orm import Session

from engage.campaigns.models import Channel, Engagement
from engage.directory.models import Organisation
from engage.insights.filters import InsightFilters
from engage.insights.scope import Scope, engagement_condition, referral_condition, target_condition
from engage.uptake.models import Referral

LONDON = ZoneInfo("Europe/London")
LEAD_MONTHS = 3
CHANNELS: tuple[Channel, ...] = tuple(Channel)
CHANNEL_OF = {channel.value: channel for channel in Channel}


def month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def month_key_of(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _key_index(key: str) -> int:
    return month_index(int(key[:4]), int(key[5:7]))


@dataclass
class Panel:
    """Referrals and engagement per organisation (rows) and month (columns).

    `referrals[i, t]` is the live referral count of organisation `organisation_ids[i]` in month
    `months[t]`; `engagement[channel][i, t]` the number of live engagement rows of that channel.
    `first_engaged[channel or None]` is each organisation's first live engagement month as a
    column index (may be negative, before the panel; -10**6 = never).
    """

    months: list[str]
    organisation_ids: np.ndarray
    referrals: np.ndarray
    engagement: dict[Channel, np.ndarray]
    first_engaged: dict[Channel | None, np.ndarray] = field(default_factory=dict)
    lead: int = LEAD_MONTHS
    service_id: int | None = None

    NEVER = -10**6

    @property
    def outcome_slice(self) -> slice:
        """The columns of the period itself (after the lead-in months)."""
        return slice(self.lead, len(self.months))

    @property
    def outcome_months(self) -> list[str]:
        return self.months[self.lead:]

    def engaged(self, channel: Channel | None = None) -> np.ndarray:
        """Engagement rows per organisation and month, for one channel or all together."""
        if channel is not None:
            return self.engagement[channel]
        total = np.zeros_like(self.referrals)
        for values in self.engagement.values():
            total += values
        return total

    def to_frame(self) -> pd.DataFrame:
        """The panel as one row per organisation and month (the period's months only)."""
        sl = self.outcome_slice
        n_orgs, n_months = self.referrals[:, sl].shape
        frame = pd.DataFrame({
            "organisation_id": np.repeat(self.organisation_ids, n_months),
            "month": np.tile(np.array(self.outcome_months, dtype=object), n_orgs),
            "referrals": self.referrals[:, sl].ravel(),
        })
        for channel, values in self.engagement.items():
            frame[channel.value] = values[:, sl].ravel()
        return frame


def panel_months(filters: InsightFilters, lead: int = LEAD_MONTHS) -> list[str]:
    """Month keys from `lead` months before the period's first month to its last month."""
    first = month_index(filters.start.year, filters.start.month) - lead
    last = month_index(filters.end.year, filters.end.month)
    return [month_key_of(i) for i in range(first, last + 1)]


def _london_month(session: Session) -> tuple[Any, Any]:
    """SQL for an engagement's London month, and for rows whose month needs a closer look.

    PostgreSQL converts the time zone itself. SQLite cannot, but London is UTC or UTC+1, so the
    UTC month is right except in the last hour of a UTC month: those rare rows are grouped by
    their own timestamp and converted in Python.
    """
    at = Engagement.occurred_at
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("Europe/London", at), "YYYY-MM"), None
    utc_month = func.strftime("%Y-%m", at)
    shifted = func.strftime("%Y-%m", at, "+1 hour")
    edge = case((utc_month != shifted, func.strftime("%Y-%m-%d %H:%M:%S", at)), else_=None)
    return utc_month, edge


def build_panel(session: Session, scope: Scope, *, lead: int = LEAD_MONTHS) -> Panel:
    """The panel for the filter's organisations, service and period (plus the lead-in months).

    Which organisations, ledger rows and referral rows count comes from `insights.scope`, so
    "reached" here means what it means on the coverage page.
    """
    filters = scope.filters
    months = panel_months(filters, lead)
    first_index = _key_index(months[0])
    n_months = len(months)
    targets = target_condition(scope)
    org_ids = np.array(sorted(session.scalars(select(Organisation.id).where(targets))),
                       dtype=np.int64)
    row_of = {int(org_id): i for i, org_id in enumerate(org_ids)}
    n_orgs = len(org_ids)
    in_scope = select(Organisation.id).where(targets)

    referrals = np.zeros((n_orgs, n_months), dtype=np.int64)
    start_day = date.fromisoformat(months[0] + "-01")
    end_index = _key_index(months[-1]) + 1
    end_day = date.fromisoformat(month_key_of(end_index) + "-01")
    ref_month = (func.to_char(Referral.referred_on, "YYYY-MM")
                 if session.get_bind().dialect.name == "postgresql"
                 else func.strftime("%Y-%m", Referral.referred_on))
    query = (select(Referral.organisation_id, ref_month, func.sum(Referral.count))
             .where(referral_condition(scope, period=False),
                    Referral.organisation_id.in_(in_scope),
                    Referral.referred_on >= start_day, Referral.referred_on < end_day)
             .group_by(Referral.organisation_id, ref_month))
    for org_id, key, total in session.execute(query):
        t = _key_index(key) - first_index
        if 0 <= t < n_months and org_id in row_of:
            referrals[row_of[org_id], t] += int(total or 0)

    engagement = {channel: np.zeros((n_orgs, n_months), dtype=np.int64) for channel in CHANNELS}
    eng_month, edge = _london_month(session)
    # A day either side covers the hour London is ahead of UTC; months are then checked exactly.
    start_at = datetime(start_day.year, start_day.month, 1, tzinfo=LONDON)
    end_at = datetime(end_day.year, end_day.month, 1, tzinfo=LONDON)
    # Channels come back as their stored text: converting 100,000s of groups to enums is slow.
    channel_text = type_coerce(Engagement.channel, String)
    columns = [Engagement.organisation_id, channel_text, eng_month]
    if edge is not None:
        columns.append(edge)
    grouped = (select(*columns, func.count())
               .where(engagement_condition(scope, period=False),
                      Engagement.organisation_id.in_(in_scope),
                      Engagement.occurred_at >= start_at, Engagement.occurred_at < end_at)
               .group_by(*columns[:3], *(columns[3:])))
    for row in session.execute(grouped):
        org_id, channel, key = row[0], row[1], row[2]
        if edge is not None and row[3] is not None:
            moment = datetime.fromisoformat(row[3] + "+00:00").astimezone(LONDON)
            key = f"{moment.year:04d}-{moment.month:02d}"
        t = _key_index(key) - first_index
        if 0 <= t < n_months and org_id in row_of:
            engagement[CHANNEL_OF[channel]][row_of[org_id], t] += int(row[-1])

    first_engaged = _first_engaged(session, scope, in_scope, row_of, n_orgs, first_index)
    return Panel(months=months, organisation_ids=org_ids, referrals=referrals,
                 engagement=engagement, first_engaged=first_engaged, lead=lead,
                 service_id=filters.service_id)


def _first_engaged(session: Session, scope: Scope, in_scope: Any, row_of: dict[int, int], n_orgs: int,
                   first_index: int) -> dict[Channel | None, np.ndarray]:
    """Each organisation's first live engagement month, per channel and overall, ever."""
    firsts: dict[Channel | None, np.ndarray] = {
        key: np.full(n_orgs, Panel.NEVER, dtype=np.int64) for key in (None, *CHANNELS)}
    rows = session.execute(
        select(Engagement.organisation_id, type_coerce(Engagement.channel, String),
               type_coerce(func.min(Engagement.occurred_at), String))
        .where(engagement_condition(scope, period=False),
               Engagement.organisation_id.in_(in_scope))
        .group_by(Engagement.organisation_id, Engagement.channel))
    for org_id, channel, first_at in rows:
        i = row_of.get(org_id)
        if i is None or first_at is None:
            continue
        if isinstance(first_at, str):  # SQLite's stored text, read without type conversion
            first_at = datetime.fromisoformat(first_at[:19] + "+00:00")
        elif first_at.tzinfo is None:
            first_at = first_at.replace(tzinfo=ZoneInfo("UTC"))
        local = first_at.astimezone(LONDON)
        t = month_index(local.year, local.month) - first_index
        channel_first = firsts[CHANNEL_OF[channel]]
        if channel_first[i] == Panel.NEVER or t < channel_first[i]:
            channel_first[i] = t
        overall = firsts[None]
        if overall[i] == Panel.NEVER or t < overall[i]:
            overall[i] = t
    return firsts
