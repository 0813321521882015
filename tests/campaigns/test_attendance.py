"""Previewing and confirming attendance imports: what is written, once, and only on confirm."""

from __future__ import annotations

from dataclasses import replace
from secrets import token_hex

import pytest
from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.campaigns.attendance.imports import (
    AttendanceRejected,
    confirm_attendance,
    open_preview,
    preview_attendance,
    seal_preview,
)
from engage.campaigns.models import (
    AttendanceImport,
    Campaign,
    Channel,
    Engagement,
    EngagementKind,
    EngagementSource,
    TouchpointStatus,
)
from engage.directory.models import Organisation
from engage.extensions import db
from tests.campaigns.attendance_support import (
    HELD_AT,
    NOW,
    add_directory,
    add_touchpoint,
    data,
    invite,
    live_rows,
    written,
)
from tests.factories import make_user

KEYS = ["test-key-for-previews"]
TEAMS = "teams_attendance_report.csv"


def preview_of(touchpoint, name: str = TEAMS, filename: str | None = None):
    return preview_attendance(db.session, touchpoint, data(name), filename or name, now=NOW)


def unmatched_index(preview, name: str) -> int:
    return next(i for i, u in enumerate(preview.unmatched) if u.name == name)


def test_preview_matches_the_teams_report_and_writes_nothing(app):
    orgs = add_directory()
    touchpoint = add_touchpoint()
    invite(touchpoint, orgs.riverside, orgs.chatteris)
    db.session.commit()
    before = written()
    preview = preview_of(touchpoint)
    assert (preview.layout, preview.attendees, preview.organisers) == ("teams", 7, 1)
    assert [(m.ods_code, m.people, m.by_contact, m.by_domain) for m in preview.matched] == [
        ("D81002", 1, 0, 1),  # Fenland Health Centre: Aisha, by domain
        ("D81001", 2, 1, 1),  # Riverside Surgery: Priya (contact) and Tom (domain)
        ("FA123", 1, 1, 0),  # Wisbech Pharmacy: its shared NHSmail box
    ]
    assert {u.name for u in preview.unmatched} == {"Dr Chris Evans", "Jo Bloggs (Guest)",
                                                   "Dr Lee Wong"}
    db.session.commit()
    assert written() == before


def test_confirm_records_attended_and_invited_but_absent_in_one_go(app):
    orgs = add_directory()
    campaign = Campaign(name="Launch", start_date=HELD_AT.date(), end_date=HELD_AT.date())
    db.session.add(campaign)
    touchpoint = add_touchpoint(campaign=campaign)
    invite(touchpoint, orgs.riverside, orgs.fenland, orgs.chatteris, orgs.march)
    manager = make_user()
    preview = preview_of(touchpoint)
    placed = {unmatched_index(preview, "Dr Chris Evans"): orgs.march.id,
              unmatched_index(preview, "Jo Bloggs (Guest)"): None,
              unmatched_index(preview, "Dr Lee Wong"): None}

    outcome = confirm_attendance(db.session, touchpoint, preview, placed, user_id=manager.id,
                                 now=NOW)
    db.session.commit()

    record = db.session.get(AttendanceImport, outcome.record.id)
    assert (record.filename, record.layout, record.user_id, record.at) == (TEAMS, "teams",
                                                                          manager.id, NOW)
    assert (record.attendees, record.organisations_attended, record.organisations_absent,
            record.unmatched) == (7, 4, 1, 2)
    assert len(record.sha256) == 64
    assert live_rows(touchpoint, EngagementKind.ATTENDED) == {
        "D81001": 2, "D81002": 1, "FA123": 1, "FB456": 1}
    # Chatteris was invited and nobody came; March was invited and Dr Evans was placed there.
    assert live_rows(touchpoint, EngagementKind.ABSENT) == {"D81003": 0}
    rows = db.session.scalars(select(Engagement).where(
        Engagement.source == EngagementSource.ATTENDANCE)).all()
    assert {r.source_ref for r in rows} == {
        f"{record.id}:{org.id}:attended" for org in
        (orgs.riverside, orgs.fenland, orgs.wisbech, orgs.march)} | {
        f"{record.id}:{orgs.chatteris.id}:absent"}
    for row in rows:
        assert (row.occurred_at, row.channel, row.campaign_id, row.created_by_id) == (
            HELD_AT, Channel.WEBINAR, campaign.id, manager.id)
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "campaigns.attendance_import"))
    assert event.actor_email == manager.email
    assert event.target_id == str(record.id)
    assert "4 organisations attended, 1 invited and absent, 2 not from a practice" in event.summary


