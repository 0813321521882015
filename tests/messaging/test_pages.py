"""The outbox, mailbox and events pages for managers; retry and resume."""

from __future__ import annotations

from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.extensions import db
from engage.messaging.models import DeliveryPause, OutboxStatus
from tests.factories import make_mailbox_message, make_outbox_message
from tests.messaging.conftest import NOW


def test_outbox_lists_status_attempts_and_reason(app, manager_client):
    make_outbox_message(status=OutboxStatus.FAILED, attempts=3,
                        last_error="SendGrid rejected the message (400). bad from")
    db.session.commit()
    page = manager_client.get("/outbox?status=failed").get_data(as_text=True)
    assert "bad from" in page and "Failed" in page


def test_failed_message_can_be_retried_and_is_audited(app, manager_client):
    message = make_outbox_message(status=OutboxStatus.FAILED, attempts=8, last_error="x")
    db.session.commit()
    response = manager_client.post(f"/outbox/{message.id}/retry")
    assert response.status_code == 302
    db.session.refresh(message)
    assert message.status is OutboxStatus.QUEUED and message.attempts == 0
    assert db.session.scalars(select(AuditEvent.action)).all() == ["messaging.retry"]


def test_retrying_a_sent_message_is_refused_with_a_message(app, manager_client):
    message = make_outbox_message(status=OutboxStatus.SENT)
    db.session.commit()
    response = manager_client.post(f"/outbox/{message.id}/retry", follow_redirects=True)
    assert "Only failed messages can be retried" in response.get_data(as_text=True)


def test_pause_banner_and_admin_resume(app, manager_client, admin_client):
    db.session.add(DeliveryPause(backend="mailbox", reason="SendGrid refused the API key (401)",
                                 paused_at=NOW))
    db.session.commit()
    assert "Email delivery is paused" in manager_client.get("/outbox").get_data(as_text=True)
    assert manager_client.post("/outbox/resume").status_code == 403
    admin_client.post("/outbox/resume")
    assert "Email delivery is paused" not in admin_client.get("/outbox").get_data(as_text=True)


def test_mailbox_shows_text_and_sanitised_html(app, manager_client):
    message = make_mailbox_message(
        html_body='<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:x">l</a></p>')
    db.session.commit()
    assert message.subject in manager_client.get("/mailbox").get_data(as_text=True)
    page = manager_client.get(f"/mailbox/{message.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "onclick" not in page and "javascript:" not in page


def test_steering_group_cannot_read_the_mailbox(app, steering_client):
    assert steering_client.get("/mailbox").status_code == 403
