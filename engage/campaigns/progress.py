"""Plan against delivered: which of a campaign's audience it has reached, where, and by when.

Every figure comes in the two tiers of `EngagementTier`: an audience organisation is
*contacted* by a campaign when it has at least one live ledger row (counted, not voided), and
*engaged* when at least one of those rows is of the engaged tier, where the row either

1. belongs to the campaign (its `campaign_id`: rows recorded through the campaign's
   touchpoints, and any scan or email event attributed to it), whenever it happened, or
2. belongs to no campaign, happened between the campaign's first and last day (UK dates), and
   came from a touchpoint that covers one of the services the campaign promotes.

Rule 2 lets a stand-alone touchpoint (a Facebook post about the Wellbeing App, say) count
towards the campaign promoting that service, without anyone having to file it twice.
"""

from __future__ import annotations

import enum
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import selectinload

from engage.campaigns.audience import audience_condition
from engage.campaigns.dates import period_bounds
from engage.campaigns.models import (
    Campaign,
    CampaignTarget,
    Engagement,
    EngagementTier,
    TargetMeasure,
    Touchpoint,
    campaign_service,
    tier_rows,
    touchpoint_service,
)
from engage.database import DbSession
from engage.directory.models import Locality, Organisation, OrgKind
from engage.timezone import day_start, uk_day

UNREACHED_PREVIEW = 20


def _covering_touchpoints(campaign: Campaign) -> Select[Any]:
    """Touchpoints outside any campaign that cover a service the campaign promotes."""
    return (
        select(touchpoint_service.c.touchpoint_id)
        .join(Touchpoint, Touchpoint.id == touchpoint_service.c.touchpoint_id)
        .join(campaign_service, campaign_service.c.service_id == touchpoint_service.c.service_id)
        .where(Touchpoint.campaign_id.is_(None), campaign_service.c.campaign_id == campaign.id)
    )


def _by_service(campaign: Campaign, until: datetime | None) -> ColumnElement[bool]:
    """Rule 2 on a ledger row: no campaign, in the campaign's dates, from a covering touchpoint."""
    start, end = period_bounds(campaign.start_date, campaign.end_date)
    if until is not None:
        end = min(end, until)
    return and_(
        Engagement.campaign_id.is_(None),
        Engagement.touchpoint_id.in_(_covering_touchpoints(campaign)),
        Engagement.occurred_at >= start,
        Engagement.occurred_at < end,
    )


def counting_rows(campaign: Campaign,
                  tier: EngagementTier = EngagementTier.CONTACTED) -> ColumnElement[bool]:
    """The ledger rows that count towards the campaign (rules 1 and 2 above) in `tier`
    (contacted: every live row)."""
    return and_(tier_rows(tier),
                or_(Engagement.campaign_id == campaign.id, _by_service(campaign, None)))


def reached_condition(campaign: Campaign, until: datetime | None = None,
                      tier: EngagementTier = EngagementTier.ENGAGED) -> ColumnElement[bool]:
    """True for an organisation row the campaign has reached in `tier` (before `until`).

    Rule 1 is a correlated EXISTS, answered per organisation from the live-campaign index;
    rule 2 is an uncorrelated IN, which both databases work out once per query.
    """
    linked = exists().where(
        Engagement.campaign_id == campaign.id,
        Engagement.organisation_id == Organisation.id,
        tier_rows(tier),
        *([Engagement.occurred_at < until] if until is not None else []),
    )
    by_service = Organisation.id.in_(
        select(Engagement.organisation_id).where(_by_service(campaign, until), tier_rows(tier))
    )
    return or_(linked, by_service)


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


@dataclass(frozen=True)
class Tally:
    """Audience, engaged and contacted organisations in one group (a locality, a kind, or
    everyone). Engaged is the headline; contacted includes the engaged."""

    label: str
    audience: int
    engaged: int
    contacted: int
    locality_id: int | None = None
    kind: OrgKind | None = None

    @property
    def not_engaged(self) -> int:
        return self.audience - self.engaged

    @property
    def not_contacted(self) -> int:
        return self.audience - self.contacted

    @property
    def contacted_only(self) -> int:
        """Contacted but not (yet) engaged."""
        return self.contacted - self.engaged

    @property
    def percent(self) -> int:
        """Engaged, as a percentage of the audience (the headline)."""
        return _percent(self.engaged, self.audience)

    @property
    def contacted_percent(self) -> int:
        return _percent(self.contacted, self.audience)

    def of(self, tier: EngagementTier) -> int:
        return self.engaged if tier is EngagementTier.ENGAGED else self.contacted


class TargetState(enum.StrEnum):
    MET = "met"
    IN_PROGRESS = "in_progress"
    MISSED = "missed"

    @property
    def label(self) -> str:
        return {"met": "Met", "in_progress": "In progress", "missed": "Missed"}[self.value]