def test_no_name_or_address_of_an_attendee_is_stored(app):
    orgs = add_directory()
    touchpoint = add_touchpoint()
    preview = preview_of(touchpoint)
    placed = {i: orgs.march.id for i in range(len(preview.unmatched))}
    confirm_attendance(db.session, touchpoint, preview, placed, user_id=None, now=NOW)
    db.session.commit()
    stored = " ".join(
        str(value)
        for model in (Engagement, AttendanceImport, AuditEvent)
        for row in db.session.scalars(select(model))
        for value in vars(row).values()
    ).lower()
    for attendee in ("priya", "pm.riverside", "tom.baker", "aisha", "chris.evans", "bloggs",
                     "lee.wong", "whitfield"):
        assert attendee not in stored


def test_every_unmatched_attendee_must_be_placed_before_anything_is_saved(app):
    orgs = add_directory()
    touchpoint = add_touchpoint()
    preview = preview_of(touchpoint)
    db.session.commit()
    before = written()
    with pytest.raises(AttendanceRejected, match=r"Still to place: Jo Bloggs \(Guest\); Dr Lee"):
        confirm_attendance(db.session, touchpoint, preview, {0: orgs.march.id}, user_id=None,
                           now=NOW)
    db.session.rollback()
    assert written() == before


def test_the_same_file_again_is_recognised_and_not_counted_twice(app):
    orgs = add_directory()
    touchpoint = add_touchpoint()
    manager = make_user(email="kim@example.org")
    preview = preview_of(touchpoint)
    placed = dict.fromkeys(range(len(preview.unmatched)))
    confirm_attendance(db.session, touchpoint, preview, placed, user_id=manager.id, now=NOW)
    db.session.commit()
    before = written()

    # A second upload of the same bytes (under another name) is refused at the preview ...
    with pytest.raises(AttendanceRejected) as refused:
        preview_of(touchpoint, filename="copy of report.csv")
    assert refused.value.status == 409
    assert "already imported for this touchpoint on 14 March 2025 by kim@example.org" in str(
        refused.value)
    # ... and a second confirmation of the first preview (another tab) is refused too.
    with pytest.raises(AttendanceRejected, match="already imported"):
        confirm_attendance(db.session, touchpoint, preview, placed, user_id=None, now=NOW)
    db.session.rollback()
    assert written() == before
    assert live_rows(touchpoint, EngagementKind.ATTENDED)["D81001"] == 2
    # The same file for another touchpoint is a different meeting's record: allowed.
    other = add_touchpoint(title="Repeat session")
    assert preview_of(other).matched
    assert orgs.riverside.id in {m.organisation_id for m in preview_of(other).matched}


def test_a_later_list_voids_absences_it_disproves_and_adds_no_second_absence(app):
    orgs = add_directory()
    touchpoint = add_touchpoint(channel=Channel.TRAINING)
    invite(touchpoint, orgs.riverside, orgs.federation, orgs.chatteris)
    first = preview_of(touchpoint, "generic_attendees.csv")  # Riverside, Fenland, March
    confirm_attendance(db.session, touchpoint, first, {}, user_id=None, now=NOW)
    assert live_rows(touchpoint, EngagementKind.ABSENT) == {"Y01234": 0, "D81003": 0}

    second = preview_of(touchpoint, "semicolon_attendees.csv")  # Riverside, the federation
    outcome = confirm_attendance(db.session, touchpoint, second, {}, user_id=None, now=NOW)
    db.session.commit()
    assert outcome.voided_absences == 1
    assert outcome.absent == []  # Chatteris is already recorded as absent
    assert live_rows(touchpoint, EngagementKind.ABSENT) == {"D81003": 0}
    voided = db.session.scalar(select(Engagement).where(
        Engagement.organisation_id == orgs.federation.id, Engagement.kind == EngagementKind.ABSENT))
    assert voided.voided_at == NOW
    assert voided.void_reason == f"Attended, according to attendance import {outcome.record.id}"


