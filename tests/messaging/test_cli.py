"""`flask messaging ...` commands."""

from __future__ import annotations

from sqlalchemy import select

from engage.extensions import db
from engage.messaging.models import MailboxMessage, OutboxMessage, OutboxStatus
from tests.factories import make_outbox_message


def test_send_test_goes_to_the_local_mailbox_without_a_key(app, runner):
    result = runner.invoke(args=["messaging", "send-test", "--to", "me@example.org"])
    assert result.exit_code == 0, result.output
    assert ": sent" in result.output
    assert db.session.scalars(select(MailboxMessage)).one().to_email == "me@example.org"


def test_send_test_to_an_invalid_address_says_why(app, runner):
    result = runner.invoke(args=["messaging", "send-test", "--to", "not-an-address"])
    assert result.exit_code != 0 and "Invalid recipient address" in result.output


def test_deliver_and_outbox_commands(app, runner):
    make_outbox_message()
    db.session.commit()
    assert "Sent 1 message(s) through mailbox" in runner.invoke(
        args=["messaging", "deliver"]).output
    output = runner.invoke(args=["messaging", "outbox", "--status", "sent"]).output
    assert "sent: 1" in output
    assert db.session.scalars(select(OutboxMessage)).one().status is OutboxStatus.SENT


def test_suppress_and_unsuppress_commands(app, runner):
    assert "Suppressed" in runner.invoke(args=["messaging", "suppress", "a@example.org"]).output
    assert "already" in runner.invoke(args=["messaging", "suppress", "a@example.org"]).output
    assert "may be emailed" in runner.invoke(
        args=["messaging", "unsuppress", "A@example.org"]).output
    assert runner.invoke(args=["messaging", "unsuppress", "a@example.org"]).exit_code != 0
