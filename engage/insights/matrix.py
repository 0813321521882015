"""The coverage matrix: target organisations (rows, grouped by locality) by channel or month.

Rows are paged in SQL; cells are counted for the shown page only, in one GROUP BY, so the
England-sized directory costs no more than a small one.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select

from engage.campaigns.models import Channel, Engagement, EngagementTier
from engage.database import DbSession
from engage.directory.models import Locality, Organisation, OrgKind
from engage.directory.names import shown_name
from engage.insights.coverage import NO_LOCALITY
from engage.insights.paging import RowPagination
from engage.insights.scope import Scope, engagement_condition, reached_condition, target_condition
from engage.timezone import LONDON
from engage.uptake.summary import month_key, month_label, months_between

PER_PAGE = 50


class Columns(enum.StrEnum):
    CHANNEL = "channel"
    MONTH = "month"


class Sort(enum.StrEnum):
    LOCALITY = "locality"  # grouped by locality, then name
    NAME = "name"
    ACTIVITY = "activity"  # most engagement in the period first


class Show(enum.StrEnum):
    ALL = "all"
    ENGAGED = "engaged"
    NOT_ENGAGED = "not_engaged"
    CONTACTED_ONLY = "contacted_only"  # contacted in the period, not engaged
    NOT_CONTACTED = "not_contacted"

    @property
    def label(self) -> str:
        return {"all": "All target organisations", "engaged": "Engaged only",
                "not_engaged": "Not engaged only",
                "contacted_only": "Contacted but not engaged",
                "not_contacted": "Not contacted at all"}[self.value]


def choice(enum_cls: type[enum.StrEnum], raw: str | None, default: Any,
           problems: list[str], name: str) -> Any:
    """A query argument read as one of an enum's values; anything else gets the default."""
    if not raw:
        return default
    try:
        return enum_cls(raw)
    except ValueError:
        problems.append(f"The {name} {raw!r} is not one of the choices; showing "
                        f"{default.value.replace('_', ' ')}.")
        return default


@dataclass
class MatrixRow:
    id: int
    ods_code: str
    name: str
    kind: OrgKind
    locality: str
    cells: dict[str, int]  # contacts that count, of either tier
    engaged: dict[str, int] = field(default_factory=dict)  # those of the engaged tier
    preferred_name: str | None = None

    @property
    def display_name(self) -> str:
        return shown_name(self.name, self.preferred_name)

    @property
    def total(self) -> int:
        return sum(self.cells.values())

    @property
    def engaged_total(self) -> int:
        return sum(self.engaged.values())


@dataclass
class Matrix:
    columns: list[tuple[str, str]]  # (key, label)
    rows: list[MatrixRow]
    pagination: Pagination
    peak: int

    def level(self, count: int) -> int:
        """0 to 3, for the cell's shading by engaged rows; the numbers are always shown too."""
        if count <= 0:
            return 0
        if self.peak <= 1:
            return 3
        return 1 + min(2, int(3 * (count - 1) / self.peak))



def _rows_query(scope: Scope, sort: Sort, show: Show, kind: OrgKind | None) -> Select[Any]:
    query: Any = (
        select(Organisation.id, Organisation.ods_code, Organisation.name,
               Organisation.preferred_name, Organisation.kind, Locality.name.label("locality"))
        .outerjoin(Locality, Locality.id == Organisation.locality_id)
        .where(target_condition(scope)))
    if kind is not None:
        query = query.where(Organisation.kind == kind)
    engaged = reached_condition(scope, EngagementTier.ENGAGED)
    contacted = reached_condition(scope, EngagementTier.CONTACTED)
    query = query.where(*{Show.ALL: [], Show.ENGAGED: [engaged], Show.NOT_ENGAGED: [~engaged],
                          Show.CONTACTED_ONLY: [contacted, ~engaged],
                          Show.NOT_CONTACTED: [~contacted]}[show])
    name_order = (Organisation.sort_key, Organisation.ods_code)
    if sort is Sort.NAME:
        return query.order_by(*name_order)
    if sort is Sort.ACTIVITY:
        counts = (select(Engagement.organisation_id.label("org_id"), func.count().label("n"))
                  .where(engagement_condition(scope)).group_by(Engagement.organisation_id)
                  .subquery())
        return (query.add_columns(func.coalesce(counts.c.n, 0).label("n"))
                .outerjoin(counts, counts.c.org_id == Organisation.id)
                .order_by(func.coalesce(counts.c.n, 0).desc(), *name_order))
    return query.order_by(Locality.name.is_(None), func.lower(Locality.name), *name_order)


def _london_month(value: datetime) -> str:
    return month_key(value.astimezone(LONDON).date())


def matrix(session: DbSession, scope: Scope, *, columns: Columns, sort: Sort, show: Show,
           kind: OrgKind | None, page: int, per_page: int = PER_PAGE) -> Matrix:
    """One page of the matrix: each cell is the number of counting ledger rows, and how many
    of them are of the engaged tier (the shading follows those)."""
    pagination = RowPagination(select=_rows_query(scope, sort, show, kind), session=session,
                               page=page, per_page=per_page, error_out=False, count=True)
    ids = [r.id for r in pagination.items]
    cells: dict[int, dict[str, int]] = defaultdict(dict)
    engaged: dict[int, dict[str, int]] = defaultdict(dict)

    def add(org_id: int, key: str, tier: Any, n: int) -> None:
        cells[org_id][key] = cells[org_id].get(key, 0) + n
        if EngagementTier(tier) is EngagementTier.ENGAGED:
            engaged[org_id][key] = engaged[org_id].get(key, 0) + n

    if columns is Columns.CHANNEL:
        keys = [(c.value, c.label) for c in Channel]
        if ids:
            for org_id, channel, tier, n in session.execute(
                select(Engagement.organisation_id, Engagement.channel, Engagement.tier,
                       func.count())
                .where(engagement_condition(scope), Engagement.organisation_id.in_(ids))
                .group_by(Engagement.organisation_id, Engagement.channel, Engagement.tier)
            ):
                add(org_id, Channel(channel).value, tier, int(n))
    else:
        months = months_between(month_key(scope.filters.start), month_key(scope.filters.end))
        keys = [(m, month_label(m)) for m in months]
        if ids:
            # By UK month, which SQL cannot tell portably; one page of organisations is small.
            for org_id, at, tier in session.execute(
                select(Engagement.organisation_id, Engagement.occurred_at, Engagement.tier)
                .where(engagement_condition(scope), Engagement.organisation_id.in_(ids))
            ):
                add(org_id, _london_month(at), tier, 1)
    rows = [MatrixRow(r.id, r.ods_code, r.name, OrgKind(r.kind), r.locality or NO_LOCALITY,
                      cells.get(r.id, {}), engaged.get(r.id, {}), r.preferred_name)
            for r in pagination.items]
    peak = max((n for row in rows for n in row.engaged.values()), default=0)
    return Matrix(keys, rows, pagination, peak)
