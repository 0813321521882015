from datetime import UTC, datetime

import pytest

from engage.audit.models import AuditEvent
from engage.campaigns.errors import CampaignError
from engage.campaigns.models import Channel, Touchpoint, TouchpointStatus
from engage.extensions import db
from engage.insights.planning import default_title, plan_touchpoint
from tests.factories import make_organisation, make_user

NOW = datetime(2022, 6, 15, 12, tzinfo=UTC)


def test_plan_touchpoint_creates_a_planned_visit_listing_the_organisations(app):
    orgs = [make_organisation(name="Quiet Surgery"), make_organisation(name="Silent Pharmacy")]
    user = make_user()
    touchpoint = plan_touchpoint(db.session, organisations=orgs, channel=Channel.PRACTICE_VISIT,
                                 title=default_title(orgs), planned_at=NOW, campaign=None,
                                 actor=user, now=NOW)
    assert touchpoint.status is TouchpointStatus.PLANNED and touchpoint.owner_id == user.id
    assert touchpoint.title == "Practice visits: 2 organisations with no recent contact"
    assert all(o.ods_code in touchpoint.notes for o in orgs)
    event = db.session.scalar(db.select(AuditEvent))
    assert event.action == "insights.touchpoint_planned"
    assert event.details == {"ods_codes": [o.ods_code for o in orgs]}


def test_plan_touchpoint_refuses_a_blank_title_and_adds_nothing(app):
    orgs = [make_organisation()]
    assert default_title(orgs).startswith("Practice visit: ")
    with pytest.raises(CampaignError, match="Enter a title"):
        plan_touchpoint(db.session, organisations=orgs, channel=Channel.PRACTICE_VISIT,
                        title=" ", planned_at=NOW, campaign=None, actor=None, now=NOW)
    assert db.session.scalar(db.select(Touchpoint)) is None
