"""Equity: referrals and engagement by locality, kind and staff characteristics.

Each group is set against its staff base where headcounts are known. Referral counts go
through the uptake feature's suppression (1 to 4 shown as "<5", with secondary suppression),
so no one can be identified; counts of organisations are not about people and are shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, func, select, type_coerce

from engage.database import DbSession
from engage.directory.models import Locality, Organisation, OrgKind
from engage.insights.coverage import NO_LOCALITY, TargetGroup, target_groups
from engage.insights.scope import Scope, referral_condition
from engage.insights.sqlite_hints import grouping
from engage.uptake.columns import CHARACTERISTICS
from engage.uptake.models import Referral
from engage.uptake.summary import CHARACTERISTIC_LABELS, NOT_RECORDED
from engage.uptake.suppression import suppress

AREA_WIDE = "Area-wide (no organisation)"


@dataclass
class Group:
    """One locality or kind: its organisations, staff, reach and (suppressed) referrals."""

    label: str
    organisations: int = 0
    engaged: int = 0
    contacted: int = 0
    staff: int = 0
    staff_known: int = 0  # organisations with a headcount
    referrals: int = 0
    referrals_shown: str = "0"
    referral_share: float | None = None
    staff_share: float | None = None

    @property
    def engaged_percent(self) -> int | None:
        return round(100 * self.engaged / self.organisations) if self.organisations else None

    @property
    def contacted_percent(self) -> int | None:
        return round(100 * self.contacted / self.organisations) if self.organisations else None

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "organisations": self.organisations,
                "engaged": self.engaged, "engaged_percent": self.engaged_percent,
                "contacted": self.contacted, "contacted_percent": self.contacted_percent,
                "staff": self.staff if self.staff_known else None,
                "staff_known": self.staff_known, "referrals": self.referrals_shown,
                "referral_share": _round(self.referral_share),
                "staff_share": _round(self.staff_share)}


def _round(value: float | None) -> int | None:
    return None if value is None else round(value)


@dataclass
class Characteristic:
    name: str
    label: str
    cells: list[tuple[str, str]]
    total_shown: str
    suppressed: bool


@dataclass
class Equity:
    by_locality: list[Group] = field(default_factory=list)
    by_kind: list[Group] = field(default_factory=list)
    characteristics: list[Characteristic] = field(default_factory=list)
    suppressed: bool = False


def _finish(groups: dict[str, Group], referrals: dict[str, int]) -> list[Group]:
    for label, n in referrals.items():
        groups.setdefault(label, Group(label)).referrals += n
    shown = suppress({g.label: g.referrals for g in groups.values()})
    by_label = {cell.label: cell.shown for cell in shown.cells}
    total_referrals = sum(g.referrals for g in groups.values())
    total_staff = sum(g.staff for g in groups.values() if g.staff_known)
    for g in groups.values():
        g.referrals_shown = by_label.get(g.label, "0")
        # A share would give a hidden count away, so it is hidden with it.
        if total_referrals and g.referrals_shown not in ("<5", "*"):
            g.referral_share = 100 * g.referrals / total_referrals
        if total_staff and g.staff_known:
            g.staff_share = 100 * g.staff / total_staff
    return sorted(groups.values(), key=lambda g: (g.label in (NO_LOCALITY, AREA_WIDE),
                                                  g.label.lower()))


def equity(session: DbSession, scope: Scope, groups: list[TargetGroup] | None = None) -> Equity:
    """Every equity table for the scope."""
    localities: dict[int | None, str] = {
        locality_id: name for locality_id, name in session.execute(
            select(Locality.id, Locality.name))}
    by_locality: dict[str, Group] = {}
    by_kind: dict[str, Group] = {}
    for t in target_groups(session, scope) if groups is None else groups:
        for label, grouped in ((localities.get(t.locality_id, NO_LOCALITY), by_locality),
                               (OrgKind(t.kind).plural, by_kind)):
            g = grouped.setdefault(label, Group(label))
            g.organisations += t.target
            g.engaged += t.engaged
            g.contacted += t.contacted
            g.staff += t.staff
            g.staff_known += t.staff_known
    ref_locality: dict[str, int] = defaultdict(int)
    ref_kind: dict[str, int] = defaultdict(int)
    # Summed per organisation, then rolled up by each one's locality and kind here: joining
    # the organisations in SQL costs a look-up per referral row.
    per_org = session.execute(
        select(Referral.organisation_id, func.sum(Referral.count))
        .where(referral_condition(scope))
        .group_by(*grouping(session, Referral.organisation_id))).all()
    # Kinds come back as their stored text: converting 17,500 of them to the enum is slow.
    places = {org_id: (locality_id, kind) for org_id, locality_id, kind in session.execute(
        select(Organisation.id, Organisation.locality_id,
               type_coerce(Organisation.kind, String)))}
    for org_id, total in per_org:
        if org_id is None:
            ref_locality[AREA_WIDE] += int(total or 0)
            ref_kind[AREA_WIDE] += int(total or 0)
            continue
        locality_id, kind = places[org_id]
        ref_locality[localities.get(locality_id, NO_LOCALITY)] += int(total or 0)
        ref_kind[OrgKind(kind).plural] += int(total or 0)
    result = Equity(_finish(by_locality, ref_locality), _finish(by_kind, ref_kind))
    # One pass over the referral rows for every characteristic; rolled up per column here.
    columns = [getattr(Referral, name) for name in CHARACTERISTICS]
    counts: dict[str, dict[str, int]] = {name: defaultdict(int) for name in CHARACTERISTICS}
    for *values, total in session.execute(
        select(*columns, func.sum(Referral.count)).where(referral_condition(scope))
        .group_by(*columns)
    ):
        for name, value in zip(CHARACTERISTICS, values, strict=True):
            counts[name][value or NOT_RECORDED] += int(total or 0)
    for name in CHARACTERISTICS:
        if any(label != NOT_RECORDED for label in counts[name]):
            shown = suppress(dict(counts[name]))
            result.characteristics.append(Characteristic(
                name, CHARACTERISTIC_LABELS.get(name, name),
                [(c.label, c.shown) for c in shown.cells], shown.total_shown, shown.suppressed))
    result.suppressed = any(g.referrals_shown in ("<5", "*")
                            for g in result.by_locality + result.by_kind) or any(
        c.suppressed for c in result.characteristics)
    return result


def as_dict(result: Equity) -> dict[str, Any]:
    """Plain data for templates, the report and snapshots (suppressed figures only)."""
    return {"by_locality": [g.as_dict() for g in result.by_locality],
            "by_kind": [g.as_dict() for g in result.by_kind],
            "characteristics": [{"label": c.label, "cells": c.cells, "total": c.total_shown}
                                for c in result.characteristics],
            "suppressed": result.suppressed}