def required(target: CampaignTarget, audience: int) -> int:
    """The organisations a target asks for: its count, or its percentage of the audience
    rounded up (50% of 23 is 12: 11 would fall short of half)."""
    if target.measure is TargetMeasure.PERCENT:
        return math.ceil(target.target_count * audience / 100)
    return target.target_count


@dataclass(frozen=True)
class TargetProgress:
    target: CampaignTarget
    label: str
    audience: int  # the audience organisations the target is about, now
    delivered: int  # reached in the target's tier by the due date (or so far, before it)
    state: TargetState
    other: int = 0  # the same in the other tier, shown beside it

    @property
    def wanted(self) -> int:
        return required(self.target, self.audience)

    @property
    def still_needed(self) -> int:
        return max(self.wanted - self.delivered, 0)

    @property
    def goal(self) -> str:
        """The target in words: "12 engaged" or "50% engaged (12 of 23)"."""
        tier = self.target.tier.value
        if self.target.measure is TargetMeasure.PERCENT:
            return f"{self.target.target_count}% {tier} ({self.wanted} of {self.audience})"
        return f"{self.target.target_count} {tier}"


@dataclass(frozen=True)
class Progress:
    overall: Tally
    by_locality: list[Tally]
    by_kind: list[Tally]
    targets: list[TargetProgress]


@dataclass(frozen=True)
class GroupCount:
    """One (locality, kind) group: audience, reached per tier now and before each cutoff."""

    audience: int
    engaged: int
    contacted: int
    engaged_before: tuple[int, ...]
    contacted_before: tuple[int, ...]

    def reached(self, tier: EngagementTier, cutoff: int | None) -> int:
        if tier is EngagementTier.ENGAGED:
            return self.engaged if cutoff is None else self.engaged_before[cutoff]
        return self.contacted if cutoff is None else self.contacted_before[cutoff]


Counts = dict[tuple[int | None, OrgKind], GroupCount]


def first_reached(campaign: Campaign, tier: EngagementTier = EngagementTier.ENGAGED,
                  name: str = "by_service") -> tuple[ColumnElement[Any], Any]:
    """Per organisation row, when the campaign first reached it in `tier` (NULL if not yet).

    Returns the expression and the derived table (rule 2's first times) to outer-join on.
    Rule 1's first time is the first entry of the live-campaign index for the organisation.
    """
    linked = (
        select(func.min(Engagement.occurred_at))
        .where(Engagement.campaign_id == campaign.id,
               Engagement.organisation_id == Organisation.id, tier_rows(tier))
        .scalar_subquery()
    )
    by_service = (
        select(Engagement.organisation_id.label("organisation_id"),
               func.min(Engagement.occurred_at).label("first_at"))
        .where(_by_service(campaign, None), tier_rows(tier))
        .group_by(Engagement.organisation_id)
        .subquery(name)
    )
    other = by_service.c.first_at
    # Most organisations have no rule-2 row: testing that first reads `linked` only once.
    first = case(
        (other.is_(None), linked),
        (linked.is_(None), other),
        (other < linked, other),
        else_=linked,
    )
    return first, by_service


def _group_counts(session: DbSession, campaign: Campaign,
                  cutoffs: tuple[datetime, ...] = ()) -> Counts:
    """{(locality id, kind): audience and reached in each tier, now and before each cutoff},
    in one pass.

    One row per audience organisation with its first-contacted and first-engaged times is
    grouped in the database, so the figures now and at every target date come from a single
    read of the ledger.
    """
    engaged_first, engaged_by_service = first_reached(campaign, EngagementTier.ENGAGED,
                                                      "engaged_by_service")
    contacted_first, contacted_by_service = first_reached(campaign, EngagementTier.CONTACTED,
                                                          "contacted_by_service")
    # MATERIALIZED: worked out once per organisation, not again for every cutoff below.
    inner = (
        select(Organisation.locality_id.label("locality_id"), Organisation.kind.label("kind"),
               engaged_first.label("engaged_at"), contacted_first.label("contacted_at"))
        .outerjoin(engaged_by_service, engaged_by_service.c.organisation_id == Organisation.id)
        .outerjoin(contacted_by_service,
                   contacted_by_service.c.organisation_id == Organisation.id)
        .where(audience_condition(campaign))
        .cte("audience")
        .prefix_with("MATERIALIZED")
    )
    hits: list[ColumnElement[Any]] = [func.count(inner.c.engaged_at),
                                      func.count(inner.c.contacted_at)]
    for column in (inner.c.engaged_at, inner.c.contacted_at):
        hits += [func.sum(case((column < cutoff, 1), else_=0)) for cutoff in cutoffs]
    rows = session.execute(
        select(inner.c.locality_id, inner.c.kind, func.count(), *hits)
        .group_by(inner.c.locality_id, inner.c.kind)
    ).all()
    n_cut = len(cutoffs)
    result: Counts = {}
    for locality_id, kind, n, engaged, contacted, *before in rows:
        values = tuple(int(x or 0) for x in before)
        result[(locality_id, OrgKind(kind))] = GroupCount(
            n, int(engaged or 0), int(contacted or 0), values[:n_cut], values[n_cut:])
    return result


