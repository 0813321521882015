"""Plan against delivered: which of a campaign's audience it has reached, where, and by when.

An audience organisation counts as reached by a campaign when it has at least one live ledger
row (counted, not voided) that either

1. belongs to the campaign (its `campaign_id`: rows recorded through the campaign's
   touchpoints, and any scan or email event attributed to it), whenever it happened, or
2. belongs to no campaign, happened between the campaign's first and last day (UK dates), and
   came from a touchpoint that covers one of the services the campaign promotes.

Rule 2 lets a stand-alone touchpoint (a Facebook post about the Wellbeing App, say) count
towards the campaign promoting that service, without anyone having to file it twice.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from engage.campaigns.audience import audience_condition
from engage.campaigns.dates import day_start, london_day, period_bounds
from engage.campaigns.models import (
    Campaign,
    CampaignTarget,
    Engagement,
    Touchpoint,
    campaign_service,
    live_engagement,
    touchpoint_service,
)
from engage.directory.models import Locality, Organisation, OrgKind

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


def counting_rows(campaign: Campaign) -> ColumnElement[bool]:
    """The ledger rows that count towards the campaign (rules 1 and 2 above)."""
    return and_(live_engagement(),
                or_(Engagement.campaign_id == campaign.id, _by_service(campaign, None)))


def reached_condition(campaign: Campaign, until: datetime | None = None) -> ColumnElement[bool]:
    """True for an organisation row the campaign has reached (before `until`, if given).

    Rule 1 is a correlated EXISTS, answered per organisation from the live-campaign index;
    rule 2 is an uncorrelated IN, which both databases work out once per query.
    """
    linked = exists().where(
        Engagement.campaign_id == campaign.id,
        Engagement.organisation_id == Organisation.id,
        live_engagement(),
        *([Engagement.occurred_at < until] if until is not None else []),
    )
    by_service = Organisation.id.in_(
        select(Engagement.organisation_id).where(_by_service(campaign, until), live_engagement())
    )
    return or_(linked, by_service)


@dataclass(frozen=True)
class Tally:
    """Audience and reached organisations in one group (a locality, a kind, or everyone)."""

    label: str
    audience: int
    reached: int
    locality_id: int | None = None
    kind: OrgKind | None = None

    @property
    def unreached(self) -> int:
        return self.audience - self.reached

    @property
    def percent(self) -> int:
        return round(100 * self.reached / self.audience) if self.audience else 0


class TargetState(enum.StrEnum):
    MET = "met"
    IN_PROGRESS = "in_progress"
    MISSED = "missed"

    @property
    def label(self) -> str:
        return {"met": "Met", "in_progress": "In progress", "missed": "Missed"}[self.value]


@dataclass(frozen=True)
class TargetProgress:
    target: CampaignTarget
    label: str
    audience: int  # the audience organisations the target is about, now
    delivered: int  # reached by the due date (or so far, before it)
    state: TargetState

    @property
    def still_needed(self) -> int:
        return max(self.target.target_count - self.delivered, 0)


@dataclass(frozen=True)
class Progress:
    overall: Tally
    by_locality: list[Tally]
    by_kind: list[Tally]
    targets: list[TargetProgress]


Counts = dict[tuple[int | None, OrgKind], tuple[int, int, tuple[int, ...]]]


def first_reached(campaign: Campaign) -> tuple[ColumnElement[Any], Any]:
    """Per organisation row, when the campaign first reached it (NULL if it has not).

    Returns the expression and the derived table (rule 2's first times) to outer-join on.
    Rule 1's first time is the first entry of the live-campaign index for the organisation.
    """
    linked = (
        select(func.min(Engagement.occurred_at))
        .where(Engagement.campaign_id == campaign.id,
               Engagement.organisation_id == Organisation.id, live_engagement())
        .scalar_subquery()
    )
    by_service = (
        select(Engagement.organisation_id.label("organisation_id"),
               func.min(Engagement.occurred_at).label("first_at"))
        .where(_by_service(campaign, None), live_engagement())
        .group_by(Engagement.organisation_id)
        .subquery("by_service")
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


def _group_counts(session: Session, campaign: Campaign,
                  cutoffs: tuple[datetime, ...] = ()) -> Counts:
    """{(locality id, kind): (audience, reached, reached before each cutoff)}, in one pass.

    One row per audience organisation with its first-reached time is grouped in the database,
    so the figures now and at every target date come from a single read of the ledger.
    """
    first, by_service = first_reached(campaign)
    # MATERIALIZED: worked out once per organisation, not again for every cutoff below.
    inner = (
        select(Organisation.locality_id.label("locality_id"), Organisation.kind.label("kind"),
               first.label("first_at"))
        .outerjoin(by_service, by_service.c.organisation_id == Organisation.id)
        .where(audience_condition(campaign))
        .cte("audience")
        .prefix_with("MATERIALIZED")
    )
    hits: list[ColumnElement[Any]] = [func.count(inner.c.first_at)]
    hits += [func.sum(case((inner.c.first_at < cutoff, 1), else_=0)) for cutoff in cutoffs]
    rows = session.execute(
        select(inner.c.locality_id, inner.c.kind, func.count(), *hits)
        .group_by(inner.c.locality_id, inner.c.kind)
    ).all()
    return {
        (locality_id, OrgKind(kind)): (n, int(reached or 0), tuple(int(x or 0) for x in before))
        for locality_id, kind, n, reached, *before in rows
    }


def overall(session: Session, campaign: Campaign) -> Tally:
    """The whole audience and how many of it are reached, in one query."""
    reached = case((reached_condition(campaign), 1), else_=0)
    n, hit = session.execute(
        select(func.count(), func.sum(reached)).select_from(Organisation)
        .where(audience_condition(campaign))
    ).one()
    return Tally("Whole audience", n, int(hit or 0))


def _tallies(counts: Counts, names: dict[int, str]) -> tuple[Tally, list[Tally], list[Tally]]:
    by_locality: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    by_kind: dict[OrgKind, list[int]] = defaultdict(lambda: [0, 0])
    for (locality_id, kind), (n, hit, _) in counts.items():
        for bucket in (by_locality[locality_id], by_kind[kind]):
            bucket[0] += n
            bucket[1] += hit
    overall = Tally("Whole audience", sum(n for n, _, _ in counts.values()),
                    sum(hit for _, hit, _ in counts.values()))
    localities = sorted(
        (Tally(names.get(lid, "No locality") if lid is not None else "No locality", n, hit,
               locality_id=lid) for lid, (n, hit) in by_locality.items()),
        key=lambda t: (t.locality_id is None, t.label.lower()),
    )
    kinds = [Tally(kind.plural, by_kind[kind][0], by_kind[kind][1], kind=kind)
             for kind in OrgKind if kind in by_kind]
    return overall, localities, kinds


def _target_label(target: CampaignTarget, names: dict[int, str]) -> str:
    kind = OrgKind(target.kind).plural if target.kind else "Organisations"
    if target.locality_id is None:
        return kind if target.kind else "Whole audience"
    return f"{kind} in {names.get(target.locality_id, 'a removed locality')}"


def _in_scope(counts: Counts, target: CampaignTarget, cutoff: int | None) -> tuple[int, int]:
    """Audience and reached (now, or before cutoff number `cutoff`) for a target's scope."""
    n = hit = 0
    for (locality_id, kind), (size, reached, before) in counts.items():
        if target.locality_id is not None and locality_id != target.locality_id:
            continue
        if target.kind is not None and kind.value != target.kind:
            continue
        n, hit = n + size, hit + (reached if cutoff is None else before[cutoff])
    return n, hit


def campaign_progress(session: Session, campaign: Campaign, now: datetime) -> Progress:
    """Overall, per locality, per kind, and each target's delivered against plan.

    A target whose date has passed is judged on what had been reached by the end of that day;
    one still to come, on what has been reached so far.
    """
    names = dict(session.execute(select(Locality.id, Locality.name)).all())
    today = london_day(now)
    targets = sorted(campaign.targets, key=lambda t: (t.due_date, t.id))
    past = sorted({t.due_date for t in targets if t.due_date < today})
    counts = _group_counts(session, campaign, tuple(
        day_start(day + timedelta(days=1)) for day in past))
    overall, localities, kinds = _tallies(counts, names)
    results = []
    for target in targets:
        if target.due_date < today:
            audience, delivered = _in_scope(counts, target, past.index(target.due_date))
            state = TargetState.MET if delivered >= target.target_count else TargetState.MISSED
        else:
            audience, delivered = _in_scope(counts, target, None)
            state = (TargetState.MET if delivered >= target.target_count
                     else TargetState.IN_PROGRESS)
        results.append(TargetProgress(target, _target_label(target, names), audience,
                                      delivered, state))
    return Progress(overall, localities, kinds, results)


class Show(enum.StrEnum):
    ALL = "all"
    REACHED = "reached"
    UNREACHED = "unreached"


def audience_page(
    session: Session,
    campaign: Campaign,
    *,
    show: Show = Show.ALL,
    locality_id: int | None = None,
    no_locality: bool = False,
    kind: OrgKind | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Pagination:
    """One page of the audience by name, optionally only the reached or unreached."""
    conditions: list[Any] = [audience_condition(campaign)]
    if show is Show.REACHED:
        conditions.append(reached_condition(campaign))
    elif show is Show.UNREACHED:
        conditions.append(~reached_condition(campaign))
    if no_locality:
        conditions.append(Organisation.locality_id.is_(None))
    elif locality_id is not None:
        conditions.append(Organisation.locality_id == locality_id)
    if kind is not None:
        conditions.append(Organisation.kind == kind)
    query = (select(Organisation).options(selectinload(Organisation.locality))
             .where(*conditions)
             .order_by(func.lower(Organisation.name), Organisation.ods_code))
    return SelectPagination(select=query, session=session, page=page, per_page=per_page,
                            error_out=False)


def last_reached(session: Session, campaign: Campaign, org_ids: list[int]) -> dict[int, datetime]:
    """{organisation id: its latest live row in the campaign}, for one page of the audience."""
    if not org_ids:
        return {}
    rows = session.execute(
        select(Engagement.organisation_id, func.max(Engagement.occurred_at))
        .where(Engagement.organisation_id.in_(org_ids), counting_rows(campaign))
        .group_by(Engagement.organisation_id)
    ).all()
    return {org_id: when for org_id, when in rows if when is not None}


def unreached_preview(session: Session, campaign: Campaign,
                      limit: int = UNREACHED_PREVIEW) -> list[Organisation]:
    """The first few unreached organisations by name, for the campaign page."""
    return list(session.scalars(
        select(Organisation).options(selectinload(Organisation.locality))
        .where(audience_condition(campaign), ~reached_condition(campaign))
        .order_by(func.lower(Organisation.name), Organisation.ods_code)
        .limit(limit)
    ))


def campaign_touchpoints(session: Session, campaign: Campaign, page: int,
                         per_page: int = 20) -> Pagination:
    """The campaign's touchpoints, latest first (planned ones by their planned time)."""
    when = func.coalesce(Touchpoint.actual_at, Touchpoint.planned_at)
    query = (select(Touchpoint).where(Touchpoint.campaign_id == campaign.id)
             .order_by(when.desc(), Touchpoint.id.desc()))
    return SelectPagination(select=query, session=session, page=page, per_page=per_page,
                            error_out=False)

