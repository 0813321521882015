"""The delivery step: claim, send, record, back off, recover, pause on a bad key."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from engage.extensions import db
from engage.messaging.backends import MailboxBackend, SendGridBackend
from engage.messaging.delivery import claim, deliver_due
from engage.messaging.models import DeliveryPause, MailboxMessage, OutboxMessage, OutboxStatus
from engage.messaging.outbox import Email, queue_email
from tests.factories import make_contact
from tests.messaging.conftest import NOW
from tests.messaging.sendgrid_stub import API_KEY, free_port


def queue(n: int = 1, **overrides) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    messages = []
    for i in range(n):
        values = {"idempotency_key": f"test:{i}:{overrides.get('key', '')}",
                  "to_email": f"person{i}@example.org", "template": "test",
                  "context": {"note": "hello"}, "kind": "test"}
        values.update({k: v for k, v in overrides.items() if k != "key"})
        message = queue_email(db.session, Email(**values), now=NOW)
        assert message is not None
        messages.append(message)
    db.session.commit()
    return messages


def statuses() -> list[OutboxStatus]:
    return list(db.session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


def test_mailbox_backend_stores_each_due_message_once(app):
    queue(3)
    backend = MailboxBackend("engage@example.org")
    assert deliver_due(db.session, now=NOW, backend=backend) == 3
    assert deliver_due(db.session, now=NOW, backend=backend) == 0
    assert db.session.scalar(select(func.count()).select_from(MailboxMessage)) == 3
    assert statuses() == [OutboxStatus.SENT] * 3
    sent = db.session.scalars(select(OutboxMessage)).first()
    assert sent.provider_message_id == f"mailbox-{sent.id}" and sent.sent_at == NOW


def test_message_is_not_sent_before_its_send_after(app):
    queue(1, send_after=NOW + timedelta(hours=1))
    backend = MailboxBackend("engage@example.org")
    assert deliver_due(db.session, now=NOW, backend=backend) == 0
    assert deliver_due(db.session, now=NOW + timedelta(hours=1), backend=backend) == 1


def test_a_claimed_row_is_not_claimed_again(app):
    queue(2)
    first = claim(db.session, now=NOW, limit=10)
    second = claim(db.session, now=NOW, limit=10)
    assert len(first) == 2 and second == []
    assert {m.status for m in first} == {OutboxStatus.SENDING}
    assert {m.attempts for m in first} == {1}


def test_row_stuck_in_sending_is_recovered_after_the_timeout(app):
    queue(1)
    claim(db.session, now=NOW, limit=10)  # a process claimed it, then died
    backend = MailboxBackend("engage@example.org")
    assert deliver_due(db.session, now=NOW + timedelta(minutes=5), backend=backend) == 0
    assert deliver_due(db.session, now=NOW + timedelta(minutes=11), backend=backend) == 1
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.status is OutboxStatus.SENT and message.attempts == 2


def test_sendgrid_202_records_the_provider_message_id(app, stub, sendgrid):
    [message] = queue(1)
    assert deliver_due(db.session, now=NOW, backend=sendgrid) == 1
    db.session.refresh(message)
    assert message.status is OutboxStatus.SENT
    assert message.provider_message_id == stub.requests[0]["message_id"]
    assert stub.outbox_ids() == [message.id]


def test_sendgrid_400_fails_at_once_with_the_reason(app, stub, sendgrid):
    [message] = queue(1)
    stub.script(400)
    assert deliver_due(db.session, now=NOW, backend=sendgrid) == 0
    db.session.refresh(message)
    assert message.status is OutboxStatus.FAILED and message.attempts == 1
    assert "rejected the message (400)" in message.last_error


def test_sendgrid_500_retries_later_with_backoff(app, stub, sendgrid):
    [message] = queue(1)
    stub.script(500)
    deliver_due(db.session, now=NOW, backend=sendgrid)
    db.session.refresh(message)
    assert message.status is OutboxStatus.QUEUED and message.attempts == 1
    assert NOW + timedelta(seconds=30) <= message.send_after <= NOW + timedelta(minutes=1)
    assert "500" in message.last_error
    assert deliver_due(db.session, now=message.send_after, backend=sendgrid) == 1
    assert len(stub.requests) == 1


def test_sendgrid_429_honours_retry_after(app, stub, sendgrid):
    [message] = queue(1)
    stub.script(429, retry_after="600")
    deliver_due(db.session, now=NOW, backend=sendgrid)
    db.session.refresh(message)
    assert message.status is OutboxStatus.QUEUED
    assert message.send_after == NOW + timedelta(seconds=600)


def test_connection_refused_is_retried(app):
    [message] = queue(1)
    backend = SendGridBackend(API_KEY, f"http://127.0.0.1:{free_port()}", "e@example.org",
                              timeout=2.0)
    deliver_due(db.session, now=NOW, backend=backend)
    db.session.refresh(message)
    assert message.status is OutboxStatus.QUEUED
    assert "Could not reach SendGrid" in message.last_error


def test_hung_api_is_a_retryable_timeout(app, stub):
    [message] = queue(1)
    stub.script(202, delay=1.5)
    backend = SendGridBackend(API_KEY, stub.url, "e@example.org", timeout=0.3)
    deliver_due(db.session, now=NOW, backend=backend)
    db.session.refresh(message)
    assert message.status is OutboxStatus.QUEUED
    assert "did not answer within" in message.last_error


def test_gives_up_after_max_attempts(app, stub, sendgrid):
    [message] = queue(1)
    stub.script(500, times=3)
    when = NOW
    for _ in range(3):
        deliver_due(db.session, now=when, backend=sendgrid, max_attempts=3)
        db.session.refresh(message)
        when = message.send_after
    assert message.status is OutboxStatus.FAILED
    assert message.last_error.startswith("Gave up after 3 attempts")


def test_sendgrid_401_pauses_delivery_without_a_retry_storm(app, stub):
    queue(5)
    backend = SendGridBackend("SG.wrong", stub.url, "e@example.org", timeout=2.0)
    backend.concurrency = 1
    assert deliver_due(db.session, now=NOW, backend=backend) == 0
    assert len(stub.rejected) == 1  # one call, then delivery stopped
    assert statuses() == [OutboxStatus.QUEUED] * 5
    assert {m.attempts for m in db.session.scalars(select(OutboxMessage))} == {0}
    pause = db.session.scalars(select(DeliveryPause)).one()
    assert "SENDGRID_API_KEY" in pause.reason
    assert deliver_due(db.session, now=NOW + timedelta(hours=1), backend=backend) == 0
    assert len(stub.rejected) == 1


def test_suppressed_contact_is_not_sent_at_delivery(app):
    contact = make_contact()
    [message] = queue(1, contact_id=contact.id, to_email=contact.email)
    contact.do_not_email = True
    db.session.commit()
    deliver_due(db.session, now=NOW, backend=MailboxBackend("e@example.org"))
    db.session.refresh(message)
    assert message.status is OutboxStatus.SUPPRESSED
    assert "do not email" in message.last_error


def test_stub_rejects_a_body_that_breaks_the_schema(stub):
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(  # noqa: S310 - the local stub
        f"{stub.url}/v3/mail/send", data=json.dumps({"personalizations": []}).encode(),
        headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"})
    try:
        urllib.request.urlopen(request, timeout=5)  # noqa: S310 - the local stub
        raise AssertionError("expected 400")
    except urllib.error.HTTPError as exc:
        assert exc.code == 400
    assert stub.rejected[0]["schema_errors"]


def test_separate_stub_is_reachable_as_a_process(tmp_path):
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request
    from pathlib import Path

    port = free_port()
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-m", "tests.messaging.sendgrid_stub", "--port",
                             str(port), "--record", str(tmp_path / "sent.jsonl")], cwd=root,
                            stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        assert b"listening" in proc.stdout.readline()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/v3/mail/send", data=b"{}")
        try:
            urllib.request.urlopen(request, timeout=5)  # noqa: S310 - the local stub
        except urllib.error.HTTPError as exc:
            assert exc.code == 401
    finally:
        proc.terminate()
        proc.wait(5)
    time.sleep(0)


def test_address_invalid_at_delivery_fails_with_the_reason(app):
    from tests.factories import make_outbox_message

    message = make_outbox_message(to_email="pat@@example", send_after=NOW)
    db.session.commit()
    assert deliver_due(db.session, now=NOW, backend=MailboxBackend("e@example.org")) == 0
    db.session.refresh(message)
    assert message.status is OutboxStatus.FAILED
    assert message.last_error.startswith("Invalid recipient address 'pat@@example'")
    assert db.session.scalar(select(func.count()).select_from(MailboxMessage)) == 0
