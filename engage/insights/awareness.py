"""Awareness per service: the share of answers saying "I knew about this service before"."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select

from engage.catalogue.models import Service
from engage.database import DbSession
from engage.directory.models import Organisation
from engage.insights.scope import Scope, campaign_link_ids
from engage.links.models import AwarenessAnswer

# A share from fewer answers than this is drawn hollow and marked in the tables: one answer
# more or less moves it by ten points or more.
FEW_ANSWERS = 10


@dataclass
class Tally:
    answers: int = 0
    knew: int = 0

    @property
    def percent(self) -> int | None:
        return round(100 * self.knew / self.answers) if self.answers else None

    @property
    def few(self) -> bool:
        """Too few answers to read the share as more than a hint."""
        return 0 < self.answers < FEW_ANSWERS


@dataclass
class ServiceAwareness:
    service: str
    total: Tally = field(default_factory=Tally)
    by_month: dict[str, Tally] = field(default_factory=dict)


@dataclass
class Awareness:
    months: list[str]
    services: list[ServiceAwareness]
    total: Tally
    few_answers: int = FEW_ANSWERS

    @property
    def any_few(self) -> bool:
        return any(t.few for s in self.services for t in s.by_month.values())

    def chart(self) -> dict[str, Any]:
        """Line chart data: share who knew, per month, one line per service, with how many
        answers each point rests on; points from fewer than `FEW_ANSWERS` are drawn hollow."""
        from engage.uptake.summary import month_label

        def cell(s: ServiceAwareness, m: str) -> Tally | None:
            return s.by_month.get(m)

        return {"type": "line", "title": "Share of answers saying they knew the service before",
                "labels": [month_label(m) for m in self.months], "unit": "%", "max": 100,
                "axes": {"x": "Month (UK)", "y": "Knew the service before (% of answers)"},
                "series": [{"label": s.service,
                            "data": [t.percent if (t := cell(s, m)) else None
                                     for m in self.months],
                            "counts": [t.answers if (t := cell(s, m)) else None
                                       for m in self.months],
                            "hollow": [bool(t and t.few) for m in self.months
                                       for t in [cell(s, m)]]}
                           for s in self.services]}


def answer_condition(scope: Scope) -> ColumnElement[bool]:
    """Answers in the period, about the service, from the locality's organisations, and with
    a campaign only those through the campaign's own links (an answer with no link, or through
    another campaign's poster at an organisation in the audience, is not the campaign's)."""
    conditions = [AwarenessAnswer.day >= scope.filters.start,
                  AwarenessAnswer.day <= scope.filters.end]
    if scope.service is not None:
        conditions.append(AwarenessAnswer.service_id == scope.service.id)
    if scope.campaign is not None:
        conditions.append(AwarenessAnswer.link_id.in_(campaign_link_ids(scope.campaign)))
    if scope.locality is not None:
        conditions.append(AwarenessAnswer.organisation_id.in_(
            select(Organisation.id).where(Organisation.locality_id == scope.locality.id)))
    return and_(*conditions)


def awareness(session: DbSession, scope: Scope) -> Awareness:
    """Answers and "knew before" per service and month (grouped by day in SQL)."""
    from engage.uptake.summary import month_key, months_between

    knew = func.sum(case((AwarenessAnswer.knew_before.is_(True), 1), else_=0))
    per: dict[str, ServiceAwareness] = {}
    total = Tally()
    seen: set[str] = set()
    order: dict[str, int] = {}
    for day, name, sort_order, answers, yes in session.execute(
        select(AwarenessAnswer.day, Service.name, Service.sort_order, func.count(), knew)
        .join(Service, Service.id == AwarenessAnswer.service_id)
        .where(answer_condition(scope))
        .group_by(AwarenessAnswer.day, Service.name, Service.sort_order)
    ):
        month = month_key(day)
        seen.add(month)
        order[name] = sort_order
        item = per.setdefault(name, ServiceAwareness(name))
        cell = item.by_month.setdefault(month, Tally())
        for tally in (cell, item.total, total):
            tally.answers += int(answers)
            tally.knew += int(yes or 0)
    months = months_between(min(seen), max(seen)) if seen else []
    services = sorted(per.values(), key=lambda s: (order.get(s.service, 0), s.service))
    return Awareness(months, services, total)


def overall(session: DbSession, scope: Scope) -> Tally:
    """All answers in the scope: for the report's headline."""
    knew = func.sum(case((AwarenessAnswer.knew_before.is_(True), 1), else_=0))
    answers, yes = session.execute(
        select(func.count(), knew).where(answer_condition(scope))).one()
    return Tally(int(answers or 0), int(yes or 0))


