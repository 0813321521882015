"""A practice nurse registers for a webinar on her phone, sees the confirmation, then cancels."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from engage.auth.models import Role
from engage.database import utcnow
from engage.extensions import db
from engage.messaging.models import OutboxMessage
from engage.registration import settings as terms
from engage.registration.models import Registration, RegistrationSettings, RegistrationStatus
from tests.e2e.conftest import BrowserLog
from tests.e2e.helpers import make_signed_up_user, sign_in
from tests.factories import make_organisation, make_service, make_touchpoint
from tests.registration.support import sign_up

pytestmark = pytest.mark.e2e


@pytest.fixture()
def app_config():
    """CSRF on, as in production; no minimum fill time, as the browser types in an instant."""
    return {"WTF_CSRF_ENABLED": True, "REGISTRATION_MIN_FILL": timedelta(0)}


@pytest.fixture()
def webinar(app, live_server):
    app.config["PUBLIC_BASE_URL"] = live_server.url
    make_organisation(ods_code="D81001", name="LENSFIELD MEDICAL PRACTICE", postcode="CB2 1EH")
    touchpoint = make_touchpoint(
        title="Looking after your back at work", duration_minutes=45,
        planned_at=(utcnow() + timedelta(days=9)).replace(hour=12, minute=30, second=0,
                                                          microsecond=0),
        location="https://teams.example/l/meetup-join/back-care")
    touchpoint.services = [make_service(name="Physiotherapy")]
    settings = terms.save_terms(db.session, touchpoint, terms.Terms(capacity=40),
                                page_path=lambda code: f"/register/{code}", user_id=None,
                                now=utcnow())
    db.session.commit()
    return settings


@pytest.mark.parametrize("viewport", ["phone-390"], indirect=True)
def test_register_on_a_phone_see_the_confirmation_and_cancel(app, live_server, webinar,
                                                             page: Page, check,
                                                             browser_log: BrowserLog):
    # The short link printed on the invitation opens the registration page.
    page.goto(f"/q/{webinar.short_link.code}")
    expect(page).to_have_url(f"{live_server.url}/register/{webinar.code}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Register for Looking after your back at work")
    check("register")

    # A mistake first: the address is not one (the page answers 400, as it should).
    browser_log.allow_status(400, f"/register/{webinar.code}")
    page.get_by_label("Full name").fill("Sam Jones")
    page.get_by_label("Work email address").fill("sam.jones@")
    page.get_by_label("Your practice, pharmacy or organisation").fill("CB2 1EH")
    page.get_by_label("Your role").fill("Practice nurse")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter an email address in the correct")
    check("invalid-email")

    page.get_by_label("Work email address").fill("sam.jones@lensfield.nhs.uk")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are registered")
    check("registered")

    # Registering the same address again says so, and offers the confirmation again.
    page.goto(f"/register/{webinar.code}")
    page.get_by_label("Full name").fill("Sam Jones")
    page.get_by_label("Work email address").fill("Sam.Jones@lensfield.nhs.uk")
    page.get_by_label("Your practice, pharmacy or organisation").fill("D81001")
    page.get_by_label("Your role").fill("Practice nurse")
    browser_log.allow_status(409, f"/register/{webinar.code}")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This email address is already registered")
    check("already-registered")
    page.get_by_role("button", name="Send the confirmation again").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    check("resent")

    db.session.expire_all()
    registration = db.session.scalar(select(Registration))
    assert registration is not None and registration.status is RegistrationStatus.REGISTERED
    sent = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "registration_confirmed")).all()
    assert len(sent) == 2  # the confirmation, and the one sent again
    message = sent[0]
    found = re.search(r"(https?://\S+/register/cancel/\S+)", message.text_body)
    assert found is not None
    cancel_url = found.group(1)

    # The cancel link from the email asks first ...
    page.goto(cancel_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your place")
    check("cancel")
    page.get_by_role("button", name="Cancel my place").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your place is cancelled")
    check("cancelled")
    db.session.expire_all()
    assert db.session.scalar(select(Registration.status)) is RegistrationStatus.CANCELLED


def test_manager_opens_registration_and_sees_who_registered(app, live_server, page: Page,
                                                           check):
    app.config["PUBLIC_BASE_URL"] = live_server.url
    touchpoint = make_touchpoint(title="Stress and resilience for practice teams",
                                 duration_minutes=60,
                                 planned_at=(utcnow() + timedelta(days=12)).replace(
                                     hour=13, minute=0, second=0, microsecond=0))
    org = make_organisation(name="RIVERSIDE SURGERY")
    db.session.commit()
    manager = make_signed_up_user(Role.MANAGER)
    sign_in(page, manager.email)

    page.goto(f"/campaigns/touchpoints/{touchpoint.id}")
    page.get_by_role("link", name="Open registration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open registration")
    check("settings")
    page.get_by_label("Number of places").fill("2")
    page.get_by_role("button", name="Save registration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrations")

    settings = db.session.get(RegistrationSettings, touchpoint.id)
    assert settings is not None
    for number, email in enumerate(("ann@example.org", "bob@example.org", "cat@example.org")):
        sign_up(settings, email, organisation=org, now=utcnow() + timedelta(seconds=number))
    db.session.commit()
    page.reload()
    expect(page.get_by_text("2 registered of 2")).to_be_visible()
    check("registrants")
    page.goto(f"/campaigns/touchpoints/{touchpoint.id}")
    expect(page.get_by_role("heading", name="Registration")).to_be_visible()
    check("touchpoint-section")
