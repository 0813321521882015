"""A minimum time in the meeting counts as attending; below it, "joined briefly", not counted."""

from __future__ import annotations

import io

from sqlalchemy import select

from engage.campaigns.attendance.imports import (
    attended_minimum,
    confirm_attendance,
    preview_attendance,
)
from engage.campaigns.models import AttendanceImport, Engagement, EngagementKind
from engage.campaigns.reach import ReachCount, reach_counts, touchpoint_summary
from engage.config import load_settings
from engage.extensions import db
from tests.campaigns.attendance_support import NOW, add_directory, add_touchpoint, invite

# Priya stays the hour; Ravi (March Chemists) drops in for three minutes.
SHORT_STAY = (b"Name,Email,Duration\n"
              b"Priya Patel,pm.riverside@nhs.net,45\n"
              b"Ravi Shah,lead@marchchemists.co.uk,3\n")


def test_the_minimum_is_the_setting_or_half_the_meeting_whichever_is_less(app):
    assert attended_minimum(10, None) == 10
    assert attended_minimum(10, 60) == 10
    assert attended_minimum(10, 15) == 8
    assert attended_minimum(10, 1) == 1
    assert load_settings({})["ATTENDANCE_MIN_MINUTES"] == 10
    assert load_settings({"ATTENDANCE_MIN_MINUTES": "5"})["ATTENDANCE_MIN_MINUTES"] == 5


def test_a_short_stay_is_kept_as_joined_briefly_and_counted_nowhere(app):
    orgs = add_directory()
    touchpoint = add_touchpoint()
    invite(touchpoint, orgs.riverside, orgs.march)
    db.session.commit()
    preview = preview_attendance(db.session, touchpoint, SHORT_STAY, "short.csv", now=NOW,
                                 min_minutes=10)
    assert (preview.matched_people, preview.matched_brief, preview.min_minutes) == (2, 1, 10)
    outcome = confirm_attendance(db.session, touchpoint, preview, {}, user_id=None, now=NOW)
    db.session.commit()
    assert outcome.attended == {orgs.riverside.id: 1}
    assert outcome.brief == {orgs.march.id: 1}
    assert outcome.absent == []  # March was there, briefly: not absent either
    brief = db.session.scalar(select(Engagement).where(
        Engagement.kind == EngagementKind.JOINED_BRIEFLY))
    assert (brief.organisation_id, brief.people, brief.counted, brief.voided_at) == (
        orgs.march.id, 1, False, None)
    record = db.session.get(AttendanceImport, outcome.record.id)
    assert record.organisations_attended == 1
    # Figures: March counts only as invited, never as attending or reached by attending.
    summary = {s.kind: s.organisations for s in touchpoint_summary(db.session, touchpoint.id)}
    assert summary == {EngagementKind.INVITED: 2, EngagementKind.ATTENDED: 1}
    assert reach_counts(db.session, [touchpoint.id]) == {touchpoint.id: ReachCount(1, 2)}


def test_half_a_short_meeting_is_enough(app):
    orgs = add_directory()
    touchpoint = add_touchpoint(duration_minutes=6)
    db.session.commit()
    preview = preview_attendance(db.session, touchpoint, SHORT_STAY, "short.csv", now=NOW,
                                 min_minutes=10)
    assert (preview.min_minutes, preview.matched_brief) == (3, 0)
    outcome = confirm_attendance(db.session, touchpoint, preview, {}, user_id=None, now=NOW)
    assert outcome.attended == {orgs.riverside.id: 1, orgs.march.id: 1}


def test_the_pages_show_who_joined_briefly(manager_client, app):
    orgs = add_directory()
    touchpoint = add_touchpoint()
    invite(touchpoint, orgs.riverside, orgs.march)
    db.session.commit()
    response = manager_client.post(f"/campaigns/touchpoints/{touchpoint.id}/attendance",
                                   data={"file": (io.BytesIO(SHORT_STAY), "short.csv")},
                                   content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 person stayed less than 10 minutes" in page
    payload = page.split('name="payload" type="hidden" value="')[1].split('"')[0]
    saved = manager_client.post(f"/campaigns/touchpoints/{touchpoint.id}/attendance/confirm",
                                data={"payload": payload}, follow_redirects=True)
    result = saved.get_data(as_text=True)
    assert "1 organisations attended, 1 joined briefly (not counted), 0 invited and absent" in (
        result)
    assert "Joined briefly (not counted as attending)" in result


def test_the_command_says_who_joined_briefly(runner, app, tmp_path):
    orgs = add_directory()
    touchpoint = add_touchpoint()
    invite(touchpoint, orgs.riverside, orgs.march)
    db.session.commit()
    short = tmp_path / "short.csv"
    short.write_bytes(SHORT_STAY)
    result = runner.invoke(args=["campaigns", "import-attendance", str(touchpoint.id),
                                 str(short), "--yes"])
    assert result.exit_code == 0, result.output
    assert "FB456    March Chemists: 1 (1 joined briefly, not counted)" in result.output
    assert "1 joined briefly (not counted)" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(Engagement.counted).where(
        Engagement.kind == EngagementKind.JOINED_BRIEFLY)) is False
