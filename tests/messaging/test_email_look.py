"""How email looks: sender, layout, links, footers (external and internal) and the text part."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.messaging.backends import MailboxBackend, SendGridBackend, backend_from_config
from engage.messaging.delivery import deliver_due
from engage.messaging.models import MailboxMessage
from engage.messaging.outbox import Email, as_sent, linkify, queue_email, tidy_text
from engage.reminders.expand import message_context
from engage.reminders.models import OffsetUnit, ReminderRule, RuleKind
from engage.reminders.recipients import Recipient
from tests.factories import make_contact, make_touchpoint, make_user
from tests.messaging.conftest import NOW
from tests.messaging.sendgrid_stub import API_KEY

TEAMS = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0?context=%7b%7d&a=1"


@pytest.fixture()
def app_config():  # type: ignore[no-untyped-def]
    return {"MAIL_FROM_NAME": "Cambridge OH outreach", "MAIL_REPLY_TO": "oh-team@example.org"}


def reminder(location: str = TEAMS) -> Email:
    touchpoint = make_touchpoint(location=location, planned_at=NOW + timedelta(days=1),
                                 duration_minutes=60)
    rule = ReminderRule(kind=RuleKind.REMINDER, touchpoint=touchpoint, offset_amount=1,
                        offset_unit=OffsetUnit.DAYS, message="")
    contact = make_contact(name="Pat Lee")
    person = Recipient(contact.id, contact.organisation_id, "Mill Road Surgery", "Pat Lee",
                       contact.email)
    return Email(f"reminder:{touchpoint.id}:{contact.id}", contact.email, "reminder",
                 context=message_context(rule, person, "https://engage.example.org"),
                 kind="reminder", contact_id=contact.id, to_name="Pat Lee")


def test_sendgrid_gets_the_from_name_and_reply_to(app, stub):
    message = queue_email(db.session, reminder(), now=NOW)
    db.session.commit()
    backend = backend_from_config({**app.config, "SENDGRID_API_KEY": API_KEY,
                                   "SENDGRID_API_HOST": stub.url})
    assert isinstance(backend, SendGridBackend)
    assert deliver_due(db.session, now=NOW, backend=backend) == 1
    assert stub.rejected == []
    [request] = stub.requests
    assert request["body"]["from"] == {"email": "engage@example.org",
                                       "name": "Cambridge OH outreach"}
    assert request["body"]["reply_to"] == {"email": "oh-team@example.org"}
    custom = request["body"]["personalizations"][0]["custom_args"]
    assert custom["outbox_id"] == str(message.id)


def test_the_local_mailbox_shows_the_from_name_and_reply_to(app):
    queue_email(db.session, reminder(), now=NOW)
    backend = backend_from_config({**app.config, "SENDGRID_API_KEY": ""})
    assert isinstance(backend, MailboxBackend)
    deliver_due(db.session, now=NOW, backend=backend)
    stored = db.session.scalars(select(MailboxMessage)).one()
    assert stored.from_email == "Cambridge OH outreach <engage@example.org>"
    assert stored.headers["Reply-To"] == "oh-team@example.org"


def test_the_html_part_is_branded_accessible_and_every_url_is_a_link(app):
    message = queue_email(db.session, reminder(), now=NOW)
    html = message.html_body
    # The service's name in the blue band; white on NHS blue, body text 16px and dark.
    assert re.search(r'<td class="em-header" style="[^"]*background-color:#005eb8;'
                     r'color:#ffffff;[^"]*">Cambridge OH outreach</td>', html)
    assert re.search(r'class="em-content" style="[^"]*font-size:16px;[^"]*color:#212b32', html)
    assert 'role="presentation"' in html and "<table" in html
    # The Teams link written as text in the reminder is a link, its & escaped once.
    escaped = TEAMS.replace("&", "&amp;")
    assert f'<a href="{escaped}" style="color:#005eb8;text-decoration:underline;">{escaped}</a>' \
        in html
    # A join link on the web gets a button too, named for what it does.
    assert re.search(rf'<a class="em-button" href="{re.escape(escaped)}" style="[^"]*'
                     r'background-color:#007f3b;color:#ffffff;[^"]*">Join the webinar</a>', html)
    for p in re.findall(r"<p\b[^>]*>", html):
        assert "font-size:16px" in p
    # The footer sits in the layout's footer cell, with the contact's unsubscribe link.
    url = message.headers["List-Unsubscribe"].strip("<>")
    assert re.search(r'class="em-footer"[^>]*><p class="em-footer-text"', html)
    assert f'<a href="{url}"' in html and "Unsubscribe from these emails" in html
    assert "<!-- engage:footer -->" not in html


def test_the_text_part_reads_well(app):
    message = queue_email(db.session, reminder(), now=NOW)
    text = message.text_body
    assert "<" not in text.replace(f"<{TEAMS}>", "")
    assert "\n\n\n" not in text and text.endswith("\n") and not text.startswith("\n")
    assert f"Where to join: {TEAMS}\n" in text
    url = message.headers["List-Unsubscribe"].strip("<>")
    assert text.rstrip().endswith(f"Unsubscribe from these emails (no log-in needed):\n{url}")


def test_internal_email_gets_the_staff_footer_and_no_unsubscribe(app):
    user = make_user(email="manager@example.org")
    digest = queue_email(db.session, Email("digest:1", user.email, "test", kind="digest",
                                           user_id=user.id), now=NOW)
    listed = queue_email(db.session, Email("digest:2", "list@example.org", "test",
                                           kind="digest"), now=NOW)
    for message in (digest, listed):
        assert message.headers == {}
        body = message.text_body + message.html_body
        assert "unsubscribe/" not in body and "contact for occupational health outreach" \
            not in body
        assert "Sent by engage to Cambridge OH outreach staff" in message.text_body
        assert "Sent by engage to Cambridge OH outreach staff" in message.html_body


@pytest.mark.parametrize(("html", "expected"), [
    ("<p>See https://example.org/a.</p>",
     '<p>See <a href="https://example.org/a">https://example.org/a</a>.</p>'),
    ('<p><a href="https://example.org/a">https://example.org/a</a></p>',
     '<p><a href="https://example.org/a">https://example.org/a</a></p>'),
    ("<p>(https://example.org/a_(b)) and www.nhs.uk/x, then</p>",
     '<p>(<a href="https://example.org/a_(b)">https://example.org/a_(b)</a>) and '
     '<a href="https://www.nhs.uk/x">www.nhs.uk/x</a>, then</p>'),
    ("<p>https://example.org/?a=1&amp;b=2</p>",
     '<p><a href="https://example.org/?a=1&amp;b=2">https://example.org/?a=1&amp;b=2</a></p>'),
    ("<p>&lt;https://example.org/x&gt;</p>",
     '<p>&lt;<a href="https://example.org/x">https://example.org/x</a>&gt;</p>'),
    ("<title>https://example.org</title><p>me@https.org, ftp://x</p>",
     "<title>https://example.org</title><p>me@https.org, ftp://x</p>"),
    ('<img alt="https://example.org/i"><p>a <a href="/x">see <b>https://example.org</b></a></p>',
     '<img alt="https://example.org/i"><p>a <a href="/x">see <b>https://example.org</b></a></p>'),
])
def test_linkify_makes_text_urls_links_and_leaves_links_alone(html, expected):
    assert linkify(html) == expected


def test_tidy_text_reads_markdown_as_text():
    text = "## Winter support ##\n\nStaff can have **flu jabs** at 2**3 or a ** b.\n"
    assert tidy_text(text) == ("Winter support\n--------------\n\nStaff can have flu jabs at "
                               "2**3 or a ** b.\n")


def test_tidy_text_writes_links_out_and_drops_stray_blank_lines():
    text = "Hello,  \n\n\n\nRead [the guide](https://example.org/g) or <https://example.org/h>.\n\n\n"
    assert tidy_text(text) == ("Hello,\n\nRead the guide (https://example.org/g) or "
                               "https://example.org/h.\n")


def test_a_preview_is_the_email_as_queued_but_for_the_link(app):
    email = reminder()
    message = queue_email(db.session, email, now=NOW)
    url = message.headers["List-Unsubscribe"].strip("<>")
    assert as_sent("reminder", email.context, unsubscribe=url) == (
        message.subject, message.text_body, message.html_body)


def test_the_text_part_has_no_carriage_returns_from_a_browser_textarea():
    from engage.messaging.outbox import tidy_text

    assert tidy_text("## Help is here\r\n\r\nBook **now**.\r\n") == (
        "Help is here\n------------\n\nBook now.\n")
