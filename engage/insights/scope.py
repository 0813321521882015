"""The filters checked against the database, and the rows they pick on each fact table.

Every insight module asks here which organisations are targets, which ledger rows count and
which referral rows count, so a figure on one page always agrees with the same figure on
another, in an export and in a snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, select, true

from engage.campaigns.audience import audience_condition
from engage.campaigns.dates import period_bounds
from engage.campaigns.models import (
    Campaign,
    Engagement,
    EngagementTier,
    Touchpoint,
    tier_rows,
    touchpoint_service,
)
from engage.campaigns.progress import counting_rows
from engage.catalogue.models import Service
from engage.database import DbSession
from engage.directory.models import Locality, Organisation, OrgStatus
from engage.insights.filters import InsightFilters
from engage.insights.sqlite_hints import unindexed
from engage.links.models import ShortLink
from engage.uptake.importer import active_referrals
from engage.uptake.models import Referral


@dataclass(frozen=True)
class Scope:
    """Filters whose ids all exist, with the objects they name (for headings)."""

    filters: InsightFilters
    campaign: Campaign | None = None
    service: Service | None = None
    locality: Locality | None = None
    dialect: str = ""  # the database's, for the one plan hint below

    @property
    def problems(self) -> tuple[str, ...]:
        return self.filters.problems

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """The period as UTC instants: from the first UK day's start to the day after the last."""
        return period_bounds(self.filters.start, self.filters.end)

    def describe(self) -> str:
        """The filters in words, for headings, exports and snapshots."""
        text = f"{self.filters.start:%-d %B %Y} to {self.filters.end:%-d %B %Y}"
        for label, obj in (("campaign", self.campaign), ("service", self.service),
                           ("locality", self.locality)):
            if obj is not None:
                text += f"; {label} {obj.name}"
        return text

    def previous(self) -> Scope:
        """The same filters over the period just before (for "change since")."""
        return replace(self, filters=self.filters.previous())


def resolve(session: DbSession, filters: InsightFilters) -> Scope:
    """Look the filter ids up; an id that names nothing is dropped with a message."""
    problems = list(filters.problems)
    found: dict[str, Any] = {}
    changes: dict[str, None] = {}
    for name, model, value in (("campaign", Campaign, filters.campaign_id),
                               ("service", Service, filters.service_id),
                               ("locality", Locality, filters.locality_id)):
        if value is None:
            continue
        obj = session.get(model, value)
        if obj is None:
            problems.append(f"There is no {name} number {value}; showing all.")
            changes[f"{name}_id"] = None
        else:
            found[name] = obj
    checked = replace(filters, **changes, problems=tuple(problems))  # type: ignore[arg-type]
    return Scope(checked, **found, dialect=session.get_bind().dialect.name)


def target_condition(scope: Scope) -> ColumnElement[bool]:
    """The organisations outreach aims at: the campaign's audience, or every active one."""
    if scope.campaign is not None:
        condition = audience_condition(scope.campaign)
    else:
        condition = Organisation.status == OrgStatus.ACTIVE
    if scope.locality is not None:
        condition = and_(condition, Organisation.locality_id == scope.locality.id)
    return condition


def campaign_link_condition(campaign: Campaign) -> ColumnElement[bool]:
    """True for a short link on one of the campaign's own touchpoints: the campaign's scans and
    awareness answers are those through these links. A link at an organisation in the audience
    is not enough, or another campaign's poster in the same practice would count for this one.
    """
    return ShortLink.touchpoint_id.in_(
        select(Touchpoint.id).where(Touchpoint.campaign_id == campaign.id))


def campaign_link_ids(campaign: Campaign) -> Select[Any]:
    """SELECT of the ids of the campaign's own short links (`campaign_link_condition`)."""
    return select(ShortLink.id).where(campaign_link_condition(campaign))


def engagement_condition(scope: Scope, *, period: bool = True,
                         tier: EngagementTier = EngagementTier.CONTACTED) -> ColumnElement[bool]:
    """The live ledger rows that count: in the period, of the campaign, about the service, in
    the tier (contacted, the default, is every live row; engaged only the engaged tier's).

    A campaign's rows are those campaign progress counts (its own, and stand-alone touchpoints
    about a service it promotes). The service filter keeps rows from touchpoints that cover
    the service; a scan or an email with no touchpoint cannot be tied to a service here.
    """
    conditions: list[ColumnElement[bool]] = [tier_rows(tier)]
    if period:
        start, end = scope.bounds
        conditions += [Engagement.occurred_at >= start, Engagement.occurred_at < end]
    if scope.campaign is not None:
        conditions.append(counting_rows(scope.campaign, tier))
    if scope.service is not None:
        conditions.append(Engagement.touchpoint_id.in_(
            select(touchpoint_service.c.touchpoint_id)
            .where(touchpoint_service.c.service_id == scope.service.id)))
    return and_(*conditions)


def reached_ids(scope: Scope, tier: EngagementTier = EngagementTier.ENGAGED) -> Select[Any]:
    """SELECT of the organisations with at least one counting ledger row of `tier` in the
    period."""
    return (select(Engagement.organisation_id).where(engagement_condition(scope, tier=tier))
            .distinct())


def reached_condition(scope: Scope,
                      tier: EngagementTier = EngagementTier.ENGAGED) -> ColumnElement[bool]:
    """True for an organisation row with a counting ledger row of `tier` in the period.

    A correlated EXISTS: each organisation's rows are found through its (organisation, time)
    index and the search stops at the first live one, where `IN (SELECT DISTINCT ...)` would
    read every live row of the period (a third of a million at England scale).
    """
    return exists().where(Engagement.organisation_id == Organisation.id,
                          engagement_condition(scope, tier=tier))


# Past this many days, SQLite reads a period's referrals faster by scanning the table than
# through the (service, date) index, which costs a row lookup per row (at England scale a year
# of referrals took about 3 times as long through the index).
SCAN_REFERRALS_AFTER_DAYS = 92


def _referred_on(scope: Scope) -> ColumnElement[Any]:
    """The referral date column; on SQLite, for long periods, unindexed (read by scan)."""
    days = (scope.filters.end - scope.filters.start).days
    if scope.dialect == "sqlite" and days > SCAN_REFERRALS_AFTER_DAYS and scope.service is None:
        return unindexed(Referral.referred_on)
    return Referral.referred_on  # type: ignore[return-value]


def referral_condition(scope: Scope, *, period: bool = True) -> ColumnElement[bool]:
    """Referral rows that count now, in the period and service; from target organisations
    when a campaign or locality is chosen (area-wide rows then drop out)."""
    conditions: list[ColumnElement[bool]] = [active_referrals()]
    if period:
        referred_on = _referred_on(scope)
        conditions += [referred_on >= scope.filters.start, referred_on <= scope.filters.end]
    if scope.service is not None:
        conditions.append(Referral.service_id == scope.service.id)
    if scope.campaign is not None or scope.locality is not None:
        conditions.append(Referral.organisation_id.in_(
            select(Organisation.id).where(target_condition(scope))))
    return and_(*conditions) if conditions else true()
