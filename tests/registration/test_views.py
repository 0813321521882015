"""The public registration pages, and every kind of bad input they must refuse cleanly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engage.campaigns.models import Engagement, TouchpointStatus
from engage.database import utcnow
from engage.directory.models import OrgStatus
from engage.extensions import db, limiter
from engage.registration.models import Registration, RegistrationStatus
from engage.registration.tokens import cancel_token, form_token
from tests.factories import make_contact, make_organisation
from tests.registration.support import make_event, messages, post, registrations, sign_up


def _nothing_written(touchpoint_id: int) -> None:
    assert registrations(touchpoint_id) == []
    assert messages() == []
    assert db.session.scalar(select(func.count()).select_from(Engagement)) == 0


def test_the_page_shows_the_event_and_how_details_are_used_without_the_joining_link(app):
    event = make_event()
    response = app.test_client().get(f"/register/{event.code}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert event.touchpoint.title in page
    assert "How we use your details" in page and "/privacy" in page
    assert "teams.example" not in page
    assert 'class="pub-trap" aria-hidden="true"' in page
    assert "Set-Cookie" not in response.headers


def test_registering_with_an_ods_code_gives_a_place_and_the_confirmation_page(app):
    event = make_event()
    org = make_organisation(ods_code="D81001")
    db.session.commit()
    client = app.test_client()
    response = post(client, app, event, organisation="d81001")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/register/{event.code}/done/registered")
    [registration] = registrations(event.touchpoint_id)
    assert registration.organisation_id == org.id
    assert (registration.name, registration.role) == ("Sam Jones", "Practice nurse")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You are registered" in page
    assert len(messages("registration_confirmed")) == 1


def test_the_organisation_can_be_found_by_postcode_or_name(app):
    event = make_event()
    org = make_organisation(postcode="PE13 1AB", name="RIVERSIDE SURGERY")
    db.session.commit()
    client = app.test_client()
    assert post(client, app, event, organisation="pe131ab").status_code == 303
    assert post(client, app, event, organisation="Riverside Surgery",
                email="other@example.org").status_code == 303
    assert {r.organisation_id for r in registrations(event.touchpoint_id)} == {org.id}


def test_a_blank_organisation_comes_from_the_known_contact(app):
    event = make_event()
    org = make_organisation()
    make_contact(org, email="Known.Person@example.org")
    db.session.commit()
    response = post(app.test_client(), app, event, email="known.person@example.org")
    assert response.status_code == 303
    assert registrations(event.touchpoint_id)[0].organisation_id == org.id


@pytest.mark.parametrize("typed, says", [
    ("ZZ999", "We could not find &#39;ZZ999&#39;"),
    ("", "Enter your organisation"),
])
def test_an_unknown_organisation_is_refused_with_what_to_type(app, typed, says):
    event = make_event()
    db.session.commit()
    response = post(app.test_client(), app, event, organisation=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert says in page and "ODS code" in page
    assert 'value="Sam Jones"' in page  # what was typed is kept
    _nothing_written(event.touchpoint_id)


def test_a_closed_organisation_is_refused(app):
    event = make_event()
    make_organisation(ods_code="C11111", status=OrgStatus.CLOSED)
    db.session.commit()
    response = post(app.test_client(), app, event, organisation="C11111")
    assert response.status_code == 400
    assert "is closed" in response.get_data(as_text=True)
    _nothing_written(event.touchpoint_id)


@pytest.mark.parametrize("email", ["not-an-email", "sam@", "sam@@example.org", "a b@example.org"])
def test_an_invalid_email_is_refused_with_a_clear_message(app, email):
    event = make_event()
    make_organisation(ods_code="D81001")
    db.session.commit()
    response = post(app.test_client(), app, event, organisation="D81001", email=email)
    assert response.status_code == 400
    assert "Enter an email address in the correct format" in response.get_data(as_text=True)
    _nothing_written(event.touchpoint_id)


def test_missing_fields_are_each_named(app):
    event = make_event()
    db.session.commit()
    response = post(app.test_client(), app, event, name="", email="", role="")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("Enter your full name", "Enter your work email address", "Enter your role"):
        assert message in page
    _nothing_written(event.touchpoint_id)


def test_an_address_already_registered_is_told_so_and_offered_the_confirmation_again(app):
    event = make_event()
    org = make_organisation(ods_code="D81001")
    sign_up(event, "sam.jones@example-surgery.nhs.uk", organisation=org)
    db.session.commit()
    client = app.test_client()
    response = post(client, app, event, organisation="D81001",
                    email="SAM.JONES@example-surgery.nhs.uk", name="Someone Else")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "already registered" in page
    assert "Sam Jones" not in page  # nothing about the registration beyond that it exists
    assert [r.name for r in registrations(event.touchpoint_id)] == ["Sam Jones"]
    assert len(messages()) == 1

    token = form_token(app.config["SECRET_KEY"], event.touchpoint_id, utcnow())
    resent = client.post(f"/register/{event.code}/resend",
                         data={"email": "sam.jones@example-surgery.nhs.uk", "token": token})
    assert resent.status_code == 200
    assert len(messages("registration_confirmed")) == 2
    # An address that is not registered gets the same answer, and nothing is sent.
    other = client.post(f"/register/{event.code}/resend",
                        data={"email": "nobody@example.org", "token": token})
    assert other.get_data(as_text=True) == resent.get_data(as_text=True)
    assert len(messages()) == 2


def test_a_resend_without_a_good_token_is_refused(app):
    event = make_event()
    sign_up(event, "sam@example.org")
    db.session.commit()
    response = app.test_client().post(f"/register/{event.code}/resend",
                                      data={"email": "sam@example.org", "token": "forged"})
    assert response.status_code == 400
    assert len(messages()) == 1


def test_a_full_event_offers_the_waiting_list_and_says_so(app):
    event = make_event(capacity=1)
    make_organisation(ods_code="D81001")
    sign_up(event, "first@example.org")
    db.session.commit()
    client = app.test_client()
    page = client.get(f"/register/{event.code}").get_data(as_text=True)
    assert "This event is full" in page and "Join the waiting list" in page
    response = post(client, app, event, organisation="D81001")
    assert response.headers["Location"].endswith("/done/waiting")
    assert "You are on the waiting list" in client.get(
        response.headers["Location"]).get_data(as_text=True)
    assert registrations(event.touchpoint_id)[1].status is RegistrationStatus.WAITING


def test_a_full_event_without_a_waiting_list_refuses(app):
    event = make_event(capacity=1, waiting_list=False)
    make_organisation(ods_code="D81001")
    sign_up(event, "first@example.org")
    db.session.commit()
    client = app.test_client()
    page = client.get(f"/register/{event.code}").get_data(as_text=True)
    assert "This event is full" in page and "waiting list" in page and "<form" not in page
    response = post(client, app, event, organisation="D81001")
    assert response.status_code == 409
    assert "no waiting list" in response.get_data(as_text=True)
    assert len(registrations(event.touchpoint_id)) == 1
    assert len(messages()) == 1


@pytest.mark.parametrize("change, says", [
    ("cancelled", "This event has been cancelled."),
    ("past", "This event has already taken place."),
    ("closed", "Registration for this event is closed."),
    ("closing_passed", "Registration for this event closed on"),
])
def test_a_cancelled_past_or_closed_event_answers_410(app, change, says):
    event = make_event()
    make_organisation(ods_code="D81001")
    if change == "cancelled":
        event.touchpoint.status = TouchpointStatus.CANCELLED
    elif change == "past":
        event.touchpoint.planned_at = utcnow() - timedelta(hours=1)
    elif change == "closed":
        event.is_open = False
    else:
        event.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    client = app.test_client()
    assert client.get(f"/register/{event.code}").status_code == 410
    response = post(client, app, event, organisation="D81001")
    assert response.status_code == 410
    assert says in response.get_data(as_text=True)
    _nothing_written(event.touchpoint_id)


@pytest.mark.parametrize("bot", ["honeypot", "too_fast", "forged", "other_event", "stale"])
def test_a_bot_submission_is_refused_with_a_neutral_message(app, bot):
    event = make_event()
    other = make_event()
    make_organisation(ods_code="D81001")
    db.session.commit()
    secret = app.config["SECRET_KEY"]
    fields = {"organisation": "D81001"}
    if bot == "honeypot":
        fields["website"] = "http://spam.example"
    elif bot == "too_fast":
        fields["token"] = form_token(secret, event.touchpoint_id, utcnow())
    elif bot == "forged":
        fields["token"] = "eyJhIjoxfQ.forged"
    elif bot == "other_event":
        fields["token"] = form_token(secret, other.touchpoint_id, utcnow() - timedelta(minutes=1))
    else:
        fields["token"] = form_token(secret, event.touchpoint_id, utcnow() - timedelta(days=2))
    response = post(app.test_client(), app, event, **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "We could not take this registration" in page
    assert "honeypot" not in page.lower() and " bot" not in page.lower()
    _nothing_written(event.touchpoint_id)


@pytest.mark.parametrize("path", [
    "/register/unknowncode", "/register/%00", "/register/" + "x" * 300,
    "/register/cancel/garbage", "/register/cancel/1-" + "a" * 40,
    "/register/cancel/99999999999999999999-" + "a" * 40,
])
def test_unknown_or_garbled_codes_and_tokens_are_404(app, path):
    make_event()
    db.session.commit()
    client = app.test_client()
    assert client.get(path).status_code in (400, 404)
    assert client.post(path).status_code in (400, 404)


def test_thanks_page_with_an_unknown_outcome_is_404(app):
    event = make_event()
    db.session.commit()
    assert app.test_client().get(f"/register/{event.code}/done/cancelled").status_code == 404


def test_cancel_link_asks_first_then_cancels_and_moves_the_waiting_list_up(app):
    event = make_event(capacity=1)
    first = sign_up(event, "first@example.org")
    sign_up(event, "second@example.org", now=utcnow() + timedelta(seconds=1))
    db.session.commit()
    token = cancel_token(app.config["SECRET_KEY"], first.id, first.nonce)
    client = app.test_client()
    page = client.get(f"/register/cancel/{token}")
    assert page.status_code == 200 and "Cancel my place" in page.get_data(as_text=True)
    assert registrations(event.touchpoint_id)[0].status is RegistrationStatus.REGISTERED

    done = client.post(f"/register/cancel/{token}")
    assert done.status_code == 200
    assert "Your place is cancelled" in done.get_data(as_text=True)
    statuses = [r.status for r in registrations(event.touchpoint_id)]
    assert statuses == [RegistrationStatus.CANCELLED, RegistrationStatus.REGISTERED]
    assert [m.to_email for m in messages("registration_promoted")] == ["second@example.org"]
    again = client.post(f"/register/cancel/{token}")
    assert "already cancelled" in again.get_data(as_text=True)
    assert len(messages("registration_promoted")) == 1


@pytest.mark.real_commits  # the scan writes on a connection of its own
def test_the_short_link_opens_the_registration_page(app):
    event = make_event()
    db.session.commit()
    response = app.test_client().get(f"/q/{event.short_link.code}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/register/{event.code}")


class TestRateLimit:
    @pytest.fixture()
    def app_config(self):
        return {"RATELIMIT_ENABLED": True}

    @pytest.fixture(autouse=True)
    def fresh_limits(self, app):
        limiter.reset()
        yield
        limiter.reset()

    def test_registration_posts_from_one_address_are_limited(self, app):
        event = make_event()
        make_organisation(ods_code="D81001")
        db.session.commit()
        client = app.test_client()
        statuses = [post(client, app, event, email=f"p{i}@example.org",
                         organisation="D81001").status_code
                    for i in range(21)]
        assert statuses[-1] == 429
        assert "Too many attempts" in post(client, app, event).get_data(as_text=True)
        assert len(registrations(event.touchpoint_id)) == 20


def test_a_registration_stores_only_what_was_asked(app):
    columns = {c.name for c in Registration.__table__.columns}
    assert columns == {"id", "touchpoint_id", "name", "email", "email_key", "organisation_id",
                       "role", "status", "queued_at", "nonce", "promoted_at", "cancelled_at",
                       "created_at", "updated_at"}
