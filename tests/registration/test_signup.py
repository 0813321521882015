"""Registering, the waiting list, cancelling and resending, without HTTP."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from engage.campaigns.models import (
    Channel,
    Engagement,
    EngagementKind,
    EngagementSource,
    TouchpointStatus,
)
from engage.database import utcnow
from engage.extensions import db
from engage.messaging.sends import registration_ref
from engage.registration import settings as terms
from engage.registration.errors import (
    AlreadyRegistered,
    EventFull,
    RegistrationClosed,
    RegistrationError,
)
from engage.registration.models import RegistrationStatus
from engage.registration.signup import cancel, registration_by_token, resend
from engage.registration.tokens import cancel_token
from tests.factories import make_touchpoint
from tests.registration.support import MAILING, SECRET, make_event, messages, sign_up, utc


def test_a_registration_gets_a_place_an_email_with_the_invitation_and_an_engagement(app):
    event = make_event()
    registration = sign_up(event, "Sam.Jones@Example-Surgery.nhs.uk")

    assert registration.status is RegistrationStatus.REGISTERED
    assert registration.email_key == "sam.jones@example-surgery.nhs.uk"
    [message] = messages("registration_confirmed")
    assert message.send_ref == registration_ref(event.touchpoint_id)
    assert message.to_email == "Sam.Jones@example-surgery.nhs.uk"
    # The joining link as written (not a tracked short link), and a footer for a registrant.
    assert "https://teams.example/join/abc" in message.text_body
    assert 'href="https://teams.example/join/abc"' in message.html_body
    assert "you registered for a webinar or training session" in message.text_body
    assert "contact for occupational health outreach" not in message.text_body
    token = cancel_token(SECRET, registration.id, registration.nonce)
    assert f"https://engage.test/register/cancel/{token}" in message.text_body
    calendar = Calendar.from_ical(base64.b64decode(message.attachments[0]["content_b64"]))
    assert str(calendar.walk("VEVENT")[0]["uid"]) == event.touchpoint.ical_uid
    [row] = db.session.scalars(select(Engagement).where(
        Engagement.source == EngagementSource.REGISTRATION)).all()
    assert (row.kind, row.organisation_id, row.touchpoint_id) == (
        EngagementKind.REGISTERED, registration.organisation_id, event.touchpoint_id)
    assert row.tier.value == "engaged"


def test_the_same_address_in_another_case_is_already_registered_and_nothing_changes(app):
    event = make_event()
    first = sign_up(event, "sam@example.org")
    with pytest.raises(AlreadyRegistered) as refused:
        sign_up(event, "SAM@example.org")
    assert refused.value.registration_id == first.id
    assert len(messages()) == 1


def test_when_full_the_next_person_waits_and_is_told(app):
    event = make_event(capacity=1)
    sign_up(event, "first@example.org")
    second = sign_up(event, "second@example.org")
    assert second.status is RegistrationStatus.WAITING
    [waiting] = messages("registration_waiting")
    assert waiting.to_email == "second@example.org"
    assert waiting.attachments == []
    assert "teams.example" not in waiting.text_body  # no joining link without a place


def test_a_full_event_without_a_waiting_list_refuses_and_keeps_nothing(app):
    event = make_event(capacity=1, waiting_list=False)
    sign_up(event, "first@example.org")
    with pytest.raises(EventFull):
        sign_up(event, "second@example.org")


def test_cancelling_moves_the_first_on_the_waiting_list_up_and_emails_them(app):
    event = make_event(capacity=1)
    now = utcnow()
    first = sign_up(event, "first@example.org", now=now)
    second = sign_up(event, "second@example.org", now=now + timedelta(seconds=1))
    third = sign_up(event, "third@example.org", now=now + timedelta(seconds=2))

    moved = cancel(db.session, first, mailing=MAILING, now=now + timedelta(minutes=1))

    assert moved == [second]
    assert first.status is RegistrationStatus.CANCELLED
    assert second.status is RegistrationStatus.REGISTERED and second.promoted_at is not None
    assert third.status is RegistrationStatus.WAITING
    [promoted] = messages("registration_promoted")
    assert promoted.to_email == "second@example.org"
    assert promoted.attachments[0]["filename"] == "invitation.ics"
    # Cancelling twice changes nothing more.
    assert cancel(db.session, first, mailing=MAILING, now=now + timedelta(minutes=2)) == []


def test_someone_waiting_who_cancels_moves_nobody_up(app):
    event = make_event(capacity=1)
    sign_up(event, "first@example.org")
    waiting = sign_up(event, "second@example.org")
    assert cancel(db.session, waiting, mailing=MAILING, now=utcnow()) == []
    assert messages("registration_promoted") == []


def test_registering_again_after_cancelling_reuses_the_row_with_a_new_cancel_link(app):
    event = make_event()
    first = sign_up(event, "sam@example.org")
    old_token = cancel_token(SECRET, first.id, first.nonce)
    cancel(db.session, first, mailing=MAILING, now=utcnow())
    again = sign_up(event, "sam@example.org")
    assert again.id == first.id and again.status is RegistrationStatus.REGISTERED
    assert registration_by_token(db.session, SECRET, old_token) is None
    assert registration_by_token(
        db.session, SECRET, cancel_token(SECRET, again.id, again.nonce)) is again
    # The engagement is recorded once per registration.
    assert len(db.session.scalars(select(Engagement).where(
        Engagement.source == EngagementSource.REGISTRATION)).all()) == 1
    assert len(messages("registration_confirmed")) == 2


@pytest.mark.parametrize("token", ["", "garbage", "1-", "99999-" + "a" * 40,
                                   "1-" + "a" * 40, "-1-" + "b" * 40, "1-" + "é" * 30])
def test_unknown_or_garbled_cancel_tokens_name_nothing(app, token):
    make_event()
    assert registration_by_token(db.session, SECRET, token) is None


def test_resending_goes_once_in_its_window(app):
    event = make_event()
    registration = sign_up(event, "sam@example.org")
    now = utcnow()
    assert resend(db.session, registration, mailing=MAILING, now=now) is True
    assert resend(db.session, registration, mailing=MAILING, now=now) is False
    assert len(messages("registration_confirmed")) == 2


@pytest.mark.parametrize("change", ["cancelled", "past", "closed", "closing_passed"])
def test_no_registration_for_a_cancelled_past_or_closed_event(app, change):
    now = utcnow()
    event = make_event()
    touchpoint = event.touchpoint
    if change == "cancelled":
        touchpoint.status = TouchpointStatus.CANCELLED
    elif change == "past":
        touchpoint.planned_at = now - timedelta(hours=1)
    elif change == "closed":
        event.is_open = False
    else:
        event.closes_at = now - timedelta(minutes=1)
    with pytest.raises(RegistrationClosed):
        sign_up(event, "sam@example.org", now=now)
    assert messages() == []


def test_registration_cannot_open_for_a_newsletter_or_a_past_session(app):
    newsletter = make_touchpoint(channel=Channel.NEWSLETTER,
                                 planned_at=utcnow() + timedelta(days=3))
    with pytest.raises(RegistrationError, match="only webinars"):
        terms.save_terms(db.session, newsletter, terms.Terms(), page_path=str, user_id=None,
                         now=utcnow())
    past = make_touchpoint(planned_at=utc(2021, 1, 1))
    with pytest.raises(RegistrationError, match="already started"):
        terms.save_terms(db.session, past, terms.Terms(), page_path=str, user_id=None,
                         now=utcnow())


def test_closing_time_after_the_start_is_refused(app):
    touchpoint = make_touchpoint(planned_at=utcnow() + timedelta(days=3))
    with pytest.raises(RegistrationError, match="must close by the start"):
        terms.save_terms(db.session, touchpoint,
                         terms.Terms(closes_at=touchpoint.planned_at + timedelta(minutes=1)),
                         page_path=str, user_id=None, now=utcnow())


def test_opening_registration_makes_a_short_link_to_the_page(app):
    event = make_event()
    link = event.short_link
    assert link is not None and link.medium.value == "link"
    assert link.touchpoint_id == event.touchpoint_id
    assert link.target_url == f"/register/{event.code}"


def test_when_an_event_is_cancelled_everyone_still_registered_or_waiting_is_told_once(app):
    from engage.registration.signup import tell_of_cancelled_events

    event = make_event(capacity=1)
    now = utcnow()
    first = sign_up(event, "first@example.org", now=now)
    sign_up(event, "second@example.org", now=now + timedelta(seconds=1))  # waiting
    gone = sign_up(event, "gone@example.org", now=now + timedelta(seconds=2))
    cancel(db.session, gone, mailing=MAILING, now=now + timedelta(seconds=3))
    past = make_event()
    sign_up(past, "late@example.org", now=now)
    past.touchpoint.planned_at = now - timedelta(days=2)  # it has happened since
    assert tell_of_cancelled_events(db.session, mailing=MAILING, now=now) == 0  # none cancelled

    event.touchpoint.status = TouchpointStatus.CANCELLED
    past.touchpoint.status = TouchpointStatus.CANCELLED  # already happened: nobody to tell
    db.session.commit()
    assert tell_of_cancelled_events(db.session, mailing=MAILING, now=now) == 2
    assert tell_of_cancelled_events(db.session, mailing=MAILING, now=now) == 0  # once only

    told = messages("registration_cancelled")
    assert sorted(m.to_email for m in told) == ["first@example.org", "second@example.org"]
    message = next(m for m in told if m.to_email == "first@example.org")
    assert message.subject == f"Cancelled: {event.touchpoint.title}"
    assert "has been cancelled" in message.text_body
    assert "teams.example" not in message.text_body  # no joining link for a cancelled event
    calendar = Calendar.from_ical(base64.b64decode(message.attachments[0]["content_b64"]))
    assert str(calendar.walk("VEVENT")[0]["status"]) == "CANCELLED"
    assert first.status is RegistrationStatus.REGISTERED  # the list still shows who signed up
