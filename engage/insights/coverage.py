"""Coverage: how many target organisations engaged, and how many were contacted, in the period.

Engaged (at least one counting ledger row of the engaged tier) is the headline; contacted (at
least one counting row of either tier) is shown beside it (`EngagementTier`).

One GROUP BY over the targets (by locality, kind and PCN together) answers every breakdown;
the rollups are summed in Python from those few hundred groups, never from ledger rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select

from engage.campaigns.models import EngagementTier
from engage.database import DbSession
from engage.directory.models import Locality, Organisation, OrgKind
from engage.insights.scope import Scope, reached_condition, target_condition

NO_LOCALITY = "No locality"
NO_PCN = "No PCN recorded"


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


@dataclass(frozen=True)
class CoverageRow:
    """Target, engaged and contacted organisations in one group, with the numbers behind the
    percentages. Engaged is the headline; contacted includes the engaged."""

    label: str
    target: int
    engaged: int
    contacted: int
    key: str = ""  # the locality id, kind value or PCN name, for links

    @property
    def not_engaged(self) -> int:
        return self.target - self.engaged

    @property
    def percent(self) -> int | None:
        """Engaged, as a percentage of the targets."""
        return _percent(self.engaged, self.target)

    @property
    def contacted_percent(self) -> int | None:
        return _percent(self.contacted, self.target)

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "target": self.target, "engaged": self.engaged,
                "not_engaged": self.not_engaged, "percent": self.percent,
                "contacted": self.contacted, "contacted_percent": self.contacted_percent,
                "key": self.key}


@dataclass(frozen=True)
class Coverage:
    overall: CoverageRow
    by_locality: list[CoverageRow]
    by_kind: list[CoverageRow]
    by_pcn: list[CoverageRow]


@dataclass(frozen=True)
class TargetGroup:
    """Targets sharing a locality, kind and PCN: how many, how many engaged and contacted,
    their staff."""

    locality_id: int | None
    kind: str
    pcn: str | None
    target: int
    engaged: int
    contacted: int
    staff: int
    staff_known: int


def _tier_counts(scope: Scope) -> tuple[Any, Any]:
    """SUM()s of target rows engaged and contacted in the scope."""
    return (func.sum(case((reached_condition(scope, EngagementTier.ENGAGED), 1), else_=0)),
            func.sum(case((reached_condition(scope, EngagementTier.CONTACTED), 1), else_=0)))


def target_groups(session: DbSession, scope: Scope) -> list[TargetGroup]:
    """The one pass over the targets that coverage and equity both sum from."""
    known = case((Organisation.staff_headcount.is_not(None), 1), else_=0)
    return [
        TargetGroup(locality_id, kind, pcn, int(target), int(engaged or 0),
                    int(contacted or 0), int(staff or 0), int(staff_known or 0))
        for locality_id, kind, pcn, target, engaged, contacted, staff, staff_known
        in session.execute(
            select(Organisation.locality_id, Organisation.kind, Organisation.pcn,
                   func.count(), *_tier_counts(scope), func.sum(Organisation.staff_headcount),
                   func.sum(known))
            .where(target_condition(scope))
            .group_by(Organisation.locality_id, Organisation.kind, Organisation.pcn)
        )
    ]


def _rows(totals: dict[Any, list[int]], label_of: Any) -> list[CoverageRow]:
    rows = [CoverageRow(label_of(key), t, e, c, "" if key is None else str(key))
            for key, (t, e, c) in totals.items()]
    return sorted(rows, key=lambda row: (row.label in (NO_LOCALITY, NO_PCN), row.label.lower()))


def coverage(session: DbSession, scope: Scope,
             groups: list[TargetGroup] | None = None) -> Coverage:
    """Engaged, contacted and target organisations overall and by locality, kind and PCN."""
    localities = dict(session.execute(select(Locality.id, Locality.name)).all())
    by_locality: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_pcn: dict[str | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    total = [0, 0, 0]
    for g in target_groups(session, scope) if groups is None else groups:
        for bucket in (by_locality[g.locality_id], by_kind[OrgKind(g.kind).value],
                       by_pcn[g.pcn or None], total):
            bucket[0] += g.target
            bucket[1] += g.engaged
            bucket[2] += g.contacted
    return Coverage(
        overall=CoverageRow("All target organisations", total[0], total[1], total[2]),
        by_locality=_rows(by_locality, lambda k: localities.get(k, NO_LOCALITY)),
        by_kind=_rows(by_kind, lambda k: OrgKind(k).plural),
        by_pcn=_rows(by_pcn, lambda k: k or NO_PCN),
    )


def overall(session: DbSession, scope: Scope) -> CoverageRow:
    """Only the headline figures (for the report's "change since")."""
    target, engaged, contacted = session.execute(
        select(func.count(), *_tier_counts(scope)).where(target_condition(scope))).one()
    return CoverageRow("All target organisations", int(target or 0), int(engaged or 0),
                       int(contacted or 0))
