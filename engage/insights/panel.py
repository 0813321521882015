"""The organisation × month panel the outreach-and-uptake analysis is computed from.

Counts are aggregated in SQL (one GROUP BY per fact table) and laid out as dense numpy arrays,
one row per organisation and one column per Europe/London calendar month. Every active
organisation in the filter's scope is a row, with zeros where nothing happened: leaving out the
quiet ones would make outreach look better than it is.

The panel starts `LEAD_MONTHS` (6) before the period, so that engagement up to three months
before the period's first month can be a lagged exposure, and a first engagement up to six
months before it still places months of the period in the event study's window; outcomes are
only read from the period's own months (`outcome_slice`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import String, and_, case, func, select, type_coerce
from sqlalchemy.orm import Session

from engage.campaigns.models import Channel, Engagement
from engage.directory.models import Organisation
from engage.insights.filters import InsightFilters
from engage.insights.scope import Scope, engagement_condition, referral_condition, target_condition
from engage.uptake.models import Referral

LONDON = ZoneInfo("Europe/London")
LEAD_MONTHS = 6  # the event study's window before month 0; also covers lags 1 to 3
CHANNELS: tuple[Channel, ...] = tuple(Channel)
CHANNEL_INDEX = {channel.value: i for i, channel in enumerate(CHANNELS)}


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
    column index; `NEVER` if it has none, `EARLIER` if it had some before the panel began (its
    first engagement is then too early for the event study's window to reach the period).
    """

    months: list[str]
    organisation_ids: np.ndarray
    referrals: np.ndarray
    engagement: dict[Channel, np.ndarray]
    first_engaged: dict[Channel | None, np.ndarray] = field(default_factory=dict)
    lead: int = LEAD_MONTHS
    service_id: int | None = None

    NEVER = -10**6
    EARLIER = -10**5

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


def _month_sql(session: Session, column: Any, *, instant: bool) -> tuple[Any, Any]:
    """SQL for a row's London month as 'YYYY-MM', and for rows whose month needs a closer look.

    PostgreSQL converts the time zone itself. SQLite stores times as 'YYYY-MM-DD HH:MM:SS...'
    text in UTC, so the month is its first seven characters; London is UTC or UTC+1, so only a
    row in the 23:00 hour of a month's last days can belong to the next London month: those few
    are grouped by their own timestamp and converted in Python. Dates (`instant=False`) are
    already London calendar dates.
    """
    if session.get_bind().dialect.name == "postgresql":
        if instant:
            return func.to_char(func.timezone("Europe/London", column), "YYYY-MM"), None
        return func.to_char(column, "YYYY-MM"), None
    text_value = type_coerce(column, String)
    month = func.substr(text_value, 1, 7)
    if not instant:
        return month, None
    edge = case((and_(func.substr(text_value, 12, 2) == "23",
                      func.substr(text_value, 9, 2) >= "28"), func.substr(text_value, 1, 19)),
                else_=None)
    return month, edge


def _london_key(value: Any) -> str:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value[:19])
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(LONDON)
    return f"{local.year:04d}-{local.month:02d}"


def _rows_of(org_ids: np.ndarray, ids: Any) -> tuple[np.ndarray, np.ndarray]:
    """Row index of each organisation id, and which ids are in the panel at all."""
    ids = np.asarray(ids, dtype=np.int64)
    where = np.searchsorted(org_ids, ids)
    where = np.minimum(where, max(len(org_ids) - 1, 0))
    found = (org_ids[where] == ids) if len(org_ids) else np.zeros(len(ids), dtype=bool)
    return where, found


