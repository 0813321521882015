"""Coverage: how many target organisations were reached (at least one counting ledger row).

One GROUP BY over the targets (by locality, kind and PCN together) answers every breakdown;
the rollups are summed in Python from those few hundred groups, never from ledger rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from engage.directory.models import Locality, Organisation, OrgKind
from engage.insights.scope import Scope, reached_condition, target_condition

NO_LOCALITY = "No locality"
NO_PCN = "No PCN recorded"


@dataclass(frozen=True)
class CoverageRow:
    """Target and reached organisations in one group, with the numbers behind the percentage."""

    label: str
    target: int
    reached: int
    key: str = ""  # the locality id, kind value or PCN name, for links

    @property
    def not_reached(self) -> int:
        return self.target - self.reached

    @property
    def percent(self) -> int | None:
        return round(100 * self.reached / self.target) if self.target else None

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "target": self.target, "reached": self.reached,
                "not_reached": self.not_reached, "percent": self.percent, "key": self.key}


@dataclass(frozen=True)
class Coverage:
    overall: CoverageRow
    by_locality: list[CoverageRow]
    by_kind: list[CoverageRow]
    by_pcn: list[CoverageRow]


@dataclass(frozen=True)
class TargetGroup:
    """Targets sharing a locality, kind and PCN: how many, how many reached, their staff."""

    locality_id: int | None
    kind: str
    pcn: str | None
    target: int
    reached: int
    staff: int
    staff_known: int


def target_groups(session: Session, scope: Scope) -> list[TargetGroup]:
    """The one pass over the targets that coverage and equity both sum from."""
    reached = case((reached_condition(scope), 1), else_=0)
    known = case((Organisation.staff_headcount.is_not(None), 1), else_=0)
    return [
        TargetGroup(locality_id, kind, pcn, int(target), int(hit or 0), int(staff or 0),
                    int(staff_known or 0))
        for locality_id, kind, pcn, target, hit, staff, staff_known in session.execute(
            select(Organisation.locality_id, Organisation.kind, Organisation.pcn,
                   func.count(), func.sum(reached), func.sum(Organisation.staff_headcount),
                   func.sum(known))
            .where(target_condition(scope))
            .group_by(Organisation.locality_id, Organisation.kind, Organisation.pcn)
        )
    ]


def _rows(totals: dict[Any, list[int]], label_of: Any) -> list[CoverageRow]:
    rows = [CoverageRow(label_of(key), t, r, "" if key is None else str(key))
            for key, (t, r) in totals.items()]
    return sorted(rows, key=lambda row: (row.label in (NO_LOCALITY, NO_PCN), row.label.lower()))


def coverage(session: Session, scope: Scope,
             groups: list[TargetGroup] | None = None) -> Coverage:
    """Reached and target organisations overall and by locality, kind and PCN."""
    localities = dict(session.execute(select(Locality.id, Locality.name)).all())
    by_locality: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_pcn: dict[str | None, list[int]] = defaultdict(lambda: [0, 0])
    total = [0, 0]
    for g in target_groups(session, scope) if groups is None else groups:
        for bucket in (by_locality[g.locality_id], by_kind[OrgKind(g.kind).value],
                       by_pcn[g.pcn or None], total):
            bucket[0] += g.target
            bucket[1] += g.reached
    return Coverage(
        overall=CoverageRow("All target organisations", total[0], total[1]),
        by_locality=_rows(by_locality, lambda k: localities.get(k, NO_LOCALITY)),
        by_kind=_rows(by_kind, lambda k: OrgKind(k).plural),
        by_pcn=_rows(by_pcn, lambda k: k or NO_PCN),
    )


def overall(session: Session, scope: Scope) -> CoverageRow:
    """Only the headline figure (for the report's "change since")."""
    reached = case((reached_condition(scope), 1), else_=0)
    target, hit = session.execute(
        select(func.count(), func.sum(reached)).where(target_condition(scope))).one()
    return CoverageRow("All target organisations", int(target or 0), int(hit or 0))
