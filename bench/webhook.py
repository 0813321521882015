"""Benchmark: one signed SendGrid webhook post of 20,000 events through the real route.

Builds a migrated SQLite database (or PostgreSQL with --pg URL) with 5,000 sent messages to
5,000 contacts at 1,250 practices, and signs one post with a fresh ECDSA key pair: for each
message `processed`, `delivered`, `open` and `click` (20,000 events; opens and clicks become
ledger rows), plus one event in a hundred a hard bounce instead of a click. It posts it to
`POST /webhooks/sendgrid` with Flask's test client (the whole route: signature, parsing, the
per-event checks, the bulk writes, the commit), then posts the same body again (every event a
duplicate).

The baseline, measured in the same run: checking the signature of the same body and parsing
its JSON, which every post pays before any event is looked at.

It prints the times and exits non-zero when the first post takes 5 s or more, or when the
stored rows are not what the events say.

    .venv/bin/python bench/webhook.py [--messages 5000] [--pg URL] [--keep PATH]
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from engage import create_app  # noqa: E402
from engage.campaigns.models import Engagement  # noqa: E402
from engage.directory.models import Contact, ContactRole, Organisation, OrgKind, OrgStatus  # noqa: E402
from engage.extensions import db  # noqa: E402
from engage.messaging.models import EmailEvent, OutboxMessage, OutboxStatus  # noqa: E402
from engage.messaging.webhook import parse_events, verify  # noqa: E402

TARGET_SECONDS = 5.0
SENT_AT = 1_760_000_000


def events_for(ids: list[tuple[int, str]]) -> list[dict[str, object]]:
    events: list[dict[str, object]] = []
    for n, (outbox_id, email) in enumerate(ids):
        base = {"email": email, "sg_message_id": f"bench{outbox_id}.filter0001",
                "outbox_id": str(outbox_id), "ip": "192.0.2.1", "useragent": "Mozilla/5.0",
                "category": ["reminder"]}
        last = ("bounce", {"type": "bounce", "reason": "550 no such user"}) if n % 100 == 0 \
            else ("click", {"url": "https://engage.example.org/q/abc?x=1"})
        for step, (kind, extra) in enumerate([("processed", {}), ("delivered", {}),
                                              ("open", {}), last]):
            events.append({**base, **extra, "event": kind,
                           "sg_event_id": f"bench-{outbox_id}-{kind}",
                           "timestamp": SENT_AT + step * 60})
    return events


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--pg", help="a PostgreSQL URL to run against instead of SQLite")
    parser.add_argument("--keep", help="keep the SQLite database at this path")
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    key = ec.generate_private_key(ec.SECP256R1())
    public_key = base64.b64encode(key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
    db_path = Path(args.keep) if args.keep else \
        Path(tempfile.mkdtemp(prefix="engage-bench-webhook-")) / "bench.db"
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": args.pg or f"sqlite:///{db_path}", "ENGAGE_ENV": "test",
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
        "SENDGRID_WEBHOOK_PUBLIC_KEY": public_key, "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
    })
    with app.app_context():
        upgrade()
        org_ids = list(db.session.scalars(insert(Organisation).returning(Organisation.id), [
            {"ods_code": f"W{n:05d}", "name": f"Bench Surgery {n}", "kind": OrgKind.GP_PRACTICE,
             "status": OrgStatus.ACTIVE, "postcode": "CB1 1AA", "post_town": "CAMBRIDGE",
             "source": "demo"} for n in range(max(1, args.messages // 4))]))
        contacts = db.session.execute(insert(Contact).returning(
            Contact.id, Contact.email, Contact.organisation_id), [
            {"organisation_id": org_ids[n % len(org_ids)], "name": f"Person {n}",
             "role": ContactRole.PRACTICE_MANAGER, "email": f"webhook{n}@example.org"}
            for n in range(args.messages)]).all()
        sent_at = datetime.fromtimestamp(SENT_AT, UTC)
        ids = db.session.execute(insert(OutboxMessage).returning(
            OutboxMessage.id, OutboxMessage.to_email), [
            {"idempotency_key": f"bench:{c.id}", "status": OutboxStatus.SENT, "kind": "reminder",
             "template": "test", "to_email": c.email, "contact_id": c.id,
             "organisation_id": c.organisation_id, "subject": "Bench", "text_body": "Hello.",
             "headers": {}, "attachments": [], "sent_at": sent_at,
             "provider_message_id": f"bench{c.id}"} for c in contacts]).all()
        db.session.commit()
    events = events_for([(i, e) for i, e in ids])
    body = json.dumps(events, separators=(",", ":")).encode()

    def signed() -> dict[str, str]:
        timestamp = str(int(time.time()))
        signature = base64.b64encode(key.sign(timestamp.encode() + body,
                                              ec.ECDSA(hashes.SHA256()))).decode()
        return {"X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
                "X-Twilio-Email-Event-Webhook-Signature": signature,
                "Content-Type": "application/json"}

    headers = signed()
    started = time.perf_counter()
    verify(body, headers["X-Twilio-Email-Event-Webhook-Signature"],
           headers["X-Twilio-Email-Event-Webhook-Timestamp"], public_key=public_key,
           now=datetime.now(UTC))
    parse_events(body)
    baseline = time.perf_counter() - started

    client = app.test_client()
    started = time.perf_counter()
    first = client.post("/webhooks/sendgrid", data=body, headers=headers)
    first_seconds = time.perf_counter() - started
    started = time.perf_counter()
    again = client.post("/webhooks/sendgrid", data=body, headers=signed())
    again_seconds = time.perf_counter() - started

    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(EmailEvent))
        ledger = db.session.scalar(select(func.count()).select_from(Engagement))
    bounces = (len(ids) + 99) // 100
    expected_ledger = len(ids) * 2 - bounces
    mb = len(body) / 1e6
    print(f"events: {len(events):,} in one post ({mb:.1f} MB), "
          f"{'PostgreSQL' if args.pg else 'SQLite'}")
    print(f"baseline: signature check and JSON parse of the body  {baseline:6.2f} s")
    print(f"webhook post, every event new  {first.status_code}  {first_seconds:6.2f} s  "
          f"{first.get_json()}")
    print(f"webhook post again, all duplicates  {again.status_code}  {again_seconds:6.2f} s  "
          f"{again.get_json()}")
    print(f"stored: {stored:,} events, {ledger:,} ledger rows (expected {len(events):,}, "
          f"{expected_ledger:,})")
    ok = (first.status_code == 200 and again.status_code == 200 and stored == len(events)
          and ledger == expected_ledger and first_seconds < TARGET_SECONDS)
    print("OK" if ok else f"FAILED (target: under {TARGET_SECONDS:g} s, every event stored)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
