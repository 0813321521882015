"""Email in a real browser: the outbox, the local mailbox, retrying, and unsubscribing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from engage.auth.models import Role
from engage.database import utcnow
from engage.directory.models import Contact
from engage.extensions import db
from engage.messaging.backends import MailboxBackend
from engage.messaging.delivery import deliver_due
from engage.messaging.models import OutboxStatus
from engage.messaging.outbox import Email, queue_email
from tests.e2e.helpers import follow_nav, make_signed_up_user, sign_in
from tests.factories import make_contact, make_outbox_message

pytestmark = pytest.mark.e2e


@pytest.fixture()
def mail(app) -> Contact:
    """A contact with a delivered test email, and one message that failed for good."""
    contact = make_contact(name="Pat Lee", email="pat.lee@example.org")
    now = utcnow()
    queue_email(db.session, Email("e2e:1", contact.email, "test", to_name=contact.name,
                                  contact_id=contact.id, kind="reminder",
                                  organisation_id=contact.organisation_id,
                                  context={"note": "The webinar is tomorrow at 12:30."}),
                now=now)
    make_outbox_message(status=OutboxStatus.FAILED, attempts=1, to_email="old@example.org",
                        subject="Bulletin for March",
                        last_error="SendGrid rejected the message (400). Invalid from address")
    db.session.commit()
    deliver_due(db.session, now=now, backend=MailboxBackend("engage@example.org"))
    return contact


def test_manager_reads_the_mailbox_and_retries_a_failed_message(app, mail, page: Page, check):
    manager = make_signed_up_user(Role.MANAGER)
    sign_in(page, manager.email)
    follow_nav(page, "Email")
    expect(page.get_by_role("heading", level=1)).to_have_text("Outbox")
    expect(page.get_by_role("table")).to_contain_text("Invalid from address")
    check("outbox")

    page.get_by_role("link", name="Bulletin for March").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bulletin for March")
    page.get_by_role("button", name="Send again").click()
    expect(page.get_by_role("status")).to_contain_text("will be sent again")
    check("retried")

    page.get_by_role("link", name="Back to the outbox").click()
    page.get_by_role("link", name="Local mailbox").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Local mailbox")
    check("mailbox")
    page.get_by_role("link", name="A test message from engage").click()
    expect(page.locator(".engage-mail-text")).to_contain_text("The webinar is tomorrow")
    expect(page.locator(".engage-mail-html")).to_contain_text("The webinar is tomorrow")
    email = page.frame_locator("iframe.engage-mail-frame")
    expect(email.get_by_text("The webinar is tomorrow")).to_be_visible()
    expect(email.get_by_role("link", name="Unsubscribe")).to_be_visible()
    check("message")


BULLETIN = """## Winter support for your staff

The occupational health service can now see staff for **flu jabs** at your practice.
Book a visit at https://example.org/oh/book or read [the service guide](https://example.org/oh/guide).

- Fast-track physiotherapy
- Counselling within five working days

Join the webinar on Teams: https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0?context=%7b%7d
"""


@pytest.mark.parametrize("viewport", ["phone-390"], indirect=True)
def test_a_bulletin_arrives_branded_and_readable_on_a_phone(app, page: Page, check):
    """The HTML part as a mail client shows it, at phone width (screenshot kept to look at)."""
    from types import SimpleNamespace

    from engage.catalogue.markdown import markdown_to_text, render_markdown
    from tests.e2e.conftest import SCREENSHOTS

    contact = make_contact(name="Pat Lee", email="pat.lee@example.org")
    now = utcnow()
    queue_email(db.session, Email(
        "e2e:bulletin", contact.email, "bulletin", to_name=contact.name, kind="bulletin",
        contact_id=contact.id, send_ref="bulletin:1",
        context={"bulletin": SimpleNamespace(subject="Winter support for your staff"),
                 "body_html": render_markdown(BULLETIN),
                 "body_text": markdown_to_text(BULLETIN)}), now=now)
    db.session.commit()
    deliver_due(db.session, now=now,
                backend=MailboxBackend("engage@example.org", "Occupational health outreach",
                                       "oh-team@example.org"))
    sign_in(page, make_signed_up_user(Role.MANAGER).email)
    page.goto("/mailbox")
    page.get_by_role("link", name="Winter support for your staff").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Winter support for your staff")
    expect(page.locator(".nhsuk-summary-list")).to_contain_text(
        "Occupational health outreach <engage@example.org>")
    email = page.frame_locator("iframe.engage-mail-frame")
    expect(email.get_by_text("Occupational health outreach", exact=True)).to_be_visible()
    teams = email.get_by_role("link", name=re.compile(r"teams\.microsoft\.com"))
    # The address is written out as it is; the link goes through engage's tracked short link.
    expect(teams).to_have_attribute("href", re.compile(r"/q/[A-Z0-9]+\?m=[\w-]+$"))
    expect(email.get_by_role("link", name="Unsubscribe from these emails")).to_be_visible()
    check("bulletin")
    frame = page.locator("iframe.engage-mail-frame")
    frame.scroll_into_view_if_needed()
    frame.screenshot(path=str(SCREENSHOTS / "a_bulletin_arrives_branded-phone-390-email.png"))
    # Nothing in the email is wider than the phone's frame.
    width = page.frame_locator("iframe.engage-mail-frame").locator("html").evaluate(
        "(el) => [el.scrollWidth, el.clientWidth]")
    assert width[0] <= width[1] + 1, width


def test_recipient_unsubscribes_without_signing_in(app, mail, page: Page, check):
    from engage.messaging.models import MailboxMessage

    stored = db.session.scalars(select(MailboxMessage)).one()
    url = stored.headers["List-Unsubscribe"].strip("<>")
    page.goto("/" + url.split("/", 3)[3])
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Unsubscribe from occupational health outreach email")
    check("confirm")
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are unsubscribed")
    check("done")
    db.session.expire_all()
    assert db.session.get(Contact, mail.id).suppressed_at is not None
