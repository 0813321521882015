"""An attendance report names its meeting: a different date or title needs a confirmation,
and a meeting still to come is refused."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pytest

from engage.campaigns.attendance.files import Meeting, read_attendees
from engage.campaigns.attendance.imports import (
    AttendanceRejected,
    confirm_attendance,
    preview_attendance,
    title_words,
)
from engage.campaigns.dates import utc_to_london_naive
from engage.campaigns.models import EngagementKind
from engage.database import utcnow
from engage.extensions import db
from tests.campaigns.attendance_support import (
    HELD_AT,
    NOW,
    add_directory,
    add_touchpoint,
    data,
    live_rows,
    written,
)

PAYLOAD = re.compile(r'name="payload" type="hidden" value="([^"]+)"')


def teams_report(title: str, start: datetime) -> bytes:
    """A Teams attendance report whose two attendees both match the directory."""
    when = start.strftime("%d/%m/%Y, %H:%M:%S")
    lines = [
        "1. Summary", f"Meeting title\t{title}", "Attended participants\t2",
        f"Start time\t{when}", "Meeting duration\t1h 0m 0s", "",
        "2. Participants",
        "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole",
        f"Priya Patel\t{when}\t{when}\t58m 10s\tpm.riverside@nhs.net\t\tAttendee",
        f"Ravi Shah\t{when}\t{when}\t40m 0s\tlead@marchchemists.co.uk\t\tAttendee",
    ]
    return "\n".join(lines).encode("utf-16")


HELD_LOCAL = utc_to_london_naive(HELD_AT)
SAME = teams_report("Occupational health for practice teams", HELD_LOCAL)  # type: ignore[arg-type]


def test_teams_and_zoom_reports_name_their_meeting():
    teams = read_attendees(data("teams_attendance_report.csv")).meeting
    assert teams == Meeting("Occupational health for practice teams: lunchtime webinar",
                            datetime(2025, 3, 14, 12, 58, 21), 67)
    zoom = read_attendees(data("zoom_participants.csv")).meeting
    assert zoom == Meeting("OH services for pharmacy teams", datetime(2025, 3, 20, 12, 29, 40), 62)
    assert read_attendees(data("generic_attendees.csv")).meeting is None


def test_small_words_do_not_make_titles_match():
    assert title_words("The webinar for you") == {"you"}
    assert title_words("OH update: the 2025 webinar") == {"update", "2025"}


def test_the_same_meeting_needs_no_confirmation(app):
    add_directory()
    touchpoint = add_touchpoint()
    preview = preview_attendance(db.session, touchpoint, data("teams_attendance_report.csv"),
                                 "t.csv", now=NOW)
    assert preview.mismatches == []
    assert (preview.meeting_title, preview.meeting_day) == (
        "Occupational health for practice teams: lunchtime webinar", "14 March 2025")


def test_a_report_dated_days_away_needs_confirmation_and_then_saves(app):
    orgs = add_directory()
    touchpoint = add_touchpoint()
    db.session.commit()
    other_day = teams_report("Occupational health for practice teams",
                             HELD_LOCAL + timedelta(days=3))  # type: ignore[operator]
    preview = preview_attendance(db.session, touchpoint, other_day, "t.csv",
                                 now=NOW + timedelta(days=5))
    assert preview.mismatches == [
        "The report is of a meeting on 17 March 2025, but this touchpoint is on 14 March 2025."]
    before = written()
    with pytest.raises(AttendanceRejected, match="may be of another meeting"):
        confirm_attendance(db.session, touchpoint, preview, {}, user_id=None, now=NOW)
    db.session.rollback()
    assert written() == before
    confirm_attendance(db.session, touchpoint, preview, {}, user_id=None, now=NOW,
                       same_meeting=True)
    db.session.commit()
    assert live_rows(touchpoint, EngagementKind.ATTENDED) == {
        orgs.riverside.ods_code: 1, orgs.march.ods_code: 1}


def test_a_day_either_side_is_the_same_meeting(app):
    add_directory()
    touchpoint = add_touchpoint()
    next_day = teams_report("Occupational health", HELD_LOCAL + timedelta(days=1))  # type: ignore[operator]
    preview = preview_attendance(db.session, touchpoint, next_day, "t.csv",
                                 now=NOW + timedelta(days=2))
    assert preview.mismatches == []


def test_a_title_sharing_no_words_needs_confirmation(app):
    add_directory()
    touchpoint = add_touchpoint()
    other = teams_report("Flu vaccination webinar for the team", HELD_LOCAL)  # type: ignore[arg-type]
    preview = preview_attendance(db.session, touchpoint, other, "t.csv", now=NOW)
    assert preview.mismatches == [
        "The report's meeting is called \u201cFlu vaccination webinar for the team\u201d, "
        "which shares no words with \u201cOccupational health for practice teams\u201d."]
    with pytest.raises(AttendanceRejected):
        confirm_attendance(db.session, touchpoint, preview, {}, user_id=None, now=NOW)


def test_a_report_of_a_meeting_still_to_come_is_refused(manager_client, app):
    add_directory()
    touchpoint = add_touchpoint()
    db.session.commit()
    future = teams_report("Occupational health for practice teams",
                          utc_to_london_naive(utcnow() + timedelta(days=30)))  # type: ignore[arg-type]
    before = written()
    response = manager_client.post(f"/campaigns/touchpoints/{touchpoint.id}/attendance",
                                   data={"file": (io.BytesIO(future), "future.csv")},
                                   content_type="multipart/form-data")
    assert response.status_code == 409
    assert "which has not happened yet" in response.get_data(as_text=True)
    assert written() == before


def test_the_preview_page_asks_for_an_explicit_yes(manager_client, app):
    orgs = add_directory()
    touchpoint = add_touchpoint()
    db.session.commit()
    other = teams_report("Flu vaccination", HELD_LOCAL)  # type: ignore[arg-type]
    url = f"/campaigns/touchpoints/{touchpoint.id}/attendance"
    response = manager_client.post(url, data={"file": (io.BytesIO(other), "flu.csv")},
                                   content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This report may be of another meeting" in page
    assert ("Yes, this report belongs to Occupational health for practice teams, 14 March 2025"
            in page)
    payload = PAYLOAD.search(page).group(1)  # type: ignore[union-attr]
    before = written()
    refused = manager_client.post(f"{url}/confirm", data={"payload": payload})
    assert refused.status_code == 400
    assert "tick that it belongs to this touchpoint" in refused.get_data(as_text=True)
    assert written() == before
    saved = manager_client.post(f"{url}/confirm", data={"payload": payload, "same_meeting": "y"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert live_rows(touchpoint, EngagementKind.ATTENDED) == {
        orgs.riverside.ods_code: 1, orgs.march.ods_code: 1}


def test_the_command_needs_confirm_mismatch(runner, app, tmp_path):
    orgs = add_directory()
    touchpoint = add_touchpoint()
    db.session.commit()
    report = tmp_path / "flu.csv"
    report.write_bytes(teams_report("Flu vaccination", HELD_LOCAL))  # type: ignore[arg-type]
    args = ["campaigns", "import-attendance", str(touchpoint.id), str(report), "--yes"]
    before = written()
    refused = runner.invoke(args=args)
    assert refused.exit_code == 1
    assert "Report's meeting: Flu vaccination, 14 March 2025" in refused.output
    assert "run again with --confirm-mismatch" in refused.output
    assert written() == before
    saved = runner.invoke(args=[*args, "--confirm-mismatch"])
    assert saved.exit_code == 0, saved.output
    db.session.expire_all()
    assert live_rows(touchpoint, EngagementKind.ATTENDED) == {
        orgs.riverside.ods_code: 1, orgs.march.ods_code: 1}


def test_the_report_of_the_same_meeting_saves_as_before(runner, app, tmp_path):
    add_directory()
    touchpoint = add_touchpoint()
    db.session.commit()
    report = tmp_path / "same.csv"
    report.write_bytes(SAME)
    result = runner.invoke(args=["campaigns", "import-attendance", str(touchpoint.id),
                                 str(report), "--yes"])
    assert result.exit_code == 0, result.output
    assert "Check:" not in result.output
