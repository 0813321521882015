"""Referrals per month and service, scans, and the headline figures with "change since"."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select

from engage.catalogue.models import Service
from engage.database import DbSession
from engage.directory.models import Organisation
from engage.insights import awareness as awareness_figures
from engage.insights.coverage import overall as coverage_overall
from engage.insights.scope import (
    Scope,
    campaign_link_condition,
    referral_condition,
    target_condition,
)
from engage.insights.sqlite_hints import grouping, range_column
from engage.links.models import Device, Scan, ShortLink
from engage.uptake.models import Referral
from engage.uptake.summary import month_key, month_label, months_between


@dataclass
class Uptake:
    """Referrals per month and service in the period (area-wide rows included)."""

    months: list[str]
    services: list[str]
    cells: dict[str, dict[str, int]]

    def total(self, month: str) -> int:
        return sum(self.cells.get(month, {}).values())

    @property
    def grand_total(self) -> int:
        return sum(self.total(m) for m in self.months)

    def chart(self) -> dict[str, Any]:
        return {"type": "bar", "stacked": True, "labels": [month_label(m) for m in self.months],
                "series": [{"label": s, "data": [self.cells.get(m, {}).get(s, 0)
                                                 for m in self.months]}
                           for s in self.services]}

    def as_dict(self) -> dict[str, Any]:
        return {"months": self.months, "services": self.services, "cells": self.cells}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Uptake:
        return cls(list(data["months"]), list(data["services"]), dict(data["cells"]))


def uptake(session: DbSession, scope: Scope) -> Uptake:
    """Referrals per month and service: one GROUP BY over the period's referral rows."""
    return uptake_and_previous(session, scope, previous=False)[0]


def uptake_and_previous(session: DbSession, scope: Scope, *,
                        previous: bool = True) -> tuple[Uptake, int]:
    """The monthly table, and the total of the period before, from one pass over the rows
    (the report needs both, and each pass over half a million rows costs a few hundred ms)."""
    before = scope.previous()
    widened = replace(scope, filters=replace(scope.filters, start=before.filters.start)) \
        if previous else scope
    cells: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    order: dict[str, int] = {}
    earlier = 0
    # No join to the service table: SQLite would then read referrals service by service
    # through its index, a row lookup each; names are looked up afterwards instead.
    services = {sid: (name, sort_order) for sid, name, sort_order in session.execute(
        select(Service.id, Service.name, Service.sort_order))}
    for referred_on, service_id, total in session.execute(
        select(Referral.referred_on, Referral.service_id, func.sum(Referral.count))
        .where(referral_condition(widened))
        .group_by(*grouping(session, Referral.referred_on, Referral.service_id))
    ):
        if referred_on < scope.filters.start:
            earlier += int(total or 0)
            continue
        name, sort_order = services.get(service_id, ("?", 999))
        cells[month_key(referred_on)][name] += int(total or 0)
        order[name] = sort_order
    first, last = month_key(scope.filters.start), month_key(scope.filters.end)
    return Uptake(months_between(first, last),
                  sorted(order, key=lambda n: (order[n], n)),
                  {m: dict(c) for m, c in cells.items()}), earlier


def referral_total(session: DbSession, scope: Scope) -> int:
    return int(session.scalar(select(func.sum(Referral.count))
                              .where(referral_condition(scope))) or 0)


def scan_condition(scope: Scope, session: DbSession | None = None) -> ColumnElement[bool]:
    """Counted scans (not bots) in the period, of the service's links, the campaign's own
    links (`scope.campaign_link_condition`) and the locality's active organisations.

    With `session`, a long period is read by scanning the table on SQLite (see `plans`).
    """
    day: Any = Scan.day if session is None else range_column(
        session, Scan.day, scope.filters.start, scope.filters.end)
    conditions: list[ColumnElement[bool]] = [
        Scan.device != Device.BOT, day >= scope.filters.start, day <= scope.filters.end]
    links = []
    if scope.service is not None:
        links.append(ShortLink.service_id == scope.service.id)
    if scope.campaign is not None:
        links.append(campaign_link_condition(scope.campaign))
    if scope.locality is not None:
        places = replace(scope, campaign=None)  # the campaign's links, wherever they are
        links.append(ShortLink.organisation_id.in_(
            select(Organisation.id).where(target_condition(places))))
    if links:
        conditions.append(Scan.link_id.in_(select(ShortLink.id).where(*links)))
    return and_(*conditions)


def scan_total(session: DbSession, scope: Scope) -> int:
    return int(session.scalar(select(func.count()).select_from(Scan)
                              .where(scan_condition(scope, session))) or 0)


def scan_totals(session: DbSession, scope: Scope) -> tuple[int, int]:
    """Scans in the period and in the period before, from one pass over both."""
    before = scope.previous()
    widened = replace(scope, filters=replace(scope.filters, start=before.filters.start))
    now, then = session.execute(
        select(func.sum(case((Scan.day >= scope.filters.start, 1), else_=0)),
               func.sum(case((Scan.day < scope.filters.start, 1), else_=0)))
        .where(scan_condition(widened, session))).one()
    return int(now or 0), int(then or 0)


@dataclass(frozen=True)
class Headline:
    """One headline figure now and in the period before."""

    label: str
    value: int | None
    previous: int | None
    detail: str = ""
    unit: str = ""

    @property
    def change(self) -> int | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "value": self.value, "previous": self.previous,
                "detail": self.detail, "unit": self.unit, "change": self.change}


def headlines(session: DbSession, scope: Scope,
              referrals: tuple[int, int] | None = None) -> list[Headline]:
    """Organisations engaged and contacted, referrals, scans and awareness, each against the
    period before.

    `referrals` is (this period, the period before) when the caller has them already (the
    report takes them from its monthly table), saving passes over the referral rows.
    """
    before = scope.previous()
    now_cov, then_cov = coverage_overall(session, scope), coverage_overall(session, before)
    now_aw = awareness_figures.overall(session, scope)
    then_aw = awareness_figures.overall(session, before)
    return [
        Headline("Organisations engaged", now_cov.engaged, then_cov.engaged,
                 f"of {now_cov.target:,} target organisations"
                 + (f" ({now_cov.percent}%)" if now_cov.percent is not None else "")
                 + ": someone there attended, was visited, opened, clicked or scanned"),
        Headline("Organisations contacted", now_cov.contacted, then_cov.contacted,
                 f"of {now_cov.target:,} target organisations"
                 + (f" ({now_cov.contacted_percent}%)"
                    if now_cov.contacted_percent is not None else "")
                 + ": invited, sent or shown something, engaged or not"),
        Headline("Referrals", *(referrals or (referral_total(session, scope),
                                              referral_total(session, before))),
                 "requests, referrals and calls in the provider's figures"),
        Headline("QR code scans", *scan_totals(session, scope),
                 "scans of printed codes and clicks of short links, not counting bots"),
        Headline("Knew the service before", now_aw.percent, then_aw.percent,
                 f"of {now_aw.answers:,} awareness answers ({now_aw.knew:,} said yes)",
                 unit="%"),
    ]
