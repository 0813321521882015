"""Touchpoints: planned, done, changed with a revision each time, cancelled and restored."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engage.campaigns.errors import CampaignError
from engage.campaigns.history import describe
from engage.campaigns.models import Channel, Engagement, TouchpointStatus
from engage.campaigns.touchpoints import (
    TouchpointFields,
    campaign_date_warning,
    cancel_touchpoint,
    create_touchpoint,
    mark_done,
    restore_touchpoint,
    update_touchpoint,
)
from engage.extensions import db
from tests.campaigns.support import NOW, revisions, utc
from tests.factories import make_campaign, make_engagement, make_service, make_user


def fields(**overrides) -> TouchpointFields:  # type: ignore[no-untyped-def]
    values = {"channel": Channel.WEBINAR, "title": "Managing sickness absence",
              "planned_at": utc(2022, 1, 19, 12, 30)}
    values.update(overrides)
    return TouchpointFields(**values)  # type: ignore[arg-type]


def test_a_planned_touchpoint_starts_with_one_revision(app):
    user = make_user()
    touchpoint = create_touchpoint(db.session, fields(), user.id, NOW)
    assert touchpoint.status is TouchpointStatus.PLANNED and touchpoint.sequence == 0
    assert [r.summary for r in revisions(touchpoint)] == ["Created"]
    assert touchpoint.ical_uid.endswith("@engage")


def test_one_logged_after_it_happened_is_done_at_once(app):
    touchpoint = create_touchpoint(db.session, fields(planned_at=None,
                                                      actual_at=utc(2022, 3, 1, 10)), None, NOW)
    assert touchpoint.status is TouchpointStatus.DONE


@pytest.mark.parametrize(("change", "message"), [
    ({"title": "  "}, "Enter a title"),
    ({"title": "x" * 201}, "200 characters or fewer"),
    ({"planned_at": None}, "Enter when it is planned, or when it happened"),
    ({"duration_minutes": 0}, "positive number of minutes"),
    ({"actual_at": NOW + timedelta(days=1)}, "still to come"),
])
def test_bad_touchpoints_are_refused(app, change, message):
    with pytest.raises(CampaignError, match=message):
        create_touchpoint(db.session, fields(**change), None, NOW)


def test_a_change_is_kept_as_a_revision_and_moves_the_calendar_sequence(app):
    user = make_user(name="Pat Manager")
    service = make_service(name="Wellbeing App")
    touchpoint = create_touchpoint(db.session, fields(), user.id, NOW)
    changed = update_touchpoint(
        db.session, touchpoint,
        fields(title="Sickness absence: the OH route", planned_at=utc(2022, 1, 26, 12, 30),
               services=[service]), user.id, NOW + timedelta(minutes=5))
    assert changed == ["title", "planned_at", "services"]
    assert touchpoint.sequence == 1
    latest = touchpoint.revisions[0]
    assert latest.summary == "Changed title, planned time, services"
    assert latest.changes["title"] == ["Managing sickness absence",
                                       "Sickness absence: the OH route"]
    lines = describe(db.session, touchpoint.revisions)
    assert [line.summary for line in lines] == ["Changed title, planned time, services",
                                                "Created"]
    assert lines[0].by == user.email
    shown = {c.field: (c.before, c.after) for c in lines[0].changes}
    assert shown["Planned time"] == ("19 Jan 2022 12:30", "26 Jan 2022 12:30")
    assert shown["Services"] == ("(none)", "Wellbeing App")


def test_saving_without_a_change_adds_no_revision(app):
    touchpoint = create_touchpoint(db.session, fields(), None, NOW)
    assert update_touchpoint(db.session, touchpoint, fields(), None, NOW) == []
    assert len(revisions(touchpoint)) == 1 and touchpoint.sequence == 0


def test_a_change_never_rewrites_the_reach_already_recorded(app):
    touchpoint = create_touchpoint(db.session, fields(actual_at=utc(2022, 1, 19, 12, 30)), None,
                                   NOW)
    row = make_engagement(touchpoint=touchpoint, occurred_at=utc(2022, 1, 19, 12, 30),
                          channel=Channel.WEBINAR)
    update_touchpoint(db.session, touchpoint,
                      fields(channel=Channel.TRAINING, actual_at=utc(2022, 2, 2, 9),
                             campaign=make_campaign()), None, NOW)
    db.session.expire_all()
    kept = db.session.get(Engagement, row.id)
    assert kept.occurred_at == utc(2022, 1, 19, 12, 30) and kept.channel is Channel.WEBINAR
    assert kept.campaign_id is None and kept.voided_at is None


def test_clearing_when_it_happened_puts_it_back_to_planned(app):
    touchpoint = create_touchpoint(db.session, fields(actual_at=utc(2022, 1, 19, 12, 30)), None,
                                   NOW)
    update_touchpoint(db.session, touchpoint, fields(), None, NOW)
    assert touchpoint.status is TouchpointStatus.PLANNED
    assert touchpoint.revisions[0].changes["status"] == ["done", "planned"]


def test_mark_done_records_when_it_happened(app):
    touchpoint = create_touchpoint(db.session, fields(), None, NOW)
    mark_done(db.session, touchpoint, utc(2022, 1, 19, 12, 35), None, NOW)
    assert touchpoint.status is TouchpointStatus.DONE
    assert touchpoint.actual_at == utc(2022, 1, 19, 12, 35) and touchpoint.sequence == 1
    with pytest.raises(CampaignError, match="still to come"):
        mark_done(db.session, touchpoint, NOW + timedelta(hours=1), None, NOW)


def test_cancel_keeps_it_and_restore_brings_it_back(app):
    touchpoint = create_touchpoint(db.session, fields(actual_at=utc(2022, 1, 19)), None, NOW)
    cancel_touchpoint(db.session, touchpoint, " speaker ill ", None, NOW)
    assert touchpoint.status is TouchpointStatus.CANCELLED
    assert touchpoint.revisions[0].summary == "Cancelled: speaker ill"
    with pytest.raises(CampaignError, match="Restore it"):
        update_touchpoint(db.session, touchpoint, fields(title="New"), None, NOW)
    with pytest.raises(CampaignError, match="Restore it first"):
        mark_done(db.session, touchpoint, NOW, None, NOW)
    with pytest.raises(CampaignError, match="already cancelled"):
        cancel_touchpoint(db.session, touchpoint, "", None, NOW)
    restore_touchpoint(db.session, touchpoint, None, NOW)
    assert touchpoint.status is TouchpointStatus.DONE  # it had happened
    with pytest.raises(CampaignError, match="Only a cancelled touchpoint"):
        restore_touchpoint(db.session, touchpoint, None, NOW)


def test_a_date_outside_the_campaign_is_a_warning_in_uk_days(app):
    campaign = make_campaign(start_date=date(2021, 6, 1), end_date=date(2022, 5, 31))
    inside = fields(campaign=campaign, planned_at=utc(2021, 5, 31, 23, 30))  # 00:30 on 1 June UK
    assert campaign_date_warning(inside) is None
    late = fields(campaign=campaign, planned_at=utc(2022, 5, 31, 23, 30))  # 1 June UK
    warning = campaign_date_warning(late)
    assert warning is not None and warning.startswith("1 June 2022 is outside the campaign")
    assert "(1 June 2021 to 31 May 2022)" in warning
    assert campaign_date_warning(fields()) is None  # no campaign, no warning