def _overall_select(campaign: Campaign) -> Select[int, Any, Any]:
    """The campaign's whole audience and how many of it are engaged and contacted (n, hit,
    touched)."""
    engaged = case((reached_condition(campaign, tier=EngagementTier.ENGAGED), 1), else_=0)
    contacted = case((reached_condition(campaign, tier=EngagementTier.CONTACTED), 1), else_=0)
    return (select(func.count().label("n"), func.sum(engaged).label("hit"),
                   func.sum(contacted).label("touched"))
            .select_from(Organisation).where(audience_condition(campaign)))


def _whole(n: int, hit: int | None, touched: int | None) -> Tally:
    return Tally("Whole audience", n, int(hit or 0), int(touched or 0))


def overall(session: DbSession, campaign: Campaign) -> Tally:
    """The whole audience and how many of it are engaged and contacted, in one query."""
    n, hit, touched = session.execute(_overall_select(campaign)).one()
    return _whole(n, hit, touched)


def _three(bucket: list[int]) -> tuple[int, int, int]:
    """A running [audience, engaged, contacted] bucket as the three fields it fills."""
    return bucket[0], bucket[1], bucket[2]


def overall_by_campaign(session: DbSession, campaigns: list[Campaign]) -> dict[int, Tally]:
    """`overall` for a page of campaigns in one statement (a UNION ALL of one SELECT each),
    so a list of campaigns costs the same number of queries however long it is."""
    if not campaigns:
        return {}
    parts = [_overall_select(c).add_columns(literal(c.id).label("campaign_id"))
             for c in campaigns]
    rows = session.execute(union_all(*parts)).all()
    return {campaign_id: _whole(n, hit, touched) for n, hit, touched, campaign_id in rows}


def _tallies(counts: Counts, names: dict[int, str]) -> tuple[Tally, list[Tally], list[Tally]]:
    by_locality: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_kind: dict[OrgKind, list[int]] = defaultdict(lambda: [0, 0, 0])
    total = [0, 0, 0]
    for (locality_id, kind), group in counts.items():
        for bucket in (by_locality[locality_id], by_kind[kind], total):
            bucket[0] += group.audience
            bucket[1] += group.engaged
            bucket[2] += group.contacted
    overall = Tally("Whole audience", *_three(total))
    localities = sorted(
        (Tally(names.get(lid, "No locality") if lid is not None else "No locality",
               *_three(values), locality_id=lid) for lid, values in by_locality.items()),
        key=lambda t: (t.locality_id is None, t.label.lower()),
    )
    kinds = [Tally(kind.plural, *_three(by_kind[kind]), kind=kind)
             for kind in OrgKind if kind in by_kind]
    return overall, localities, kinds


def _target_label(target: CampaignTarget, names: dict[int, str]) -> str:
    kind = OrgKind(target.kind).plural if target.kind else "Organisations"
    if target.locality_id is None:
        return kind if target.kind else "Whole audience"
    return f"{kind} in {names.get(target.locality_id, 'a removed locality')}"


def _other(tier: EngagementTier) -> EngagementTier:
    return (EngagementTier.CONTACTED if tier is EngagementTier.ENGAGED
            else EngagementTier.ENGAGED)


def _in_scope(counts: Counts, target: CampaignTarget,
              cutoff: int | None) -> tuple[int, int, int]:
    """Audience, reached in the target's tier and in the other (now, or before cutoff number
    `cutoff`) for a target's scope."""
    n = hit = other = 0
    for (locality_id, kind), group in counts.items():
        if target.locality_id is not None and locality_id != target.locality_id:
            continue
        if target.kind is not None and kind.value != target.kind:
            continue
        n += group.audience
        hit += group.reached(target.tier, cutoff)
        other += group.reached(_other(target.tier), cutoff)
    return n, hit, other


