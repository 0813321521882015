"""The engagement ledger: bulk writes, and voids that keep the row and say why."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.campaigns.errors import CampaignError
from engage.campaigns.ledger import Reach, record_reach, touchpoint_engagement, void_engagement
from engage.campaigns.models import Channel, Engagement, EngagementKind, EngagementSource
from engage.extensions import db
from tests.campaigns.support import NOW, ledger_rows, utc
from tests.factories import make_campaign, make_engagement, make_organisation, make_touchpoint


def test_reach_is_written_in_bulk_with_the_touchpoints_campaign(app):
    campaign = make_campaign()
    touchpoint = make_touchpoint(campaign)
    orgs = [make_organisation() for _ in range(3)]
    written = record_reach(
        db.session, [Reach(o.id, EngagementKind.ATTENDED, 2) for o in orgs],
        occurred_at=utc(2021, 9, 14, 11, 30), channel=Channel.WEBINAR, touchpoint=touchpoint,
        user_id=None, now=NOW)
    assert written == 3
    rows = list(db.session.scalars(select(Engagement)))
    assert {r.organisation_id for r in rows} == {o.id for o in orgs}
    assert all(r.campaign_id == campaign.id and r.touchpoint_id == touchpoint.id and r.people == 2
               and r.source is EngagementSource.MANUAL and r.live for r in rows)


def test_a_bad_people_count_writes_nothing(app):
    org = make_organisation()
    with pytest.raises(CampaignError, match="from 0 to 100,000"):
        record_reach(db.session, [Reach(org.id, EngagementKind.VISITED, 1),
                                  Reach(org.id, EngagementKind.VISITED, -1)],
                     occurred_at=NOW, channel=Channel.PRACTICE_VISIT, now=NOW)
    assert ledger_rows() == 0


def test_voiding_keeps_the_row_with_its_reason(app):
    row = make_engagement()
    assert void_engagement(db.session, [row.id], "  wrong   practice ", NOW) == 1
    db.session.refresh(row)
    assert row.voided_at == NOW and row.void_reason == "wrong practice" and not row.live
    assert void_engagement(db.session, [row.id], "again", NOW) == 0  # already void: untouched
    db.session.refresh(row)
    assert row.void_reason == "wrong practice"


@pytest.mark.parametrize("reason", ["", "   ", "x" * 301])
def test_a_void_needs_a_short_reason(app, reason):
    row = make_engagement()
    with pytest.raises(CampaignError):
        void_engagement(db.session, [row.id], reason, NOW)
    db.session.refresh(row)
    assert row.voided_at is None


def test_a_touchpoints_live_rows_leave_out_voided_and_uncounted(app):
    touchpoint = make_touchpoint()
    live = make_engagement(touchpoint=touchpoint)
    make_engagement(touchpoint=touchpoint, voided_at=NOW, void_reason="wrong")
    make_engagement(touchpoint=touchpoint, counted=False)
    make_engagement()
    assert list(db.session.scalars(touchpoint_engagement(touchpoint.id))) == [live]
