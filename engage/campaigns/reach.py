"""Recording who a touchpoint reached: by ODS code, a whole campaign audience, or a locality.

Everything is checked before anything is written. Recording the same organisations again for
the same touchpoint and kind of contact adds nothing (a newsletter sent "to the whole audience"
twice by mistake is not counted twice), and corrections void rows rather than delete them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select

from engage.audit.log import record_event
from engage.auth.models import User
from engage.campaigns.audience import audience_condition, organisations_by_code
from engage.campaigns.errors import CampaignError
from engage.campaigns.ledger import Reach, record_reach, void_engagement
from engage.campaigns.models import (
    MANUAL_KINDS,
    Channel,
    Engagement,
    EngagementKind,
    EngagementTier,
    Touchpoint,
    TouchpointStatus,
    live_engagement,
)
from engage.campaigns.touchpoints import CLOCK_SLACK, still_to_come
from engage.database import DbSession
from engage.directory.models import Locality, Organisation, OrgKind, OrgStatus
from engage.directory.vocab import organisations


class Who(enum.StrEnum):
    CODES = "codes"
    AUDIENCE = "audience"
    LOCALITY = "locality"


@dataclass
class ReachRequest:
    """Whom to record as reached, how, when, and how many people at each."""

    who: Who
    kind: EngagementKind
    occurred_at: datetime
    people: int = 1
    codes: list[str] = field(default_factory=list)
    locality_id: int | None = None
    org_kinds: list[OrgKind] = field(default_factory=list)  # narrows an audience or locality
    note: str = ""
    tier: EngagementTier | None = None  # chosen for a phone call or "other"


@dataclass(frozen=True)
class ReachResult:
    added: int
    already: int

    def message(self, touchpoint: Touchpoint) -> str:
        """What the manager is told after recording."""
        text = f"Recorded {organisations(self.added)} as reached by {touchpoint.title}."
        if self.already:
            verb = "was" if self.already == 1 else "were"
            text += (f" {organisations(self.already)} {verb} already recorded that way and "
                     f"{verb} left as before.")
        return text


def choose_organisations(session: DbSession, touchpoint: Touchpoint,
                         request: ReachRequest) -> list[int]:
    """The ids the request names; raises with a message when it names none or unknown ones."""
    if request.who is Who.CODES:
        if not request.codes:
            raise CampaignError("Enter at least one ODS code, for example D81001.")
        return sorted(set(organisations_by_code(session, request.codes).values()))
    conditions = []
    if request.who is Who.AUDIENCE:
        if touchpoint.campaign is None:
            raise CampaignError(
                "This touchpoint is not part of a campaign, so it has no audience. Choose the "
                "organisations by ODS code or by locality instead."
            )
        conditions.append(audience_condition(touchpoint.campaign))
    elif request.who is Who.LOCALITY:
        locality = session.get(Locality, request.locality_id) if request.locality_id else None
        if locality is None:
            raise CampaignError("Choose a locality.")
        conditions.append(Organisation.locality_id == locality.id)
        conditions.append(
            audience_condition(touchpoint.campaign) if touchpoint.campaign is not None
            else Organisation.status == OrgStatus.ACTIVE
        )
    if request.org_kinds:
        conditions.append(Organisation.kind.in_([k.value for k in request.org_kinds]))
    ids = list(session.scalars(select(Organisation.id).where(*conditions)))
    if not ids:
        raise CampaignError(
            "No organisations match that choice, so nothing was recorded. Check the locality "
            "and kinds, or the campaign's audience."
        )
    return sorted(ids)


def _check(touchpoint: Touchpoint, request: ReachRequest, now: datetime) -> None:
    if touchpoint.status is TouchpointStatus.CANCELLED:
        raise CampaignError("This touchpoint was cancelled. Restore it before recording reach.")
    if request.kind not in MANUAL_KINDS:
        raise CampaignError("Choose the kind of contact from the list.")
    if request.kind is not EngagementKind.INVITED:
        # Invitations go out before a meeting; everything else needs it to have happened.
        what = ("attendance" if request.kind in (EngagementKind.ATTENDED, EngagementKind.ABSENT)
                else "whom it reached")
        problem = still_to_come(touchpoint, now, what)
        if problem:
            raise CampaignError(problem)
    if request.occurred_at > now + CLOCK_SLACK:
        raise CampaignError(
            "That time is still to come. Reach is recorded once it has happened: enter when "
            "it did."
        )


def _live_organisations(session: DbSession, touchpoint_id: int,
                        kind: EngagementKind | None = None) -> set[int]:
    query = select(Engagement.organisation_id).where(
        Engagement.touchpoint_id == touchpoint_id, live_engagement())
    if kind is not None:
        query = query.where(Engagement.kind == kind)
    return set(session.scalars(query))


def record_touchpoint_reach(
    session: DbSession,
    touchpoint: Touchpoint,
    request: ReachRequest,
    *,
    user_id: int | None,
    now: datetime,
) -> ReachResult:
    """Add one ledger row per organisation chosen, skipping those already recorded that way."""
    _check(touchpoint, request, now)
    chosen = choose_organisations(session, touchpoint, request)
    already = _live_organisations(session, touchpoint.id, request.kind)
    new = [org_id for org_id in chosen if org_id not in already]
    if touchpoint.channel is Channel.PRACTICE_VISIT:
        reached = _live_organisations(session, touchpoint.id) | set(new)
        if len(reached) > 1:
            raise CampaignError(
                "A practice visit reaches one organisation. Plan a separate visit for each "
                "organisation visited, or void the record of the wrong one first."
            )
    added = record_reach(
        session,
        [Reach(org_id, request.kind, request.people, note=request.note.strip(),
               tier=request.tier) for org_id in new],
        occurred_at=request.occurred_at,
        channel=touchpoint.channel,
        touchpoint=touchpoint,
        user_id=user_id,
        now=now,
    )
    if added:
        record_event(
            session, _actor(session, user_id), "campaigns.reach",
            f"Recorded {organisations(added)} reached ({request.kind.value}) by touchpoint "
            f"{touchpoint.id}: {touchpoint.title}",
            target=touchpoint,
            details={"who": request.who.value, "kind": request.kind.value, "added": added,
                     "already": len(chosen) - added},
        )
    return ReachResult(added=added, already=len(chosen) - added)


def void_row(session: DbSession, engagement: Engagement, reason: str, *, user_id: int | None,
             now: datetime) -> None:
    """Void one ledger row, with the reason, in the audit log too."""
    if engagement.voided_at is not None:
        raise CampaignError("That record was already voided.")
    void_engagement(session, [engagement.id], reason, now)
    session.refresh(engagement)
    record_event(
        session, _actor(session, user_id), "campaigns.void",
        f"Voided the {engagement.kind.value} record of {engagement.organisation.ods_code} "
        f"({engagement.occurred_at:%Y-%m-%d}): {engagement.void_reason}",
        target=engagement,
    )


def void_touchpoint_reach(session: DbSession, touchpoint: Touchpoint, reason: str, *,
                          user_id: int | None, now: datetime) -> int:
    """Void every live row the touchpoint produced (a newsletter recorded for the wrong list)."""
    ids = list(session.scalars(select(Engagement.id).where(
        Engagement.touchpoint_id == touchpoint.id, live_engagement())))
    if not ids:
        raise CampaignError("This touchpoint has no reach recorded that still counts.")
    voided = void_engagement(session, ids, reason, now)
    record_event(
        session, _actor(session, user_id), "campaigns.void",
        f"Voided all {voided} live records of touchpoint {touchpoint.id}: {touchpoint.title}",
        target=touchpoint, details={"reason": " ".join(reason.split())},
    )
    return voided


@dataclass(frozen=True)
class ReachCount:
    """Organisations a touchpoint engaged, and all it contacted (the engaged among them)."""

    engaged: int
    contacted: int


def reach_counts(session: DbSession, touchpoint_ids: list[int]) -> dict[int, ReachCount]:
    """{touchpoint id: organisations it engaged and contacted} over live rows, answered from
    an index."""
    if not touchpoint_ids:
        return {}
    engaged = case((Engagement.tier == EngagementTier.ENGAGED, Engagement.organisation_id))
    rows = session.execute(
        select(Engagement.touchpoint_id, func.count(func.distinct(engaged)),
               func.count(func.distinct(Engagement.organisation_id)))
        .where(Engagement.touchpoint_id.in_(touchpoint_ids), live_engagement())
        .group_by(Engagement.touchpoint_id)
    ).all()
    return {touchpoint_id: ReachCount(e, c) for touchpoint_id, e, c in rows
            if touchpoint_id is not None}


@dataclass(frozen=True)
class KindSummary:
    kind: EngagementKind
    tier: EngagementTier
    organisations: int
    people: int


def touchpoint_summary(session: DbSession, touchpoint_id: int) -> list[KindSummary]:
    """Live rows of one touchpoint by kind of contact and tier: organisations and people."""
    rows = session.execute(
        select(Engagement.kind, Engagement.tier,
               func.count(func.distinct(Engagement.organisation_id)),
               func.sum(Engagement.people))
        .where(Engagement.touchpoint_id == touchpoint_id, live_engagement())
        .group_by(Engagement.kind, Engagement.tier).order_by(Engagement.kind, Engagement.tier)
    ).all()
    return [KindSummary(kind, tier, orgs, int(people or 0)) for kind, tier, orgs, people in rows]


def _actor(session: DbSession, user_id: int | None) -> User | None:
    return session.get(User, user_id) if user_id is not None else None
