"""Benchmark: queue 20,000 reminder emails and deliver them through the real `sendgrid` client.

Builds a migrated SQLite database with 20,000 contacts, queues one reminder email each through
`queue_email` (rendering, address check, suppression check, unsubscribe headers and footer),
starts the SendGrid stub (tests/messaging/sendgrid_stub.py, which validates every body against
SendGrid's published schema) as a separate process, and runs the delivery step until nothing
is due. Then it reads the stub's record file and checks that every message arrived exactly
once: no duplicates, none missing.

The baseline, measured in the same run against the same stub process: the raw request rate
of a bare HTTP client (urllib, a new connection per request like python-http-client) posting
the same kind of body with the same number of threads.

It prints messages per second and exits non-zero when delivery is below 200 messages per
second, or when anything is duplicated or missing.

    .venv/bin/python bench/email_delivery.py [--messages 20000] [--concurrency 4]
                                             [--batch-size 50] [--keep PATH]
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from engage import create_app  # noqa: E402
from engage.directory.models import Contact, ContactRole, Organisation, OrgKind, OrgStatus  # noqa: E402
from engage.extensions import db  # noqa: E402
from engage.messaging.backends import Outgoing, SendGridBackend, sendgrid_body  # noqa: E402
from engage.messaging.delivery import deliver_due  # noqa: E402
from engage.messaging.models import OutboxMessage, OutboxStatus  # noqa: E402
from engage.messaging.outbox import Email, queue_email  # noqa: E402
from tests.messaging.sendgrid_stub import API_KEY, free_port  # noqa: E402

TARGET_PER_SECOND = 200
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def start_stub(record: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.messaging.sendgrid_stub", "--port", str(port),
         "--record", str(record)], cwd=ROOT, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.readline()  # "listening on ..."
    return proc, f"http://127.0.0.1:{port}"


def warm_up(url: str) -> None:
    """One accepted request (outbox id 0), so neither figure pays for the stub's start-up."""
    body = sendgrid_body(Outgoing(0, "warm-up@example.org", "", "Warm-up", "Warm-up"),
                         "engage@example.org")
    request = urllib.request.Request(  # noqa: S310 - the local stub
        f"{url}/v3/mail/send", data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 202


def baseline(url: str, body: dict, requests: int, concurrency: int) -> float:
    """Requests per second of a bare urllib client posting to the stub."""
    data = json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}

    def one(_: int) -> int:
        request = urllib.request.Request(f"{url}/v3/mail/send", data=data, headers=headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        statuses = Counter(pool.map(one, range(requests)))
    elapsed = time.perf_counter() - started
    assert statuses == {202: requests}, statuses
    return requests / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--batch", type=int, default=500, help="rows claimed per step")
    parser.add_argument("--batch-size", type=int, default=50,
                        help="most recipients per SendGrid request (1: one request each)")
    parser.add_argument("--keep", help="keep the database at this path")
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    workdir = Path(tempfile.mkdtemp(prefix="engage-bench-email-"))
    db_path = Path(args.keep) if args.keep else workdir / "bench.db"
    record = workdir / "sent.jsonl"
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "ENGAGE_ENV": "test",
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
        "PUBLIC_BASE_URL": "https://engage.example.org",
    })
    stub, url = start_stub(record)
    warm_up(url)
    try:
        with app.app_context():
            upgrade()
            org_ids = [row.id for row in db.session.execute(insert(Organisation).returning(
                Organisation.id), [
                {"ods_code": f"B{n:05d}", "name": f"Bench Surgery {n}",
                 "kind": OrgKind.GP_PRACTICE, "status": OrgStatus.ACTIVE, "postcode": "CB1 1AA",
                 "post_town": "CAMBRIDGE", "source": "demo"}
                for n in range(args.messages // 4 or 1)])]
            contacts = db.session.execute(insert(Contact).returning(Contact.id, Contact.email), [
                {"organisation_id": org_ids[n % len(org_ids)], "name": f"Person {n}",
                 "role": ContactRole.PRACTICE_MANAGER, "email": f"person{n}@example.org"}
                for n in range(args.messages)]).all()
            db.session.commit()

            started = time.perf_counter()
            for contact_id, email in contacts:
                queue_email(db.session, Email(
                    f"bench:reminder:{contact_id}", email, "test",
                    context={"note": "The webinar is tomorrow at 12:30."}, kind="reminder",
                    contact_id=contact_id), now=NOW)
            db.session.commit()
            queue_seconds = time.perf_counter() - started
            queued = db.session.scalar(select(func.count()).where(
                OutboxMessage.status == OutboxStatus.QUEUED))
            sample = db.session.scalars(select(OutboxMessage).limit(1)).one()

            backend = SendGridBackend(API_KEY, url, "engage@example.org", timeout=10,
                                      concurrency=args.concurrency,
                                      batch_size=args.batch_size)
            started = time.perf_counter()
            delivered = 0
            while True:
                sent = deliver_due(db.session, now=NOW, backend=backend, limit=args.batch)
                if not sent:
                    break
                delivered += sent
            deliver_seconds = time.perf_counter() - started
            sent_rows = db.session.scalar(select(func.count()).where(
                OutboxMessage.status == OutboxStatus.SENT))
            ids = {row for row in db.session.scalars(select(OutboxMessage.id))}

            body = sendgrid_body(Outgoing(sample.id, sample.to_email, "", sample.subject,
                                          sample.text_body, sample.html_body,
                                          sample.headers), "engage@example.org")
        base_requests = min(4000, args.messages)
        base_rate = baseline(url, body, base_requests, args.concurrency)
    finally:
        stub.terminate()
        stub.wait(10)

    received: Counter[int] = Counter()
    for line in record.read_text().splitlines():
        for p in json.loads(line)["body"]["personalizations"]:
            received[int(p["custom_args"]["outbox_id"])] += 1
    # The baseline posted the sample message's body again base_requests times.
    received[sample.id] -= base_requests
    del received[0]  # the warm-up
    duplicates = sum(1 for n in received.values() if n > 1)
    missing = len(ids - {i for i, n in received.items() if n >= 1})
    rate = delivered / deliver_seconds

    print(f"email delivery, {args.messages:,} messages, {args.concurrency} threads, "
          f"up to {args.batch_size} recipients a request, SQLite, real sendgrid client -> "
          f"local stub (schema-validated)")
    print(f"  queue_email:          {queue_seconds:7.1f} s  {queued / queue_seconds:8.0f} msg/s")
    print(f"  deliver_due:          {deliver_seconds:7.1f} s  {rate:8.0f} msg/s "
          f"(target {TARGET_PER_SECOND})")
    print(f"  baseline (bare urllib, {base_requests:,} posts): {base_rate:8.0f} req/s")
    print(f"  sent rows {sent_rows:,}; received by stub {sum(received.values()):,}; "
          f"duplicates {duplicates}; missing {missing}")
    ok = rate >= TARGET_PER_SECOND and duplicates == 0 and missing == 0 \
        and sent_rows == args.messages
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
