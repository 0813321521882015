"""Queueing: idempotency, addresses, suppression, unsubscribe headers and footer, withdrawal."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.directory.models import SuppressionReason
from engage.extensions import db
from engage.messaging.models import OutboxMessage, OutboxStatus
from engage.messaging.outbox import (
    Email,
    EmailTemplateError,
    queue_email,
    withdraw,
    withdraw_by_key_prefix,
    withdraw_for_touchpoint,
)
from engage.messaging.suppression import suppress
from tests.factories import make_contact, make_touchpoint
from tests.messaging.conftest import NOW


def email(key: str = "k1", **overrides) -> Email:  # type: ignore[no-untyped-def]
    values = {"idempotency_key": key, "to_email": "Person@Example.org", "template": "test",
              "kind": "test"}
    values.update(overrides)
    return Email(**values)


def test_the_same_key_is_never_queued_twice(app):
    assert queue_email(db.session, email(), now=NOW) is not None
    assert queue_email(db.session, email(), now=NOW) is None
    assert len(db.session.scalars(select(OutboxMessage)).all()) == 1


def test_every_message_carries_one_click_unsubscribe_and_a_footer_link(app):
    message = queue_email(db.session, email(), now=NOW)
    url = message.headers["List-Unsubscribe"].strip("<>")
    assert url.startswith(app.config["PUBLIC_BASE_URL"] + "/unsubscribe/")
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in message.text_body and url in message.html_body
    assert message.html_body.rstrip().endswith("</html>")


def test_invalid_recipient_address_is_failed_with_the_reason(app):
    message = queue_email(db.session, email(to_email="not an address"), now=NOW)
    assert message.status is OutboxStatus.FAILED
    assert "Invalid recipient address" in message.last_error


def test_do_not_email_contact_is_queued_as_suppressed_with_the_reason(app):
    contact = make_contact(do_not_email=True)
    message = queue_email(db.session, email(to_email=contact.email, contact_id=contact.id),
                          now=NOW)
    assert message.status is OutboxStatus.SUPPRESSED
    assert message.last_error == "The contact is marked do not email."


def test_suppressed_address_is_queued_as_suppressed(app):
    suppress(db.session, "person@example.org", SuppressionReason.HARD_BOUNCE, now=NOW,
             source="webhook")
    message = queue_email(db.session, email(), now=NOW)
    assert message.status is OutboxStatus.SUPPRESSED
    assert "hard bounce" in message.last_error


def test_template_that_fails_to_render_raises_a_clear_error(app):
    with pytest.raises(EmailTemplateError, match="'no_such_template' is missing"):
        queue_email(db.session, email(template="no_such_template"), now=NOW)
    app.jinja_env.globals["explode"] = lambda: 1 / 0
    from jinja2 import ChoiceLoader, DictLoader

    app.jinja_env.loader = ChoiceLoader([DictLoader({
        "email/broken.subject": "Hi", "email/broken.txt": "{{ explode() }}"}),
        app.jinja_env.loader])
    with pytest.raises(EmailTemplateError, match="'broken' failed to render: ZeroDivisionError"):
        queue_email(db.session, email(template="broken"), now=NOW)
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_withdraw_by_touchpoint_and_key_prefix_leaves_sent_and_other_rows(app):
    touchpoint = make_touchpoint()
    a = queue_email(db.session, email("rem:1:a", touchpoint_id=touchpoint.id, kind="reminder"),
                    now=NOW)
    b = queue_email(db.session, email("rem:1:b", touchpoint_id=touchpoint.id, kind="follow_up"),
                    now=NOW)
    c = queue_email(db.session, email("nudge:2:c"), now=NOW)
    b.status = OutboxStatus.SENT
    assert withdraw_for_touchpoint(db.session, touchpoint.id, now=NOW, reason="cancelled") == 1
    assert withdraw_by_key_prefix(db.session, "nudge:", now=NOW, reason="rule removed") == 1
    assert withdraw_by_key_prefix(db.session, "nudge:", now=NOW, reason="again") == 0
    db.session.refresh(a)
    db.session.refresh(c)
    assert (a.status, b.status, c.status) == (OutboxStatus.WITHDRAWN, OutboxStatus.SENT,
                                              OutboxStatus.WITHDRAWN)
    assert a.last_error == "Withdrawn: cancelled"
    with pytest.raises(ValueError, match="needs"):
        withdraw(db.session, now=NOW, reason="x", kind="reminder")


def test_key_prefix_with_like_wildcards_matches_literally(app):
    queue_email(db.session, email("a_b:1"), now=NOW)
    queue_email(db.session, email("axb:1"), now=NOW)
    assert withdraw_by_key_prefix(db.session, "a_b", now=NOW, reason="x") == 1
