"""What the real `sendgrid` client sends, as the stub received it (schema-checked there)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from engage.extensions import db
from engage.messaging.backends import (
    MailboxBackend,
    SendGridBackend,
    backend_from_config,
    retry_after_seconds,
)
from engage.messaging.delivery import deliver_due
from engage.messaging.outbox import Attachment, Email, queue_email
from tests.factories import make_campaign, make_contact
from tests.messaging.conftest import NOW


def test_body_carries_outbox_id_campaign_category_headers_and_attachment(app, stub, sendgrid):
    contact = make_contact()
    campaign = make_campaign()
    ics = base64.b64encode(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n").decode()
    message = queue_email(db.session, Email(
        "reminder:1", contact.email, "test", to_name="Pat Lee", contact_id=contact.id,
        campaign_id=campaign.id, kind="reminder",
        attachments=[Attachment("invite.ics", "text/calendar", ics)]), now=NOW)
    db.session.commit()
    assert deliver_due(db.session, now=NOW, backend=sendgrid) == 1
    assert stub.rejected == []
    [request] = stub.requests
    body = request["body"]
    personalisation = body["personalizations"][0]
    assert personalisation["to"] == [{"email": contact.email, "name": "Pat Lee"}]
    assert personalisation["custom_args"] == {"outbox_id": str(message.id),
                                              "campaign_id": str(campaign.id)}
    assert personalisation["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert personalisation["headers"]["List-Unsubscribe"].startswith("<http")
    assert body["categories"] == [f"campaign-{campaign.id}", "reminder"]
    assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
    assert body["attachments"] == [{"content": ics, "filename": "invite.ics",
                                    "type": "text/calendar", "disposition": "attachment"}]
    assert body["from"] == {"email": "engage@example.org"}
    assert "send_at" not in body
    assert request["headers"]["Authorization"] == "Bearer SG.test-key"


def test_every_call_has_a_timeout(app, stub):
    backend = SendGridBackend("SG.test-key", stub.url, "e@example.org", timeout=3.5)
    assert backend._client().client.timeout == 3.5


def test_backend_from_config_picks_sendgrid_only_with_a_key(app):
    assert isinstance(backend_from_config({"SENDGRID_API_KEY": ""}), MailboxBackend)
    backend = backend_from_config({"SENDGRID_API_KEY": "SG.x", "SENDGRID_API_HOST": "http://h",
                                   "SENDGRID_TIMEOUT_SECONDS": 7})
    assert isinstance(backend, SendGridBackend)
    assert (backend.host, backend.timeout) == ("http://h", 7.0)


def test_retry_after_as_seconds_or_http_date():
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120
    assert retry_after_seconds("Mon, 02 Mar 2026 09:05:00 GMT", now) == 300
    assert retry_after_seconds("soon", now) is None


def test_messages_sharing_a_form_go_in_one_request_with_a_personalisation_each(app, stub,
                                                                                sendgrid):
    messages = [queue_email(db.session, Email(f"k{n}", f"p{n}@example.org", "test",
                                              kind="bulletin"), now=NOW) for n in range(3)]
    db.session.commit()
    assert deliver_due(db.session, now=NOW, backend=sendgrid) == 3
    [request] = stub.requests
    personalisations = request["body"]["personalizations"]
    assert [p["custom_args"]["outbox_id"] for p in personalisations] == [
        str(m.id) for m in messages]
    for message, p in zip(messages, personalisations, strict=True):
        url = message.headers["List-Unsubscribe"].strip("<>")
        assert p["substitutions"] == {"%engage_unsubscribe_url%": url,
                                      "%engage_click_token%": message.click_token}
        assert p["headers"]["List-Unsubscribe"] == f"<{url}>"
    assert "%engage_unsubscribe_url%" in request["body"]["content"][0]["value"]
    assert {m.provider_message_id for m in messages} == {request["message_id"]}


def test_a_rejected_shared_request_is_retried_one_by_one(app, stub, sendgrid):
    for n in range(2):
        queue_email(db.session, Email(f"k{n}", f"p{n}@example.org", "test"), now=NOW)
    db.session.commit()
    stub.script(400)
    assert deliver_due(db.session, now=NOW, backend=sendgrid) == 2
    assert len(stub.rejected) == 1 and len(stub.requests) == 2


def test_messages_that_differ_are_sent_separately(app, stub, sendgrid):
    for n in range(2):
        queue_email(db.session, Email(f"k{n}", f"p{n}@example.org", "test",
                                      context={"note": f"Dear person {n}"}), now=NOW)
    db.session.commit()
    assert deliver_due(db.session, now=NOW, backend=sendgrid) == 2
    assert [len(b["personalizations"]) for b in stub.bodies] == [1, 1]


def test_send_at_more_than_72_hours_ahead_is_refused():
    import time

    import pytest

    from engage.messaging.backends import Outgoing, sendgrid_body

    message = Outgoing(1, "a@example.org", "", "Hi", "Hello")
    assert sendgrid_body(message, "e@example.org", send_at=int(time.time()) + 3600)["send_at"]
    with pytest.raises(ValueError, match="72 hours"):
        sendgrid_body(message, "e@example.org", send_at=int(time.time()) + 73 * 3600)


def test_messages_with_tracked_links_still_share_a_request(app, stub, sendgrid, monkeypatch):
    """Each message's own click token travels as a substitution, like its unsubscribe link."""
    from engage.messaging import tracking

    def tracked_parts(session, *, send_ref, text, html, now):  # type: ignore[no-untyped-def]
        mark = "https://s.example/x?m=" + tracking.TOKEN_MARK
        return text + mark, html.replace("</p>", f' <a href="{mark}">Book</a></p>', 1)

    monkeypatch.setattr(tracking, "tracked_parts", tracked_parts)
    messages = [queue_email(db.session, Email(f"t{n}", f"p{n}@example.org", "test",
                                              kind="bulletin", send_ref="bulletin:1"), now=NOW)
                for n in range(3)]
    db.session.commit()
    assert deliver_due(db.session, now=NOW, backend=sendgrid) == 3
    [request] = stub.requests
    assert "https://s.example/x?m=%engage_click_token%" in request["body"]["content"][1]["value"]
    tokens = [p["substitutions"]["%engage_click_token%"]
              for p in request["body"]["personalizations"]]
    assert tokens == [m.click_token for m in messages] and len(set(tokens)) == 3
