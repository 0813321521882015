"""Engagement with a touchpoint still to come is refused, by form, command or import."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from engage.campaigns.attendance.imports import AttendanceRejected, preview_attendance
from engage.campaigns.models import EngagementKind, TouchpointStatus
from engage.campaigns.reach import ReachRequest, Who, record_touchpoint_reach
from engage.database import utcnow
from engage.extensions import db
from engage.timezone import uk_day
from tests.campaigns.attendance_support import DATA, add_directory, add_touchpoint, data, written
from tests.campaigns.support import NOW, ledger_rows, text
from tests.factories import make_organisation, make_touchpoint

TEAMS = "teams_attendance_report.csv"


@pytest.fixture()
def upcoming(app):
    """A webinar planned a week from now, and an organisation to record against it."""
    add_directory()
    touchpoint = add_touchpoint(planned_at=utcnow() + timedelta(days=7), actual_at=None,
                                status=TouchpointStatus.PLANNED)
    db.session.commit()
    return touchpoint


def day_of(touchpoint) -> str:
    return uk_day(touchpoint.planned_at).strftime("%-d %B %Y")


def test_logic_refuses_attendance_before_the_touchpoint_and_allows_invitations(app):
    org = make_organisation(ods_code="D81009")
    touchpoint = make_touchpoint(planned_at=NOW + timedelta(days=7))
    attended = ReachRequest(Who.CODES, EngagementKind.ATTENDED, occurred_at=NOW,
                            codes=[org.ods_code])
    with pytest.raises(Exception, match=r"attendance can be recorded once it has happened"):
        record_touchpoint_reach(db.session, touchpoint, attended, user_id=None, now=NOW)
    invited = ReachRequest(Who.CODES, EngagementKind.INVITED, occurred_at=NOW,
                           codes=[org.ods_code])
    assert record_touchpoint_reach(db.session, touchpoint, invited, user_id=None,
                                   now=NOW).added == 1
    # Once its time has passed, the same attendance is recorded.
    later = NOW + timedelta(days=8)
    assert record_touchpoint_reach(db.session, touchpoint, attended, user_id=None,
                                   now=later).added == 1


def test_the_reach_form_refuses_attendance_at_a_webinar_still_to_come(manager_client, upcoming):
    before = ledger_rows()
    response = manager_client.post(f"/campaigns/touchpoints/{upcoming.id}/reach", data={
        "who": "codes", "codes": "D81001", "kind": "attended",
        "occurred_at": "2025-01-10T10:00", "people": "1"})
    assert response.status_code == 400
    assert (f"This webinar is on {day_of(upcoming)}; attendance can be recorded once it has "
            "happened.") in text(response)
    assert ledger_rows() == before


def test_record_reach_command_refuses_attendance_still_to_come(runner, upcoming, tmp_path):
    codes = tmp_path / "codes.txt"
    codes.write_text("D81001\n")
    before = ledger_rows()
    for at in ([], ["--at", "2025-01-10 10:00"]):
        result = runner.invoke(args=["campaigns", "record-reach", str(upcoming.id), "--codes",
                                     str(codes), "--kind", "attended", *at])
        assert result.exit_code == 1, result.output
        assert "attendance can be recorded once it has happened" in result.output
    assert ledger_rows() == before


def test_an_attendance_import_into_a_webinar_still_to_come_is_refused(manager_client, upcoming):
    before = written()
    response = manager_client.post(f"/campaigns/touchpoints/{upcoming.id}/attendance",
                                   data={"file": (io.BytesIO(data(TEAMS)), TEAMS)},
                                   content_type="multipart/form-data")
    assert response.status_code == 409
    assert (f"This webinar is on {day_of(upcoming)}; attendance can be recorded once it has "
            "happened.") in text(response)
    assert written() == before


def test_the_import_command_refuses_a_webinar_still_to_come(runner, upcoming):
    before = written()
    result = runner.invoke(args=["campaigns", "import-attendance", str(upcoming.id),
                                 str(DATA / "generic_attendees.csv"), "--yes"])
    assert result.exit_code == 1
    assert "attendance can be recorded once it has happened" in result.output
    assert written() == before


def test_preview_logic_takes_now_as_given(app, upcoming):
    with pytest.raises(AttendanceRejected) as caught:
        preview_attendance(db.session, upcoming, data(TEAMS), TEAMS, now=utcnow())
    assert caught.value.status == 409
    preview = preview_attendance(db.session, upcoming, data("generic_attendees.csv"), "a.csv",
                                 now=utcnow() + timedelta(days=8))
    assert preview.attendees == 3