def test_a_cancelled_touchpoint_takes_no_attendance(app):
    add_directory()
    touchpoint = add_touchpoint(status=TouchpointStatus.CANCELLED)
    with pytest.raises(AttendanceRejected, match="was cancelled") as refused:
        preview_of(touchpoint)
    assert refused.value.status == 409


def test_a_file_with_no_matching_organisation_previews_everyone_as_unmatched(app):
    add_directory()
    touchpoint = add_touchpoint()
    preview = preview_of(touchpoint, "no_matching_organisation.csv")
    assert preview.matched == []
    assert [u.email for u in preview.unmatched] == ["alex.morgan@example.com",
                                                    "jamie.lee@nhs.net"]


def test_an_organisation_removed_since_the_preview_stops_the_save(app):
    orgs = add_directory()
    touchpoint = add_touchpoint()
    preview = preview_of(touchpoint, "generic_attendees.csv")
    db.session.delete(db.session.get(Organisation, orgs.fenland.id))
    db.session.flush()
    with pytest.raises(AttendanceRejected, match="since been removed"):
        confirm_attendance(db.session, touchpoint, preview, {}, user_id=None, now=NOW)


# --- the signed preview --------------------------------------------------------------------------


def test_the_preview_survives_the_round_trip_through_the_page(app):
    add_directory()
    touchpoint = add_touchpoint()
    preview = preview_of(touchpoint)
    assert open_preview(seal_preview(preview, KEYS), KEYS, touchpoint.id) == preview


def test_an_old_key_still_opens_a_preview_after_rotation(app):
    add_directory()
    touchpoint = add_touchpoint()
    preview = preview_of(touchpoint)
    token = seal_preview(preview, ["old-key"])
    assert open_preview(token, ["old-key", "new-key"], touchpoint.id) == preview


@pytest.mark.parametrize(("spoil", "says"), [
    (lambda token: token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),
     "could not be checked"),
    (lambda token: "", "preview is missing"),
    (lambda token: "x" * 400_000, "preview is missing"),
])
def test_an_altered_preview_is_refused(app, spoil, says):
    add_directory()
    touchpoint = add_touchpoint()
    token = seal_preview(preview_of(touchpoint), KEYS)
    with pytest.raises(AttendanceRejected, match=says):
        open_preview(spoil(token), KEYS, touchpoint.id)


def test_an_old_preview_or_one_for_another_touchpoint_is_refused(app):
    add_directory()
    touchpoint = add_touchpoint()
    token = seal_preview(preview_of(touchpoint), KEYS)
    with pytest.raises(AttendanceRejected, match="more than 1 hours old|hours old"):
        open_preview(token, KEYS, touchpoint.id, max_age=-1)
    with pytest.raises(AttendanceRejected, match="belongs to another touchpoint"):
        open_preview(token, KEYS, touchpoint.id + 1)


def test_a_preview_too_big_for_a_form_is_refused(app):
    add_directory()
    touchpoint = add_touchpoint()
    preview = preview_of(touchpoint)
    # Random text does not compress: the most a list of 3,000 long names and addresses can be.
    huge = replace(preview, unmatched=[
        replace(preview.unmatched[0], name=token_hex(60), email=f"{token_hex(60)}@x.example")
        for _ in range(3000)])
    with pytest.raises(AttendanceRejected, match="too many people"):
        seal_preview(huge, KEYS)


def test_two_confirmations_racing_count_the_file_once(app, monkeypatch):
    add_directory()
    touchpoint = add_touchpoint()
    preview = preview_of(touchpoint, "generic_attendees.csv")
    confirm_attendance(db.session, touchpoint, preview, {}, user_id=None, now=NOW)
    db.session.commit()
    before = written()
    # The other request's row is not yet visible when this one checks for duplicates.
    monkeypatch.setattr("engage.campaigns.attendance.imports._refuse_duplicate", lambda *args: None)
    with pytest.raises(AttendanceRejected, match="a moment ago") as refused:
        confirm_attendance(db.session, touchpoint, preview, {}, user_id=None, now=NOW)
    assert refused.value.status == 409
    db.session.rollback()
    assert written() == before