def campaign_progress(session: DbSession, campaign: Campaign, now: datetime) -> Progress:
    """Overall, per locality, per kind, and each target's delivered against plan.

    A target is judged in its own tier. One whose date has passed is judged on what had been
    reached by the end of that day; one still to come, on what has been reached so far.
    """
    names = dict(session.execute(select(Locality.id, Locality.name)).all())
    today = uk_day(now)
    targets = sorted(campaign.targets, key=lambda t: (t.due_date, t.id))
    past = sorted({t.due_date for t in targets if t.due_date < today})
    counts = _group_counts(session, campaign, tuple(
        day_start(day + timedelta(days=1)) for day in past))
    overall, localities, kinds = _tallies(counts, names)
    results = []
    for target in targets:
        if target.due_date < today:
            audience, delivered, other = _in_scope(counts, target, past.index(target.due_date))
            short = TargetState.MISSED
        else:
            audience, delivered, other = _in_scope(counts, target, None)
            short = TargetState.IN_PROGRESS
        # A target of nobody (an empty audience, a percentage of it) is not met by nobody.
        wanted = required(target, audience)
        state = TargetState.MET if delivered >= max(wanted, 1) else short
        results.append(TargetProgress(target, _target_label(target, names), audience,
                                      delivered, state, other))
    return Progress(overall, localities, kinds, results)


class Show(enum.StrEnum):
    ALL = "all"
    ENGAGED = "engaged"
    NOT_ENGAGED = "not_engaged"
    CONTACTED_ONLY = "contacted_only"  # contacted, not engaged
    NOT_CONTACTED = "not_contacted"

    @property
    def label(self) -> str:
        return SHOW_LABELS[self]


SHOW_LABELS = {
    Show.ALL: "Everyone in the audience",
    Show.ENGAGED: "Engaged",
    Show.NOT_ENGAGED: "Not engaged yet",
    Show.CONTACTED_ONLY: "Contacted, not engaged yet",
    Show.NOT_CONTACTED: "Not contacted yet",
}


def show_condition(campaign: Campaign, show: Show) -> list[Any]:
    """The audience filter for one `Show` choice."""
    engaged = reached_condition(campaign, tier=EngagementTier.ENGAGED)
    contacted = reached_condition(campaign, tier=EngagementTier.CONTACTED)
    return {
        Show.ALL: [],
        Show.ENGAGED: [engaged],
        Show.NOT_ENGAGED: [~engaged],
        Show.CONTACTED_ONLY: [contacted, ~engaged],
        Show.NOT_CONTACTED: [~contacted],
    }[show]


def audience_page(
    session: DbSession,
    campaign: Campaign,
    *,
    show: Show = Show.ALL,
    locality_id: int | None = None,
    no_locality: bool = False,
    kind: OrgKind | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Pagination:
    """One page of the audience by name, optionally only those in (or not in) a tier."""
    conditions: list[Any] = [audience_condition(campaign), *show_condition(campaign, show)]
    if no_locality:
        conditions.append(Organisation.locality_id.is_(None))
    elif locality_id is not None:
        conditions.append(Organisation.locality_id == locality_id)
    if kind is not None:
        conditions.append(Organisation.kind == kind)
    query = (select(Organisation).options(selectinload(Organisation.locality))
             .where(*conditions)
             .order_by(Organisation.sort_key, Organisation.ods_code))
    return SelectPagination(select=query, session=session, page=page, per_page=per_page,
                            error_out=False)


def last_reached(session: DbSession, campaign: Campaign, org_ids: list[int],
                 tier: EngagementTier = EngagementTier.CONTACTED) -> dict[int, datetime]:
    """{organisation id: its latest live row in the campaign (of `tier`)}, for one page of the
    audience."""
    if not org_ids:
        return {}
    rows = session.execute(
        select(Engagement.organisation_id, func.max(Engagement.occurred_at))
        .where(Engagement.organisation_id.in_(org_ids), counting_rows(campaign, tier))
        .group_by(Engagement.organisation_id)
    ).all()
    return {org_id: when for org_id, when in rows if when is not None}


def unreached_preview(session: DbSession, campaign: Campaign,
                      limit: int = UNREACHED_PREVIEW) -> list[Organisation]:
    """The first few organisations not engaged yet, by name, for the campaign page."""
    return list(session.scalars(
        select(Organisation).options(selectinload(Organisation.locality))
        .where(audience_condition(campaign),
               ~reached_condition(campaign, tier=EngagementTier.ENGAGED))
        .order_by(Organisation.sort_key, Organisation.ods_code)
        .limit(limit)
    ))


def campaign_touchpoints(session: DbSession, campaign: Campaign, page: int,
                         per_page: int = 20) -> Pagination:
    """The campaign's touchpoints, latest first (planned ones by their planned time)."""
    when = func.coalesce(Touchpoint.actual_at, Touchpoint.planned_at)
    query = (select(Touchpoint).where(Touchpoint.campaign_id == campaign.id)
             .order_by(when.desc(), Touchpoint.id.desc()))
    return SelectPagination(select=query, session=session, page=page, per_page=per_page,
                            error_out=False)

