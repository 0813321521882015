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


def _decodings(token: str) -> list[bytes]:
    """Every way a part of the token could be read back: base64 (any alphabet), and zlib."""
    import base64
    import binascii
    import contextlib
    import zlib

    found = [token.encode()]
    for part in token.replace("~", ".").split("."):
        for decode in (base64.urlsafe_b64decode, base64.b64decode):
            try:
                raw = decode(part + "=" * (-len(part) % 4))
            except (binascii.Error, ValueError):
                continue
            found.append(raw)
            with contextlib.suppress(zlib.error):
                found.append(zlib.decompress(raw))
    return found


def test_unsubscribe_token_does_not_carry_the_address(app, client):
    contact = make_contact(email="Jane.Doe@Example.org")
    token = path_of(queued_for(contact)).rsplit("/", 1)[1]
    for raw in _decodings(token):
        text = raw.decode("latin-1").lower()
        assert "jane" not in text and "doe" not in text and "example" not in text
    assert client.get(f"/unsubscribe/{token}").status_code == 200


def test_an_address_keeps_one_token_across_messages(app):
    contact = make_contact()
    assert path_of(queued_for(contact, "a")) == path_of(queued_for(contact, "b"))


def test_legacy_address_tokens_in_old_emails_still_work(app, client):
    from itsdangerous import URLSafeSerializer

    contact = make_contact()
    legacy = URLSafeSerializer(app.config["SECRET_KEY"], salt="engage.unsubscribe").dumps(
        {"e": contact.email.lower()})
    assert contact.email in client.get(f"/unsubscribe/{legacy}").get_data(as_text=True)
    assert client.post(f"/unsubscribe/{legacy}").status_code == 200
    db.session.refresh(contact)
    assert contact.suppression_reason is SuppressionReason.UNSUBSCRIBED


def test_the_access_log_line_for_an_unsubscribe_link_shows_the_token_redacted(app):
    import io
    import logging

    from engage.logging_setup import install_redaction

    contact = make_contact()
    path = path_of(queued_for(contact))
    token = path.rsplit("/", 1)[1]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    install_redaction(handler)
    logger = logging.getLogger("tests.access")
    logger.addHandler(handler)
    try:
        # werkzeug's development server line, then gunicorn's access log format
        logger.warning('%s - - [%s] "%s" %s %s', "127.0.0.1", "05/Dec/2026 18:00:00",
                       f"POST {path} HTTP/1.1", "200", "-")
        logger.warning('%(h)s "%(r)s" %(s)s', {"h": "127.0.0.1", "r": f"GET {path}?x=1 HTTP/1.0",
                                               "s": "200"})
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and token not in stream.getvalue()
    assert all("/unsubscribe/[redacted]" in line for line in lines)
