"""The attendance pages: upload, preview, place by hand, confirm; refusals change nothing."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import render_template_string

from engage.campaigns.attendance.views import attendance_imports
from engage.campaigns.models import AttendanceImport, Channel, EngagementKind
from engage.extensions import db
from tests.campaigns.attendance_support import (
    add_directory,
    add_touchpoint,
    data,
    invite,
    live_rows,
    written,
)

TEAMS = "teams_attendance_report.csv"
PAYLOAD = re.compile(r'name="payload" type="hidden" value="([^"]+)"')


def upload(client, touchpoint_id: int, content: bytes, filename: str = TEAMS) -> Any:
    return client.post(f"/campaigns/touchpoints/{touchpoint_id}/attendance",
                       data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def payload_of(response) -> str:
    match = PAYLOAD.search(response.get_data(as_text=True))
    assert match, "no signed preview in the page"
    return match.group(1)


def confirm(client, touchpoint_id: int, payload: str, **fields: str) -> Any:
    return client.post(f"/campaigns/touchpoints/{touchpoint_id}/attendance/confirm",
                       data={"payload": payload, **fields})


@pytest.fixture()
def scene(app):
    orgs = add_directory()
    touchpoint = add_touchpoint()
    invite(touchpoint, orgs.riverside, orgs.chatteris)
    db.session.commit()
    return orgs, touchpoint


def test_upload_page_explains_the_formats(manager_client, scene):
    _, touchpoint = scene
    response = manager_client.get(f"/campaigns/touchpoints/{touchpoint.id}/attendance")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Import attendance" in page
    assert "Microsoft Teams: the attendance report" in page
    assert "No attendance list has been imported for this touchpoint." in page
    assert "not a meeting" not in page


def test_a_non_meeting_touchpoint_can_still_take_a_list_with_a_note(manager_client, app):
    touchpoint = add_touchpoint(channel=Channel.NEWSLETTER, title="Spring newsletter")
    db.session.commit()
    page = manager_client.get(f"/campaigns/touchpoints/{touchpoint.id}/attendance").get_data(
        as_text=True)
    assert "This touchpoint is a newsletter, not a meeting." in page


def test_upload_shows_a_preview_and_saves_nothing(manager_client, scene):
    _, touchpoint = scene
    before = written()
    response = upload(manager_client, touchpoint.id, data(TEAMS))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Check the attendance before saving" in page
    assert "Microsoft Teams attendance report" in page
    assert "4 people from 3 organisations" in page
    assert "Riverside Surgery" in page and "Fenland Health Centre" in page
    assert "Invited, and nobody came" in page and "Chatteris Surgery (D81003)" in page
    assert "Dr Chris Evans" in page and "chris.evans1@nhs.net" in page
    assert 'list="attendance-organisations"' in page
    assert '<option value="Chatteris Surgery (D81003)">' in page
    assert written() == before


def test_manager_places_the_unmatched_and_confirms(manager_client, scene):
    orgs, touchpoint = scene
    payload = payload_of(upload(manager_client, touchpoint.id, data(TEAMS)))
    # Unmatched in file order: Dr Chris Evans, Jo Bloggs (Guest), Dr Lee Wong.
    response = confirm(manager_client, touchpoint.id, payload,
                       organisation_0="Chatteris Surgery (D81003)", not_from_1="y",
                       rest_not_from="y")
    assert response.status_code == 302
    record = db.session.scalars(db.select(AttendanceImport)).one()
    assert response.headers["Location"] == f"/campaigns/attendance/{record.id}"
    assert (record.organisations_attended, record.organisations_absent, record.unmatched) == (
        4, 0, 2)
    assert live_rows(touchpoint, EngagementKind.ATTENDED) == {
        "D81001": 2, "D81002": 1, "FA123": 1, "D81003": 1}
    assert live_rows(touchpoint, EngagementKind.ABSENT) == {}

    result = manager_client.get(response.headers["Location"])
    page = result.get_data(as_text=True)
    assert "Saved the attendance: 4 organisations attended, 0 invited and absent." in page
    assert "Chatteris Surgery" in page and "Attended" in page


def test_the_result_page_and_imports_list_are_open_to_steering(steering_client, scene, app):
    orgs, touchpoint = scene
    from engage.campaigns.attendance.imports import confirm_attendance, preview_attendance
    from tests.campaigns.attendance_support import NOW

    preview = preview_attendance(db.session, touchpoint, data("generic_attendees.csv"), "a.csv",
                                 now=NOW)
    outcome = confirm_attendance(db.session, touchpoint, preview, {}, user_id=None, now=NOW)
    db.session.commit()
    page = steering_client.get(f"/campaigns/attendance/{outcome.record.id}").get_data(
        as_text=True)
    assert "Attendance from a.csv" in page and "Invited, absent" in page
    with app.test_request_context():
        from flask_login import login_user

        from engage.auth.models import Role
        from tests.factories import make_user

        login_user(make_user(role=Role.STEERING))
        fragment = render_template_string(
            '{% include "campaigns/attendance_imports.html" %}', touchpoint=touchpoint,
            section=attendance_imports(touchpoint))
    assert "a.csv" in fragment and "by the command line" in fragment
    assert "Import attendance" not in fragment  # steering cannot import


def test_steering_cannot_upload_or_confirm(steering_client, scene):
    _, touchpoint = scene
    assert steering_client.get(f"/campaigns/touchpoints/{touchpoint.id}/attendance"
                               ).status_code == 403
    assert upload(steering_client, touchpoint.id, data(TEAMS)).status_code == 403
    assert confirm(steering_client, touchpoint.id, "x").status_code == 403


def test_an_unknown_touchpoint_is_not_found(manager_client, app):
    assert manager_client.get("/campaigns/touchpoints/999/attendance").status_code == 404
    assert manager_client.get("/campaigns/attendance/999").status_code == 404


# --- bad input: a clear message, the right status, nothing changed -------------------------------


@pytest.mark.parametrize(("content", "status", "says"), [
    (data("unknown_layout.csv"), 400,
     "Columns found: &#39;Order #&#39;, &#39;First Name&#39;, &#39;Surname&#39;"),
    (b"", 400, "The file is empty."),
    (b"PK\x03\x04" + bytes(300), 400, "This is an Excel workbook (.xlsx)"),
    (bytes(range(256)) * 8, 400, "it contains binary data"),
], ids=["unknown-layout", "empty", "xlsx", "binary"])
def test_a_bad_file_is_refused_with_a_message(manager_client, scene, content, status, says):
    _, touchpoint = scene
    before = written()
    response = upload(manager_client, touchpoint.id, content)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and says in page
    assert written() == before


def test_a_file_with_no_matching_organisation_can_still_be_placed_by_hand(manager_client, scene):
    _, touchpoint = scene
    before = written()
    response = upload(manager_client, touchpoint.id, data("no_matching_organisation.csv"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "No one matched an organisation" in page
    assert "alex.morgan@example.com" in page and "jamie.lee@nhs.net" in page
    assert written() == before
    response = confirm(manager_client, touchpoint.id, payload_of(response),
                       organisation_0="D81001", not_from_1="y")
    assert response.status_code == 302
    assert live_rows(touchpoint, EngagementKind.ATTENDED) == {"D81001": 1}


def test_the_same_file_twice_is_recognised(manager_client, scene):
    _, touchpoint = scene
    payload = payload_of(upload(manager_client, touchpoint.id, data(TEAMS)))
    assert confirm(manager_client, touchpoint.id, payload, rest_not_from="y").status_code == 302
    before = written()
    again = upload(manager_client, touchpoint.id, data(TEAMS), filename="again.csv")
    assert again.status_code == 409
    assert "This file was already imported for this touchpoint" in again.get_data(as_text=True)
    twice = confirm(manager_client, touchpoint.id, payload, rest_not_from="y")
    assert twice.status_code == 409
    assert written() == before


def test_confirm_needs_an_answer_for_everyone(manager_client, scene):
    _, touchpoint = scene
    payload = payload_of(upload(manager_client, touchpoint.id, data(TEAMS)))
    before = written()
    response = confirm(manager_client, touchpoint.id, payload, organisation_0="Z99999",
                       organisation_1="D81001", not_from_1="y")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "Dr Chris Evans (chris.evans1@nhs.net): No organisation has the ODS code or name" \
        in page
    assert 'href="#organisation_0"' in page
    assert "enter an organisation or tick that they are not from one, not both" in page
    assert "Enter an organisation for Dr Lee Wong (lee.wong@cpft.nhs.uk), or tick" in page
    assert 'value="Z99999"' in page  # what was typed is kept
    assert PAYLOAD.search(page)  # and the preview travels on
    assert written() == before


def test_an_altered_preview_is_refused(manager_client, scene):
    _, touchpoint = scene
    payload = payload_of(upload(manager_client, touchpoint.id, data("generic_attendees.csv")))
    before = written()
    response = confirm(manager_client, touchpoint.id, payload[:-4] + "abcd")
    assert response.status_code == 400
    assert "The preview could not be checked" in response.get_data(as_text=True)
    other = add_touchpoint(title="Another webinar")
    db.session.commit()
    response = confirm(manager_client, other.id, payload)
    assert response.status_code == 400
    assert "belongs to another touchpoint" in response.get_data(as_text=True)
    assert written() == before


def test_preview_and_its_organisation_list_read_in_proper_case(manager_client, app):
    orgs = add_directory()
    orgs.riverside.name = "RIVERSIDE SURGERY"
    orgs.chatteris.name = "CHATTERIS SURGERY"
    orgs.march.preferred_name = "a Chemist in March"
    touchpoint = add_touchpoint()
    invite(touchpoint, orgs.riverside, orgs.fenland, orgs.chatteris)
    db.session.commit()
    page = upload(manager_client, touchpoint.id, data(TEAMS)).get_data(as_text=True)
    assert "Riverside Surgery" in page and "RIVERSIDE" not in page
    assert "Chatteris Surgery (D81003)" in page and "CHATTERIS" not in page
    listed = re.findall(r'<option value="([^"]+) \([A-Z0-9]+\)">', page)
    assert listed[:3] == ["a Chemist in March", "Chatteris Surgery", "Fenland Health Centre"]
    assert listed == sorted(listed, key=str.casefold)
