"""Recording whom a touchpoint reached: by code, audience or locality, never counted twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.campaigns.errors import CampaignError
from engage.campaigns.models import (
    Channel,
    Engagement,
    EngagementKind,
    EngagementTier,
    TouchpointStatus,
)
from engage.campaigns.reach import (
    ReachCount,
    ReachRequest,
    Who,
    reach_counts,
    record_touchpoint_reach,
    touchpoint_summary,
    void_row,
    void_touchpoint_reach,
)
from engage.directory.models import OrgKind, OrgStatus
from engage.extensions import db
from tests.campaigns.support import NOW, ledger_rows, utc
from tests.factories import (
    make_campaign,
    make_engagement,
    make_locality,
    make_organisation,
    make_touchpoint,
    make_user,
)

WHEN = utc(2022, 3, 1, 10)


def request(who: Who = Who.CODES, **overrides) -> ReachRequest:  # type: ignore[no-untyped-def]
    values = {"who": who, "kind": EngagementKind.RECEIVED, "occurred_at": WHEN}
    values.update(overrides)
    return ReachRequest(**values)  # type: ignore[arg-type]


def reached(touchpoint, kind=None) -> set[str]:  # type: ignore[no-untyped-def]
    query = select(Engagement).where(Engagement.touchpoint_id == touchpoint.id,
                                     Engagement.voided_at.is_(None))
    if kind is not None:
        query = query.where(Engagement.kind == kind)
    return {row.organisation.ods_code for row in db.session.scalars(query)}


def test_by_code_one_row_each_with_the_touchpoints_channel_and_campaign(app):
    campaign = make_campaign()
    touchpoint = make_touchpoint(campaign, channel=Channel.NEWSLETTER)
    a, b = make_organisation(ods_code="D81001"), make_organisation(ods_code="D81002")
    user = make_user()
    result = record_touchpoint_reach(db.session, touchpoint,
                                     request(codes=["D81001", "D81002"], people=0),
                                     user_id=user.id, now=NOW)
    assert (result.added, result.already) == (2, 0)
    rows = list(db.session.scalars(select(Engagement)))
    assert {r.organisation_id for r in rows} == {a.id, b.id}
    assert all(r.channel is Channel.NEWSLETTER and r.campaign_id == campaign.id
               and r.occurred_at == WHEN and r.created_by_id == user.id for r in rows)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campaigns.reach"))
    assert event is not None and event.actor_email == user.email


def test_recording_again_counts_nobody_twice(app):
    touchpoint = make_touchpoint(make_campaign())
    make_organisation(ods_code="D81001")
    make_organisation(ods_code="D81002")
    record_touchpoint_reach(db.session, touchpoint, request(codes=["D81001"]), user_id=None,
                            now=NOW)
    result = record_touchpoint_reach(db.session, touchpoint, request(codes=["D81001", "D81002"]),
                                     user_id=None, now=NOW)
    assert (result.added, result.already) == (1, 1)
    assert "1 organisation was already recorded that way" in result.message(touchpoint)
    # A different kind of contact with the same organisation is a new record.
    record_touchpoint_reach(db.session, touchpoint,
                            request(codes=["D81001"], kind=EngagementKind.ATTENDED),
                            user_id=None, now=NOW)
    assert ledger_rows() == 3


def test_the_whole_audience_in_one_action(app):
    fens = make_locality("Fens")
    campaign = make_campaign(audience_locality_ids=[fens.id])
    touchpoint = make_touchpoint(campaign, channel=Channel.NEWSLETTER)
    inside = [make_organisation(locality_id=fens.id) for _ in range(3)]
    make_organisation(locality_id=fens.id, status=OrgStatus.CLOSED)
    make_organisation()  # elsewhere
    result = record_touchpoint_reach(db.session, touchpoint, request(Who.AUDIENCE),
                                     user_id=None, now=NOW)
    assert result.added == 3 and reached(touchpoint) == {o.ods_code for o in inside}
    # A newsletter contacts; it engages nobody.
    assert reach_counts(db.session, [touchpoint.id]) == {touchpoint.id: ReachCount(0, 3)}


def test_the_audience_narrowed_to_kinds(app):
    touchpoint = make_touchpoint(make_campaign())
    pharmacy = make_organisation(kind=OrgKind.COMMUNITY_PHARMACY)
    make_organisation()
    record_touchpoint_reach(db.session, touchpoint,
                            request(Who.AUDIENCE, org_kinds=[OrgKind.COMMUNITY_PHARMACY]),
                            user_id=None, now=NOW)
    assert reached(touchpoint) == {pharmacy.ods_code}


def test_a_locality_within_the_audience_or_every_active_one_without_a_campaign(app):
    fens = make_locality("Fens")
    practice = make_organisation(locality_id=fens.id)
    pharmacy = make_organisation(locality_id=fens.id, kind=OrgKind.COMMUNITY_PHARMACY)
    campaign = make_campaign(audience_kinds=["gp_practice"])
    in_campaign = make_touchpoint(campaign)
    record_touchpoint_reach(db.session, in_campaign, request(Who.LOCALITY, locality_id=fens.id),
                            user_id=None, now=NOW)
    assert reached(in_campaign) == {practice.ods_code}
    standalone = make_touchpoint()
    record_touchpoint_reach(db.session, standalone, request(Who.LOCALITY, locality_id=fens.id),
                            user_id=None, now=NOW)
    assert reached(standalone) == {practice.ods_code, pharmacy.ods_code}


@pytest.mark.parametrize(("make_request", "message"), [
    (lambda: request(codes=[]), "Enter at least one ODS code"),
    (lambda: request(codes=["D81001", "ZZZ99"]), "Not in the directory: ZZZ99"),
    (lambda: request(Who.LOCALITY), "Choose a locality"),
    (lambda: request(Who.LOCALITY, locality_id=make_locality().id), "No organisations match"),
    (lambda: request(codes=["D81001"], kind=EngagementKind.SCANNED), "kind of contact"),
    (lambda: request(codes=["D81001"], occurred_at=NOW + timedelta(hours=1)), "still to come"),
    (lambda: request(codes=["D81001"], people=-1), "from 0 to 100,000"),
])
def test_bad_requests_record_nothing(app, make_request, message):
    make_organisation(ods_code="D81001")
    touchpoint = make_touchpoint()
    with pytest.raises(CampaignError, match=message):
        record_touchpoint_reach(db.session, touchpoint, make_request(), user_id=None, now=NOW)
    assert ledger_rows() == 0


def test_the_audience_needs_a_campaign(app):
    make_organisation()
    with pytest.raises(CampaignError, match="not part of a campaign"):
        record_touchpoint_reach(db.session, make_touchpoint(), request(Who.AUDIENCE),
                                user_id=None, now=NOW)


def test_a_cancelled_touchpoint_records_nothing(app):
    make_organisation(ods_code="D81001")
    touchpoint = make_touchpoint(status=TouchpointStatus.CANCELLED)
    with pytest.raises(CampaignError, match="cancelled"):
        record_touchpoint_reach(db.session, touchpoint, request(codes=["D81001"]), user_id=None,
                                now=NOW)


def test_a_practice_visit_reaches_one_organisation(app):
    make_organisation(ods_code="D81001")
    make_organisation(ods_code="D81002")
    visit = make_touchpoint(channel=Channel.PRACTICE_VISIT)
    with pytest.raises(CampaignError, match="A practice visit reaches one organisation"):
        record_touchpoint_reach(db.session, visit, request(codes=["D81001", "D81002"],
                                                           kind=EngagementKind.VISITED),
                                user_id=None, now=NOW)
    record_touchpoint_reach(db.session, visit, request(codes=["D81001"],
                                                       kind=EngagementKind.VISITED),
                            user_id=None, now=NOW)
    with pytest.raises(CampaignError, match="void the record of the wrong one first"):
        record_touchpoint_reach(db.session, visit, request(codes=["D81002"],
                                                           kind=EngagementKind.VISITED),
                                user_id=None, now=NOW)


def test_void_one_row_and_then_everything_a_touchpoint_recorded(app):
    touchpoint = make_touchpoint()
    rows = [make_engagement(touchpoint=touchpoint) for _ in range(3)]
    void_row(db.session, rows[0], "wrong practice", user_id=None, now=NOW)
    assert rows[0].voided_at == NOW and rows[0].void_reason == "wrong practice"
    with pytest.raises(CampaignError, match="already voided"):
        void_row(db.session, rows[0], "again", user_id=None, now=NOW)
    assert void_touchpoint_reach(db.session, touchpoint, "sent to the wrong list",
                                 user_id=None, now=NOW) == 2
    with pytest.raises(CampaignError, match="no reach recorded that still counts"):
        void_touchpoint_reach(db.session, touchpoint, "again", user_id=None, now=NOW)
    actions = list(db.session.scalars(select(AuditEvent.action)))
    assert actions.count("campaigns.void") == 2
    assert touchpoint_summary(db.session, touchpoint.id) == []


def test_summary_by_kind(app):
    touchpoint = make_touchpoint()
    org = make_organisation()
    make_engagement(org, touchpoint=touchpoint, kind=EngagementKind.INVITED, people=0)
    make_engagement(org, touchpoint=touchpoint, kind=EngagementKind.ATTENDED, people=3)
    make_engagement(touchpoint=touchpoint, kind=EngagementKind.ATTENDED, people=2)
    summary = {item.kind: (item.tier, item.organisations, item.people)
               for item in touchpoint_summary(db.session, touchpoint.id)}
    assert summary == {EngagementKind.INVITED: (EngagementTier.CONTACTED, 1, 0),
                       EngagementKind.ATTENDED: (EngagementTier.ENGAGED, 2, 5)}
    assert reach_counts(db.session, [touchpoint.id]) == {touchpoint.id: ReachCount(2, 2)}
