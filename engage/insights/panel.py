"""The organisation × month panel the outreach-and-uptake analysis is computed from.

Each fact table's rows are read once, as packed integers, and counted with numpy into dense
arrays, one row per organisation and one column per Europe/London calendar month. Every active
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

import numpy as np
import pandas as pd
from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    select,
    type_coerce,
)

from engage.campaigns.models import Channel, Engagement
from engage.database import DbSession
from engage.directory.models import Organisation
from engage.insights.filters import InsightFilters
from engage.insights.scope import Scope, engagement_condition, referral_condition, target_condition
from engage.insights.sqlite_hints import range_column, unindexed
from engage.timezone import LONDON
from engage.uptake.models import Referral

LEAD_MONTHS = 6  # the event study's window before month 0; also covers lags 1 to 3
CHANNELS: tuple[Channel, ...] = tuple(Channel)


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


# Ledger rows are read from the database as one packed integer each (see `_engagement_key`):
# fetching a million rows of three values cost twice what one value does, and a GROUP BY in
# the database hardly shrinks the result (at England scale almost every organisation, channel
# and month cell holds a single row). The room each field has in the packed value:
KEY_CHANNELS = 16  # channel code (the Channel enum has fewer members)
KEY_MONTHS = 2**15  # month number, year * 12 + month - 1 (to the year 2730)
KEY_DAYS = 32  # SQLite only: the UTC day of a row that may belong to the next London month
assert len(CHANNELS) < KEY_CHANNELS


def _month_number_sql(dialect: str, column: Any, *, instant: bool) -> tuple[Any, Any]:
    """SQL for a row's London month number, and for the UTC day of the rows whose month
    needs a closer look (0 for the rest).

    PostgreSQL converts the time zone itself (the day is then always 0). SQLite stores times
    as 'YYYY-MM-DD HH:MM:SS...' text in UTC, so the month is in its first seven characters;
    London is UTC or UTC+1, so only a row in the 23:00 hour of a month's 28th day or later
    can belong to the next London month: its day is returned and `_london_months` converts
    those few with the time zone database. Dates (`instant=False`) are already London dates.
    """
    if dialect == "postgresql":
        local = func.timezone("Europe/London", column) if instant else column
        number = (cast(extract("year", local), Integer) * 12
                  + cast(extract("month", local), Integer) - 1)
        return number, literal(0)
    text_value = type_coerce(column, String)
    number = (cast(func.substr(text_value, 1, 4), Integer) * 12
              + cast(func.substr(text_value, 6, 2), Integer) - 1)
    if not instant:
        return number, literal(0)
    day = func.substr(text_value, 9, 2)
    edge = case((and_(func.substr(text_value, 12, 2) == "23", day >= "28"),
                 cast(day, Integer)), else_=0)
    return number, edge


def _engagement_key(dialect: str) -> Any:
    """SQL packing a ledger row's organisation, UTC edge day, month number and channel code
    into one integer; `_unpack` takes it apart."""
    number, day = _month_number_sql(dialect, Engagement.occurred_at, instant=True)
    code = case({c.value: i for i, c in enumerate(CHANNELS)},
                value=type_coerce(Engagement.channel, String), else_=KEY_CHANNELS - 1)
    return (((cast(Engagement.organisation_id, BigInteger) * KEY_DAYS + day) * KEY_MONTHS
             + number) * KEY_CHANNELS + code)


def _unpack(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Organisation ids, UTC edge days, month numbers and channel codes of packed keys."""
    rest, codes = np.divmod(keys, KEY_CHANNELS)
    rest, numbers = np.divmod(rest, KEY_MONTHS)
    org_ids, days = np.divmod(rest, KEY_DAYS)
    return org_ids, days, numbers, codes


def _london_months(numbers: np.ndarray, days: np.ndarray) -> np.ndarray:
    """The London month number of each row: its UTC month, or for a row in the 23:00 hour
    of UTC day `days[i]` (where not 0), the month London's clocks showed then."""
    edge = days > 0
    if not edge.any():
        return numbers
    london = numbers.copy()
    for number, day in set(zip(numbers[edge].tolist(), days[edge].tolist(), strict=True)):
        year, month0 = divmod(number, 12)
        local = datetime(year, month0 + 1, day, 23, tzinfo=UTC).astimezone(LONDON)
        london[edge & (numbers == number) & (days == day)] = month_index(local.year,
                                                                        local.month)
    return london


def _read_integers(session: DbSession, statement: Any, columns: int) -> np.ndarray:
    """The statement's integer columns as a rows × `columns` array, read straight off the
    driver's cursor: SQLAlchemy's row objects cost more than the database's own work for a
    million rows."""
    result = session.connection().execute(statement)
    try:
        if columns == 1:
            cursor = result.cursor
            batches = iter(lambda: cursor.fetchmany(10_000), [])
            values = np.fromiter((row[0] for batch in batches for row in batch),
                                 dtype=np.int64)
        else:
            values = np.array(result.cursor.fetchall(), dtype=np.int64)
    finally:
        result.close()
    return values.reshape(-1, columns)


