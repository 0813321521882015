"""Uptake figures for the uptake page, the organisation page and `flask uptake summary`.

Only rows that count now are summed: in a batch not rolled back, and not replaced by a later
import. Breakdowns by staff characteristics go through `suppression`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select

from engage.catalogue.models import Service
from engage.database import DbSession
from engage.directory.models import Locality, Organisation, OrgKind, OrgStatus
from engage.uptake.columns import CHARACTERISTICS
from engage.uptake.importer import active_referrals
from engage.uptake.models import Referral, UptakeBatch
from engage.uptake.suppression import Breakdown, suppress

NOT_RECORDED = "Not recorded"
CHARACTERISTIC_LABELS = {"staff_group": "Staff group", "age_band": "Age band", "sex": "Sex",
                         "ethnicity": "Ethnicity", "disability": "Disability"}


def month_key(day: date) -> str:
    return day.strftime("%Y-%m")


def month_label(key: str) -> str:
    return date.fromisoformat(key + "-01").strftime("%b %Y")


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` inclusive, so months with none show as 0."""
    year, month = int(first[:4]), int(first[5:])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


@dataclass
class Share:
    """One group (a locality, a kind): referrals, organisations referring, and shares."""

    label: str
    referrals: int = 0
    organisations: int = 0
    referring: int = 0
    staff: int = 0
    referral_share: float = 0.0
    staff_share: float = 0.0

    @property
    def none(self) -> bool:
        return self.organisations > 0 and self.referring == 0


@dataclass
class Overview:
    total: int = 0
    months: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    # month → service → total; and month → number of organisations referring.
    by_month: dict[str, dict[str, int]] = field(default_factory=dict)
    month_orgs: dict[str, int] = field(default_factory=dict)
    month_service_orgs: dict[str, dict[str, int]] = field(default_factory=dict)
    by_service: list[tuple[str, int, int]] = field(default_factory=list)
    by_reason: list[tuple[str, int]] = field(default_factory=list)
    by_route: list[tuple[str, int]] = field(default_factory=list)
    by_locality: list[Share] = field(default_factory=list)
    by_kind: list[Share] = field(default_factory=list)
    organisations: int = 0
    referring: int = 0
    listed: int = 0  # every organisation in the directory, and the active ones: for the hint
    active: int = 0  # that says how `organisations` relates to the other pages' counts
    area_wide: int = 0
    characteristics: dict[str, Breakdown] = field(default_factory=dict)

    @property
    def month_totals(self) -> list[tuple[str, int]]:
        return [(m, sum(self.by_month.get(m, {}).values())) for m in self.months]

    def chart(self) -> dict[str, Any]:
        """Data for charts.js: referrals per month, one series per service."""
        return {
            "type": "bar", "stacked": True, "labels": [month_label(m) for m in self.months],
            "series": [{"label": s, "data": [self.by_month.get(m, {}).get(s, 0)
                                             for m in self.months]} for s in self.services],
        }


def overview(session: DbSession) -> Overview:
    """Every figure on the uptake page."""
    result = Overview()
    names = dict(session.execute(select(Service.id, Service.name)).all())
    orgs = {row.id: row for row in session.execute(select(
        Organisation.id, Organisation.kind, Organisation.locality_id, Organisation.status,
        Organisation.staff_headcount))}
    grouped = session.execute(
        select(Referral.referred_on, Referral.service_id, Referral.organisation_id,
               Referral.reason, Referral.route, func.sum(Referral.count))
        .where(active_referrals())
        .group_by(Referral.referred_on, Referral.service_id, Referral.organisation_id,
                  Referral.reason, Referral.route)
    ).all()
    by_month: dict[str, Counter[str]] = defaultdict(Counter)
    month_orgs: dict[str, set[int]] = defaultdict(set)
    cell_orgs: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    service_totals: Counter[str] = Counter()
    service_orgs: dict[str, set[int]] = defaultdict(set)
    reasons: Counter[str] = Counter()
    routes: Counter[str] = Counter()
    per_org: Counter[int] = Counter()
    for referred_on, service_id, org_id, reason, route, total in grouped:
        total = int(total or 0)
        key, service = month_key(referred_on), names.get(service_id, "?")
        by_month[key][service] += total
        service_totals[service] += total
        reasons[reason or NOT_RECORDED] += total
        routes[route or NOT_RECORDED] += total
        result.total += total
        if org_id is None:
            result.area_wide += total
            continue
        per_org[org_id] += total
        service_orgs[service].add(org_id)
        if total:
            month_orgs[key].add(org_id)
            cell_orgs[key][service].add(org_id)
    if by_month:
        result.months = months_between(min(by_month), max(by_month))
    order = {name: n for n, name in enumerate(session.scalars(
        select(Service.name).order_by(Service.sort_order, Service.name)))}
    result.services = sorted(service_totals, key=lambda s: order.get(s, 999))
    result.by_month = {m: dict(c) for m, c in by_month.items()}
    result.month_orgs = {m: len(s) for m, s in month_orgs.items()}
    result.month_service_orgs = {m: {s: len(o) for s, o in c.items()}
                                 for m, c in cell_orgs.items()}
    result.by_service = [(s, service_totals[s], len(service_orgs[s])) for s in result.services]
    result.by_reason = _ranked(reasons)
    result.by_route = _ranked(routes)
    current = {i: o for i, o in orgs.items() if o.status is not OrgStatus.CLOSED or per_org[i]}
    result.organisations = len(current)
    result.listed = len(orgs)
    result.active = sum(1 for o in orgs.values() if o.status is OrgStatus.ACTIVE)
    result.referring = sum(1 for i in current if per_org[i] > 0)
    localities = dict(session.execute(select(Locality.id, Locality.name)).all())
    result.by_locality = _shares(current, per_org,
                                 lambda o: localities.get(o.locality_id, "No locality"))
    result.by_kind = _shares(current, per_org, lambda o: OrgKind(o.kind).plural)
    result.characteristics = characteristics(session)
    return result


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    """Largest first, with 'not recorded' last."""
    recorded = sorted(((k, v) for k, v in counts.items() if k != NOT_RECORDED),
                      key=lambda kv: (-kv[1], kv[0]))
    return recorded + ([(NOT_RECORDED, counts[NOT_RECORDED])] if counts[NOT_RECORDED] else [])


