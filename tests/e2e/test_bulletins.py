"""Bulletins in a real browser: write one, preview it as it will arrive, send a test to me,
send it now, and watch its status follow the outbox (queued, then sent)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from engage.auth.models import Role
from engage.database import utcnow
from engage.directory.models import ContactRole
from engage.extensions import db
from engage.messaging.backends import MailboxBackend
from engage.messaging.delivery import deliver_due
from engage.messaging.models import OutboxMessage
from engage.reminders.bulletins import send_due_bulletins
from tests.e2e.conftest import BrowserLog
from tests.e2e.helpers import make_signed_up_user, sign_in
from tests.factories import make_campaign, make_contact, make_organisation

pytestmark = pytest.mark.e2e


@pytest.fixture()
def campaign(app):
    today = utcnow().date()
    made = make_campaign(name="Winter wellbeing", start_date=today - timedelta(days=30),
                         end_date=today + timedelta(days=90))
    for n, name in enumerate(("North Brink Practice", "Clarkson Surgery", "Lensfield Practice")):
        org = make_organisation(name=name)
        make_contact(org, name=f"Manager {n}", email=f"pm{n}@example.org",
                     role=ContactRole.PRACTICE_MANAGER)
        make_contact(org, name=f"Nurse {n}", email=f"nurse{n}@example.org",
                     role=ContactRole.CLINICAL_LEAD)
    make_contact(org, name="Opted Out", email="optout@example.org", do_not_email=True,
                 role=ContactRole.PRACTICE_MANAGER)
    db.session.commit()
    return made


def tick(now_offset: timedelta = timedelta(minutes=1)) -> None:
    """What the scheduler would do: the bulletin step, then (later) the delivery step."""
    db.session.expire_all()
    send_due_bulletins(db.session, now=utcnow() + now_offset)


def show_email(page: Page) -> None:
    """Bring the email's frame into view and let it paint: Chromium does not paint a frame
    that has never been on screen, so a full-page screenshot would show it blank."""
    page.locator("iframe.engage-email-frame").scroll_into_view_if_needed()
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => "
                  "requestAnimationFrame(done)))")


def test_manager_writes_previews_tests_and_sends_a_bulletin(
        app, campaign, live_server, page: Page, check, browser_log: BrowserLog):
    manager = make_signed_up_user(Role.MANAGER)
    sign_in(page, manager.email)
    page.goto(live_server(f"/campaigns/{campaign.id}"))
    page.get_by_role("link", name="Write a bulletin or newsletter").click()
    page.get_by_label("Subject line").fill("Looking after your team this winter")
    page.get_by_label("The bulletin").fill(
        "## Help is here\n\nBook a **manager referral** today.\n\n"
        "- Call us on 01234 567890\n- Or read [the referral guide](https://www.example.org/guide)")
    page.get_by_label("Practice manager").check()
    check("bulletin-form")
    page.get_by_role("button", name="Save and preview").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Looking after your team")
    expect(page.get_by_text("3 people at 3 organisations")).to_be_visible()
    expect(page.get_by_text("1 person left out (1 marked do not email)")).to_be_visible()
    frame = page.frame_locator("iframe.engage-email-frame")
    expect(frame.get_by_role("heading", name="Help is here")).to_be_visible()
    expect(page.locator("pre.engage-email-text")).to_contain_text(
        "Help is here\n------------\n\nBook a manager referral today.")
    show_email(page)
    check("bulletin-preview")

    bulletin_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    browser_log.allow_status(400, f"/reminders/bulletins/{bulletin_id}/test")
    page.get_by_label("Or send a test to these addresses").fill(
        "colleague@example.org, not-an-address")
    page.get_by_role("button", name="Send a test to these addresses").click()
    expect(page.get_by_role("alert")).to_contain_text("'not-an-address' is not a valid email")
    check("bulletin-test-error")
    page.get_by_role("button", name="Send a test to me").click()
    expect(page.get_by_text("Test sent to you")).to_be_visible()
    check("bulletin-test-sent")

    page.get_by_role("button", name="Send now").click()
    expect(page.get_by_text("Going now")).to_be_visible()
    check("bulletin-going-now")

    tick()
    page.reload()
    expect(page.locator("h1 .nhsuk-tag")).to_have_text("Queued")
    expect(page.get_by_text("Queued: 3 messages waiting to go, none delivered yet.")
           ).to_be_visible()
    check("bulletin-queued")

    deliver_due(db.session, now=utcnow() + timedelta(minutes=2),
                backend=MailboxBackend("engage@example.org"))
    page.reload()
    expect(page.locator("h1 .nhsuk-tag")).to_have_text("Sent")
    expect(page.get_by_text("Sent: 3 delivered to the mail service, 0 failed; 0 waiting.")
           ).to_be_visible()
    show_email(page)
    check("bulletin-sent")
    test = db.session.scalars(select(OutboxMessage).where(OutboxMessage.is_test)).one()
    assert test.subject == "[Test] Looking after your team this winter"

    page.get_by_role("link", name="Save as a template").click()
    page.get_by_label("Template name").fill("Winter team news")
    page.get_by_role("button", name="Save the template").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bulletin templates")
    expect(page.get_by_role("table")).to_contain_text("Winter team news")
    check("bulletin-templates")

    page.goto(live_server(f"/campaigns/{campaign.id}"))
    expect(page.locator("#reminders ~ ul .nhsuk-tag").first).to_have_text("Sent")
    page.get_by_role("link", name="Write a bulletin or newsletter").click()
    page.get_by_text("Start from a saved template").click()
    page.get_by_role("link", name="Winter team news").click()
    expect(page.get_by_label("Subject line")).to_have_value("Looking after your team this winter")
    check("bulletin-from-template")