def _rows_of(org_ids: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row index of each organisation id, and which ids are in the panel at all."""
    where = np.searchsorted(org_ids, ids)
    where = np.minimum(where, max(len(org_ids) - 1, 0))
    found = (org_ids[where] == ids) if len(org_ids) else np.zeros(len(ids), dtype=bool)
    return where, found


def _counts(shape: tuple[int, ...], index: tuple[np.ndarray, ...],
            weights: np.ndarray | None = None) -> np.ndarray:
    """An array of `shape` holding how many rows (or how much weight) fell in each cell."""
    flat = np.ravel_multi_index(index, shape) if len(index[0]) else np.zeros(0, dtype=np.int64)
    size = int(np.prod(shape))
    totals = np.bincount(flat, weights=weights, minlength=size)
    return np.rint(totals).astype(np.int64).reshape(shape)


def build_panel(session: DbSession, scope: Scope, *, lead: int = LEAD_MONTHS,
                channel: Channel | None = None) -> Panel:
    """The panel for the filter's organisations, service and period (plus the lead-in months).

    Which organisations, ledger rows and referral rows count comes from `insights.scope`, so
    "reached" here means what it means on the coverage page. First engagements are worked out
    for all channels together and for `channel` (the event study's choice).
    """
    filters = scope.filters
    dialect = session.get_bind().dialect.name
    months = panel_months(filters, lead)
    first_month = _key_index(months[0])
    n_months = len(months)
    targets = target_condition(scope)
    org_ids = np.array(sorted(session.scalars(select(Organisation.id).where(targets))),
                       dtype=np.int64)
    n_orgs = len(org_ids)
    # Rows of organisations outside the panel are dropped as they are laid out; asking the
    # database to filter them too only pays for a narrowed scope (a campaign's audience, a
    # locality): for every active organisation it costs an index probe per row.
    narrowed = scope.campaign is not None or scope.locality is not None
    start_day = date.fromisoformat(months[0] + "-01")
    end_day = date.fromisoformat(month_key_of(_key_index(months[-1]) + 1) + "-01")

    ref_month, _ = _month_number_sql(dialect, Referral.referred_on, instant=False)
    # Referrals are read by scan on SQLite unless one service's index range will do (see
    # insights.sqlite_hints); their (service, date) index cannot give the stored span cheaply.
    referred_on = unindexed(Referral.referred_on) \
        if dialect == "sqlite" and scope.service is None else Referral.referred_on
    conditions = [referral_condition(scope, period=False), Referral.organisation_id.is_not(None),
                  referred_on >= start_day, referred_on < end_day]
    if narrowed:
        conditions.append(Referral.organisation_id.in_(select(Organisation.id).where(targets)))
    found = _read_integers(session, select(
        cast(Referral.organisation_id, BigInteger) * KEY_MONTHS + ref_month, Referral.count,
    ).where(*conditions), 2)
    ref_orgs, ref_numbers = np.divmod(found[:, 0], KEY_MONTHS)
    rows, ok = _rows_of(org_ids, ref_orgs)
    cols = ref_numbers - first_month
    ok &= (cols >= 0) & (cols < n_months)
    referrals = _counts((n_orgs, n_months), (rows[ok], cols[ok]),
                        found[ok, 1].astype(np.float64))

    # From the London start of the first month to that of the month after the last.
    start_at = datetime(start_day.year, start_day.month, 1, tzinfo=LONDON)
    end_at = datetime(end_day.year, end_day.month, 1, tzinfo=LONDON)
    occurred_at = range_column(session, Engagement.occurred_at, start_at, end_at)
    conditions = [engagement_condition(scope, period=False),
                  occurred_at >= start_at, occurred_at < end_at]
    if narrowed:
        conditions.append(Engagement.organisation_id.in_(select(Organisation.id)
                                                         .where(targets)))
    keys = _read_integers(session, select(_engagement_key(dialect)).where(*conditions), 1)
    eng_orgs, days, numbers, codes = _unpack(keys[:, 0])
    rows, ok = _rows_of(org_ids, eng_orgs)
    cols = _london_months(numbers, days) - first_month
    ok &= (cols >= 0) & (cols < n_months) & (codes < len(CHANNELS))
    by_channel = _counts((len(CHANNELS), n_orgs, n_months), (codes[ok], rows[ok], cols[ok]))
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


def _engaged_before(session: DbSession, scope: Scope, targets: Any, org_ids: np.ndarray,
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
    rows, ok = _rows_of(org_ids, np.asarray(ids, dtype=np.int64))
    earlier = np.zeros(len(org_ids), dtype=bool)
    earlier[rows[ok]] = True
    return earlier
