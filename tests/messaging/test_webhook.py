"""POST /webhooks/sendgrid: real ECDSA signatures from a fresh key pair, and what events do."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from engage.campaigns.models import Channel, Engagement, EngagementKind
from engage.directory.models import SuppressionReason
from engage.extensions import db
from engage.messaging.models import EmailEvent, OutboxStatus
from engage.messaging.suppression import why_not_send
from tests.factories import make_contact, make_outbox_message, make_touchpoint

PRIVATE_KEY = ec.generate_private_key(ec.SECP256R1())
PUBLIC_KEY = base64.b64encode(PRIVATE_KEY.public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()


@pytest.fixture()
def app_config() -> dict[str, Any]:
    return {"SENDGRID_WEBHOOK_PUBLIC_KEY": PUBLIC_KEY}


def sign(body: bytes, timestamp: str) -> str:
    return base64.b64encode(PRIVATE_KEY.sign(timestamp.encode() + body,
                                             ec.ECDSA(hashes.SHA256()))).decode()


def post(client, events: Any, *, raw: bytes | None = None, timestamp: str | None = None,  # type: ignore[no-untyped-def]
         signature: str | None = None):
    body = raw if raw is not None else json.dumps(events, separators=(",", ":")).encode()
    timestamp = timestamp or str(int(datetime.now(UTC).timestamp()))
    headers = {
        "X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
        "X-Twilio-Email-Event-Webhook-Signature": signature or sign(body, timestamp),
        "Content-Type": "application/json",
    }
    return client.post("/webhooks/sendgrid", data=body, headers=headers)


def event(kind: str, message: Any = None, n: int = 1, **extra: Any) -> dict[str, Any]:
    values = {
        "event": kind, "sg_event_id": f"ev-{kind}-{n}", "timestamp": 1_760_000_000 + n * 60,
        "email": message.to_email if message is not None else "someone@example.org",
        "sg_message_id": (f"{message.provider_message_id}.filter0001" if message is not None
                          else "unknown123.filter"),
        "ip": "192.0.2.1", "useragent": "Mozilla/5.0",
    }
    if message is not None:
        values["outbox_id"] = str(message.id)
    values.update(extra)
    return values


def sent_message(**overrides: Any):  # type: ignore[no-untyped-def]
    contact = make_contact()
    values = {"status": OutboxStatus.SENT, "to_email": contact.email, "contact_id": contact.id,
              "organisation_id": contact.organisation_id, "provider_message_id": "abc123",
              "sent_at": datetime.fromtimestamp(1_760_000_000, UTC)}
    values.update(overrides)
    message = make_outbox_message(**values)
    db.session.commit()
    return message


def test_signed_events_are_accepted(app, client):
    message = sent_message()
    response = post(client, [event("delivered", message), event("open", message, 2)])
    assert response.status_code == 200, response.get_data(as_text=True)
    db.session.refresh(message)
    assert message.event_status == "open"


def test_unsigned_post_is_403(app, client):
    response = client.post("/webhooks/sendgrid", data=b"[]",
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 403


def test_badly_signed_post_is_403(app, client):
    other = ec.generate_private_key(ec.SECP256R1())
    ts = str(int(datetime.now(UTC).timestamp()))
    bad = base64.b64encode(other.sign(ts.encode() + b"[]", ec.ECDSA(hashes.SHA256()))).decode()
    assert post(client, [], raw=b"[]", timestamp=ts, signature=bad).status_code == 403


def test_webhook_with_non_base64_signature_is_403(app, client):
    assert post(client, [], signature="not base64 at all!").status_code == 403


def test_signature_over_a_reserialised_body_does_not_verify(app, client):
    body = b'[ {"event": "open", "sg_event_id": "x1", "timestamp": 1} ]'
    ts = str(int(datetime.now(UTC).timestamp()))
    signature = sign(json.dumps(json.loads(body)).encode(), ts)
    assert post(client, None, raw=body, timestamp=ts, signature=signature).status_code == 403


def test_webhook_with_timestamp_older_than_five_minutes_is_403(app, client):
    old = str(int((datetime.now(UTC) - timedelta(minutes=6)).timestamp()))
    assert post(client, [], timestamp=old).status_code == 403


def test_webhook_with_malformed_json_is_400(app, client):
    assert post(client, None, raw=b"[{not json").status_code == 400
    assert post(client, None, raw=b'{"event": "open"}').status_code == 400


def test_webhook_replay_changes_nothing(app, client):
    message = sent_message()
    events = [event("open", message)]
    assert post(client, events).status_code == 200
    response = post(client, events)
    assert response.status_code == 200 and response.get_json() == {"duplicate": 1}
    assert db.session.scalar(select(func.count()).select_from(Engagement)) == 1
    assert db.session.scalar(select(func.count()).select_from(EmailEvent)) == 1


def test_open_after_a_bounce_does_not_move_the_status_back(app, client):
    message = sent_message()
    post(client, [event("bounce", message, 1, type="bounce", reason="550 no such user")])
    post(client, [event("open", message, 2)])
    db.session.refresh(message)
    assert message.event_status == "bounce"
    assert why_not_send(db.session, message.to_email, message.contact_id)


def test_opens_and_clicks_become_engagement_for_the_organisation(app, client):
    touchpoint = make_touchpoint(channel=Channel.WEBINAR)
    message = sent_message(touchpoint_id=touchpoint.id, campaign_id=touchpoint.campaign_id)
    post(client, [event("open", message, 1), event("click", message, 10,
                                                     url="https://example.org/x?token=secret")])
    rows = db.session.scalars(select(Engagement).order_by(Engagement.id)).all()
    assert [(r.kind, r.counted, r.channel) for r in rows] == [
        (EngagementKind.OPENED, True, Channel.WEBINAR),
        (EngagementKind.CLICKED, True, Channel.WEBINAR)]
    assert {r.organisation_id for r in rows} == {message.organisation_id}
    assert rows[0].source_ref == "sg:ev-open-1"
    stored = db.session.scalars(select(EmailEvent).where(EmailEvent.event == "click")).one()
    assert stored.detail["url"] == "https://example.org/x"
    assert "ip" not in stored.detail and "useragent" not in stored.detail


def test_machine_opens_and_fast_clicks_are_kept_but_not_counted(app, client):
    message = sent_message()
    post(client, [event("delivered", message, 0),
                  event("open", message, 1, sg_machine_open=True),
                  event("click", message, 0, sg_event_id="fast-click")])
    rows = db.session.scalars(select(Engagement).order_by(Engagement.id)).all()
    assert [(r.kind, r.counted) for r in rows] == [(EngagementKind.OPENED, False),
                                                  (EngagementKind.CLICKED, False)]
    assert rows[0].channel is Channel.EMAIL_BULLETIN


@pytest.mark.parametrize(("kind", "extra", "reason"), [
    ("bounce", {"type": "bounce"}, SuppressionReason.HARD_BOUNCE),
    ("dropped", {"reason": "Bounced Address"}, SuppressionReason.DROPPED),
    ("spamreport", {}, SuppressionReason.SPAM_REPORT),
    ("unsubscribe", {}, SuppressionReason.UNSUBSCRIBED),
    ("group_unsubscribe", {"asm_group_id": 1}, SuppressionReason.UNSUBSCRIBED),
])
def test_suppressing_events_suppress_the_contact(app, client, kind, extra, reason):
    message = sent_message()
    assert post(client, [event(kind, message, **extra)]).status_code == 200
    from engage.directory.models import Contact

    contact = db.session.get(Contact, message.contact_id)
    db.session.refresh(contact)
    assert contact.suppression_reason is reason and contact.suppressed_at is not None


def test_blocked_bounce_does_not_suppress(app, client):
    message = sent_message()
    post(client, [event("bounce", message, type="blocked")])
    assert why_not_send(db.session, message.to_email, message.contact_id) is None


def test_unknown_sg_message_id_is_logged_and_visible(app, client, manager_client):
    response = post(client, [event("open", None)])
    assert response.status_code == 200 and response.get_json() == {"unknown": 1}
    stored = db.session.scalars(select(EmailEvent)).one()
    assert stored.outcome.startswith("Unknown message")
    page = manager_client.get("/outbox/events").get_data(as_text=True)
    assert "Unknown message" in page


def test_webhook_answers_503_when_the_database_is_unavailable(database_url, tmp_path):
    from engage import create_app
    from tests.conftest import base_config

    broken = create_app(base_config(f"sqlite:///{tmp_path}/missing/dir/engage.db",
                                    SENDGRID_WEBHOOK_PUBLIC_KEY=PUBLIC_KEY))
    response = post(broken.test_client(), [event("open", None)])
    assert response.status_code == 503


def test_webhook_is_csrf_exempt(app):
    app.config["WTF_CSRF_ENABLED"] = True
    response = post(app.test_client(), [])
    assert response.status_code == 200


def test_event_without_our_custom_arg_is_matched_by_message_id_and_address(app, client):
    first = sent_message(provider_message_id="shared1")
    second = sent_message(provider_message_id="shared1")
    ev = event("delivered", second)
    del ev["outbox_id"]
    post(client, [ev])
    db.session.refresh(first)
    db.session.refresh(second)
    assert (first.event_status, second.event_status) == ("", "delivered")


def test_webhook_with_timestamp_in_the_future_is_403(app, client):
    later = str(int((datetime.now(UTC) + timedelta(minutes=6)).timestamp()))
    assert post(client, [], timestamp=later).status_code == 403


def test_webhook_without_a_configured_key_is_503(app, client):
    app.config["SENDGRID_WEBHOOK_PUBLIC_KEY"] = ""
    assert post(client, []).status_code == 503


def test_odd_events_are_skipped_and_the_good_ones_stored(app, client, caplog):
    message = sent_message()
    good = [event("delivered", message, 1), event("open", message, 2)]
    odd = [
        event("open", message, 3, reason="nul\x00here"),
        event("open", message, 4, outbox_id=10**30),
        event("open", message, 5, outbox_id=["1"]),
        event("open", message, 6, email={"nested": "x"}),
        event("open", message, 7, timestamp=10**30),
        "a string, not an event",
        [1, 2],
    ]
    response = post(client, [odd[0], good[0], *odd[1:], good[1]])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"processed": 2, "skipped": 7}
    stored = db.session.scalars(select(EmailEvent.sg_event_id).order_by(EmailEvent.id)).all()
    assert stored == ["ev-delivered-1", "ev-open-2"]
    db.session.refresh(message)
    assert message.event_status == "open"
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 7
    assert "ev-open-3" in skipped[0] and "NUL" in skipped[0]
    text = "\n".join(skipped)
    assert "nul" not in text.replace("NUL", "") and str(10**30) not in text
    assert "nested" not in text and "a string, not" not in text


def test_a_retried_post_with_an_odd_event_stores_nothing_twice(app, client):
    message = sent_message()
    events = [event("open", message, 1), event("click", message, 2, outbox_id=10**30)]
    assert post(client, events).get_json() == {"processed": 1, "skipped": 1}
    assert post(client, events).get_json() == {"duplicate": 1, "skipped": 1}
    assert db.session.scalar(select(func.count()).select_from(Engagement)) == 1


@pytest.mark.parametrize("depth", [9, 100_000])
def test_deeply_nested_json_is_400_with_a_clear_message(app, client, depth):
    body = b"[" * depth + b"]" * depth
    response = post(client, None, raw=body)
    assert response.status_code == 400
    assert "nests JSON more than 8 levels" in response.get_json()["error"]


def test_sendgrid_shaped_nesting_is_accepted(app, client):
    message = sent_message()
    ev = event("open", message, category=["a", "b"], pool={"name": "p", "id": 1})
    assert post(client, [ev]).status_code == 200


def test_too_many_events_in_one_post_is_413(app, client):
    from engage.messaging.webhook import MAX_EVENTS

    body = b"[" + b",".join([b"{}"] * (MAX_EVENTS + 1)) + b"]"
    response = post(client, None, raw=body)
    assert response.status_code == 413
    assert f"at most {MAX_EVENTS:,}" in response.get_json()["error"]
    assert db.session.scalar(select(func.count()).select_from(EmailEvent)) == 0
