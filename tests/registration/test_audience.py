"""Registrants in other features: reminders go to them, the attendance import knows them."""

from __future__ import annotations

from datetime import timedelta

from engage.campaigns.attendance.files import Attendee
from engage.campaigns.attendance.matching import BY_CONTACT, BY_REGISTRATION, match_attendees
from engage.campaigns.models import Channel, EngagementKind, TouchpointStatus
from engage.extensions import db
from engage.registration.signup import cancel
from engage.reminders.expand import expand_due
from tests.factories import make_contact, make_engagement, make_organisation, make_touchpoint
from tests.registration.support import MAILING, make_event, sign_up, utc
from tests.reminders.support import CONFIG, outbox, rule

START = utc(2026, 11, 25, 14, 0)
BEFORE = utc(2026, 11, 20, 9, 0)  # when people register
DAY_BEFORE = utc(2026, 11, 24, 9, 0)  # when the reminder rule is expanded


def test_reminders_go_to_invitees_and_registrants_each_address_once(app):
    event = make_event(planned_at=START, now=BEFORE)
    touchpoint = event.touchpoint
    invited = make_organisation()
    make_contact(invited, email="invited@example.org", name="Invited Person")
    make_engagement(invited, touchpoint=touchpoint, kind=EngagementKind.INVITED,
                    channel=Channel.WEBINAR, occurred_at=BEFORE)
    # An invitee who registered too, in other capitals: one reminder.
    sign_up(event, "INVITED@example.org", now=BEFORE)
    # A registrant who is a contact of an organisation that was not invited: as that contact.
    known = make_organisation()
    contact = make_contact(known, email="known@example.org")
    sign_up(event, "known@example.org", now=BEFORE, organisation=known)
    # A registrant nobody knew about.
    new = sign_up(event, "new.person@example.org", now=BEFORE)
    # The waiting list and cancellations get no reminder.
    cancelled = sign_up(event, "gone@example.org", now=BEFORE)
    cancel(db.session, cancelled, mailing=MAILING, now=BEFORE)
    made = rule(touchpoint)
    db.session.commit()

    assert expand_due(db.session, now=DAY_BEFORE, config=CONFIG) == 3
    rows = outbox("reminder")
    assert sorted(r.to_email.lower() for r in rows) == [
        "invited@example.org", "known@example.org", "new.person@example.org"]
    by_address = {r.to_email.lower(): r for r in rows}
    assert by_address["known@example.org"].contact_id == contact.id
    newcomer = by_address["new.person@example.org"]
    assert newcomer.contact_id is None
    assert newcomer.idempotency_key == f"reminder:{made.id}:20261125T1400Z:r{new.id}"
    assert newcomer.organisation_id == new.organisation_id
    assert newcomer.attachments[0]["filename"] == "invitation.ics"
    # And the next tick queues nothing twice.
    assert expand_due(db.session, now=DAY_BEFORE + timedelta(minutes=5), config=CONFIG) == 0


def test_attendance_matches_a_registrants_address_before_contacts_and_domains(app):
    event = make_event(planned_at=START, now=BEFORE)
    registered_at = make_organisation()
    other = make_organisation()
    # The same address is a contact elsewhere: the registration, made for this event, wins.
    make_contact(other, email="sam@nhs.net")
    sign_up(event, "Sam@NHS.net", now=BEFORE, organisation=registered_at)
    make_contact(other, email="pat@example.org")

    result = match_attendees(db.session, [Attendee("Sam", "sam@nhs.net"),
                                          Attendee("Pat", "pat@example.org")],
                             event.touchpoint_id)
    assert result.matched["sam@nhs.net"].organisation_id == registered_at.id
    assert result.matched["sam@nhs.net"].how == BY_REGISTRATION
    assert result.matched["pat@example.org"].how == BY_CONTACT
    # Without the touchpoint (other callers), matching is as it was.
    plain = match_attendees(db.session, [Attendee("Sam", "sam@nhs.net")])
    assert plain.matched["sam@nhs.net"].organisation_id == other.id


def test_the_attendance_preview_counts_a_registrants_match_as_by_address(app):
    from engage.campaigns.attendance.imports import preview_attendance
    from engage.registration.models import Registration, RegistrationStatus

    touchpoint = make_touchpoint(planned_at=utc(2025, 3, 14, 13), actual_at=utc(2025, 3, 14, 13),
                                 status=TouchpointStatus.DONE, duration_minutes=60)
    org = make_organisation()
    # Registered before the event (written directly: registration closed when it started).
    db.session.add(Registration(touchpoint_id=touchpoint.id, name="Sam", email="sam@nhs.net",
                                email_key="sam@nhs.net", organisation_id=org.id,
                                role="Nurse", status=RegistrationStatus.REGISTERED,
                                nonce="n" * 32))
    db.session.flush()
    data = b"Name,Email,Duration (minutes)\r\nSam Jones,Sam@nhs.net,55\r\n"
    preview = preview_attendance(db.session, touchpoint, data, "list.csv",
                                 now=utc(2025, 3, 14, 16))
    [matched] = preview.matched
    assert (matched.organisation_id, matched.by_contact, matched.by_domain) == (org.id, 1, 0)
    assert preview.unmatched == []