def build_panel(session: Session, scope: Scope, *, lead: int = LEAD_MONTHS,
                channel: Channel | None = None) -> Panel:
    """The panel for the filter's organisations, service and period (plus the lead-in months).

    Which organisations, ledger rows and referral rows count comes from `insights.scope`, so
    "reached" here means what it means on the coverage page. First engagements are worked out
    for all channels together and for `channel` (the event study's choice).
    """
    filters = scope.filters
    months = panel_months(filters, lead)
    column_of = {key: i for i, key in enumerate(months)}
    n_months = len(months)
    targets = target_condition(scope)
    org_ids = np.array(sorted(session.scalars(select(Organisation.id).where(targets))),
                       dtype=np.int64)
    n_orgs = len(org_ids)
    in_scope = select(Organisation.id).where(targets)
    start_day = date.fromisoformat(months[0] + "-01")
    end_day = date.fromisoformat(month_key_of(_key_index(months[-1]) + 1) + "-01")

    referrals = np.zeros((n_orgs, n_months), dtype=np.int64)
    ref_month, _ = _month_sql(session, Referral.referred_on, instant=False)
    found_rows = session.execute(
        select(Referral.organisation_id, ref_month, func.sum(Referral.count))
        .where(referral_condition(scope, period=False), Referral.organisation_id.in_(in_scope),
               Referral.referred_on >= start_day, Referral.referred_on < end_day)
        .group_by(Referral.organisation_id, ref_month)).all()
    if found_rows:
        ids, keys, totals = zip(*found_rows, strict=True)
        rows, ok = _rows_of(org_ids, ids)
        cols = np.array([column_of.get(key, -1) for key in keys])
        ok &= cols >= 0
        np.add.at(referrals, (rows[ok], cols[ok]), np.array(totals, dtype=np.int64)[ok])

    by_channel = np.zeros((len(CHANNELS), n_orgs, n_months), dtype=np.int64)
    eng_month, edge = _month_sql(session, Engagement.occurred_at, instant=True)
    # From the London start of the first month to that of the month after the last.
    start_at = datetime(start_day.year, start_day.month, 1, tzinfo=LONDON)
    end_at = datetime(end_day.year, end_day.month, 1, tzinfo=LONDON)
    # Channels come back as their stored text: converting 100,000s of groups to enums is slow.
    columns = [Engagement.organisation_id, type_coerce(Engagement.channel, String), eng_month]
    if edge is not None:
        columns.append(edge)
    grouped = session.execute(
        select(*columns, func.count())
        .where(engagement_condition(scope, period=False),
               Engagement.organisation_id.in_(in_scope),
               Engagement.occurred_at >= start_at, Engagement.occurred_at < end_at)
        .group_by(*columns)).all()
    if grouped:
        parts = list(zip(*grouped, strict=True))
        months_of: list[str] = list(parts[2])
        if edge is not None:
            months_of = [key if exact is None else _london_key(exact)
                         for key, exact in zip(months_of, parts[3], strict=True)]
        rows, ok = _rows_of(org_ids, parts[0])
        cols = np.array([column_of.get(key, -1) for key in months_of])
        chans = np.array([CHANNEL_INDEX[value] for value in parts[1]])
        ok &= cols >= 0
        np.add.at(by_channel, (chans[ok], rows[ok], cols[ok]),
                  np.array(parts[-1], dtype=np.int64)[ok])
    engagement = {c: by_channel[i] for i, c in enumerate(CHANNELS)}

    first_engaged: dict[Channel | None, np.ndarray] = {}
    for wanted in dict.fromkeys((None, channel)):
        values = engagement[wanted] if wanted is not None else by_channel.sum(axis=0)
        earlier = _engaged_before(session, scope, targets, org_ids, start_at, wanted)
        first_engaged[wanted] = first_columns(values, earlier)
    return Panel(months=months, organisation_ids=org_ids, referrals=referrals,
                 engagement=engagement, first_engaged=first_engaged, lead=lead,
                 service_id=filters.service_id)


def first_columns(values: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    """First column with engagement per row; EARLIER when some came before the panel."""
    any_ = values > 0
    first = np.argmax(any_, axis=1).astype(np.int64)
    first[~any_.any(axis=1)] = Panel.NEVER
    first[earlier] = Panel.EARLIER
    return first


def _engaged_before(session: Session, scope: Scope, targets: Any, org_ids: np.ndarray,
                    before: datetime, channel: Channel | None) -> np.ndarray:
    """Which organisations had counting engagement (of the channel) before the panel starts.

    One EXISTS probe per organisation on the (organisation, time) index: far cheaper than
    finding everyone's first engagement ever over the whole ledger.
    """
    conditions = [Engagement.organisation_id == Organisation.id,
                  Engagement.occurred_at < before, engagement_condition(scope, period=False)]
    if channel is not None:
        conditions.append(Engagement.channel == channel)
    ids = session.scalars(select(Organisation.id).where(
        targets, select(Engagement.id).where(*conditions).exists())).all()
    rows, ok = _rows_of(org_ids, list(ids))
    earlier = np.zeros(len(org_ids), dtype=bool)
    earlier[rows[ok]] = True
    return earlier