def _shares(orgs: dict[int, Any], per_org: Counter[int], label_of: Any) -> list[Share]:
    groups: dict[str, Share] = {}
    for org_id, org in orgs.items():
        share = groups.setdefault(label_of(org), Share(label_of(org)))
        share.organisations += 1
        share.referrals += per_org[org_id]
        share.referring += per_org[org_id] > 0
        share.staff += org.staff_headcount or 0
    referrals = sum(s.referrals for s in groups.values())
    staff = sum(s.staff for s in groups.values())
    for share in groups.values():
        share.referral_share = 100 * share.referrals / referrals if referrals else 0.0
        share.staff_share = 100 * share.staff / staff if staff else 0.0
    return sorted(groups.values(), key=lambda s: (-s.referrals, s.label))


def characteristics(session: DbSession) -> dict[str, Breakdown]:
    """Referrals by each staff characteristic the provider recorded, suppressed."""
    out: dict[str, Breakdown] = {}
    for name in CHARACTERISTICS:
        column = getattr(Referral, name)
        counts = {label or NOT_RECORDED: int(total or 0) for label, total in session.execute(
            select(column, func.sum(Referral.count)).where(active_referrals())
            .group_by(column))}
        if any(label != NOT_RECORDED for label in counts):
            out[name] = suppress(counts)
    return out


def organisation_months(session: DbSession, organisation_id: int) -> list[tuple[str, str, int]]:
    """An organisation's referrals as (month, service, total), newest month first."""
    rows: Counter[tuple[str, str]] = Counter()
    for referred_on, name, total in session.execute(
        select(Referral.referred_on, Service.name, func.sum(Referral.count))
        .join(Service, Service.id == Referral.service_id)
        .where(active_referrals(), Referral.organisation_id == organisation_id)
        .group_by(Referral.referred_on, Service.name)
    ):
        rows[(month_key(referred_on), name)] += int(total or 0)
    return sorted(((m, s, n) for (m, s), n in rows.items()), key=lambda r: (r[0], r[1]),
                  reverse=True)


def monthly_rows(session: DbSession) -> list[tuple[str, str, int, int]]:
    """(month, service, referrals, distinct organisations) for `flask uptake summary`."""
    totals: Counter[tuple[str, str]] = Counter()
    orgs: dict[tuple[str, str], set[int]] = defaultdict(set)
    for referred_on, name, org_id, total in session.execute(
        select(Referral.referred_on, Service.name, Referral.organisation_id,
               func.sum(Referral.count))
        .join(Service, Service.id == Referral.service_id)
        .where(active_referrals())
        .group_by(Referral.referred_on, Service.name, Referral.organisation_id)
    ):
        key = (month_key(referred_on), name)
        totals[key] += int(total or 0)
        if org_id is not None and total:
            orgs[key].add(org_id)
    return [(m, s, totals[(m, s)], len(orgs[(m, s)])) for m, s in sorted(totals)]


def batches(session: DbSession, limit: int | None = None) -> list[UptakeBatch]:
    query = select(UptakeBatch).order_by(UptakeBatch.imported_at.desc(), UptakeBatch.id.desc())
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))
