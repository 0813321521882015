"""Unsubscribing: public, signed link, works once, logged; RFC 8058 one-click POST."""

from __future__ import annotations

from sqlalchemy import select

from engage.directory.models import Contact, SuppressionReason
from engage.extensions import db
from engage.messaging.backends import MailboxBackend
from engage.messaging.delivery import deliver_due
from engage.messaging.models import EmailEvent, OutboxStatus
from engage.messaging.outbox import Email, queue_email
from tests.factories import make_contact
from tests.messaging.conftest import NOW


def queued_for(contact: Contact, key: str = "k"):  # type: ignore[no-untyped-def]
    message = queue_email(db.session, Email(key, contact.email, "test", contact_id=contact.id),
                          now=NOW)
    db.session.commit()
    return message


def path_of(message) -> str:  # type: ignore[no-untyped-def]
    url = message.headers["List-Unsubscribe"].strip("<>")
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_unsubscribe_page_needs_no_login_and_changes_nothing_on_get(app, client):
    contact = make_contact()
    message = queued_for(contact)
    response = client.get(path_of(message))
    assert response.status_code == 200
    assert contact.email in response.get_data(as_text=True)
    db.session.refresh(contact)
    assert contact.suppressed_at is None


def test_unsubscribing_suppresses_logs_once_and_stops_delivery(app, client):
    contact = make_contact()
    message = queued_for(contact)
    response = client.post(path_of(message))
    assert response.status_code == 200 and "You are unsubscribed" in response.get_data(
        as_text=True)
    again = client.post(path_of(message))
    assert "already unsubscribed" in again.get_data(as_text=True)
    db.session.refresh(contact)
    assert contact.suppression_reason is SuppressionReason.UNSUBSCRIBED
    logged = db.session.scalars(select(EmailEvent)).all()
    assert [(e.event, e.source) for e in logged] == [("unsubscribe", "link")]
    deliver_due(db.session, now=NOW, backend=MailboxBackend("e@example.org"))
    db.session.refresh(message)
    assert message.status is OutboxStatus.SUPPRESSED


def test_one_click_post_works_without_cookie_or_csrf_token(app):
    app.config["WTF_CSRF_ENABLED"] = True
    contact = make_contact()
    message = queued_for(contact)
    response = app.test_client().post(path_of(message),
                                      data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    logged = db.session.scalars(select(EmailEvent)).one()
    assert logged.outcome == "Unsubscribed (one-click)"


def test_altered_unsubscribe_token_is_404_with_a_clear_page(app, client):
    contact = make_contact()
    path = path_of(queued_for(contact))
    response = client.post(path[:-3] + "xyz")
    assert response.status_code == 404
    assert "not recognised" in response.get_data(as_text=True)
    assert db.session.scalars(select(EmailEvent)).all() == []
