"""Benchmark: queueing a bulletin to 20,000 contacts with `queue_many` (issue 19).

Builds a migrated SQLite database with `--contacts` contacts (four per GP practice, three at
nhs.net and one at the practice's own domain, so 5,000 distinct domains; about 1 in 100 marked
do-not-email, 1 in 100 with a suppressed address, a few with an invalid address),
then, per run, times two things that write the same rows to `outbox_message`:

- the baseline: the rows `queue_many` made (read back beforehand, untimed) inserted with a bare
  DB-API `executemany` and committed: the floor for writing that much;
- `queue_many`: a bulletin-like email to every contact (one shared context but the recipient,
  a send reference so the tracked-links hook runs), from the address checks to the commit, with
  every unsubscribe token made new (the first bulletin to these people: the slowest case).

The outbox and the unsubscribe tokens are emptied between the two, and the two are
interleaved run by run, so a busy moment on the shared machine hits both alike. Judged best
against best: at least 1,000 messages a second, and at most 3 times the baseline. Exits
non-zero when either is missed, or when the rows written are not the rows expected.

    .venv/bin/python bench/queue_bulletin.py [--contacts 20000] [--runs 3]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import delete, func, insert, select  # noqa: E402

from engage import create_app  # noqa: E402
from engage.catalogue.markdown import markdown_to_text, render_markdown  # noqa: E402
from engage.directory.models import (  # noqa: E402
    Contact,
    ContactRole,
    Organisation,
    OrgKind,
    SuppressionReason,
)
from engage.extensions import db  # noqa: E402
from engage.messaging.models import OutboxMessage, Suppression, UnsubscribeToken  # noqa: E402
from engage.messaging.outbox import Email, queue_many  # noqa: E402

NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)
BODY = """## Winter support for your staff

The occupational health service can now see staff for **flu jabs** at your practice.
Book a visit at https://example.org/oh/book or read [the service guide](https://example.org/oh/guide).

- Fast-track physiotherapy
- Counselling within five working days

Join the webinar on Teams: https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0?context=%7b%7d
"""
TARGET_RATE = 1000.0
TARGET_RATIO = 3.0


def address(n: int) -> str:
    """Three in four at the shared NHS mail domain, the rest at their practice's own."""
    if n % 4:
        return f"Person.{n}@nhs.net"
    return f"person.{n}@practice{n // 4}.example.org"


def build(contacts: int) -> None:
    """Practices with four contacts each; a few refused, suppressed or mistyped."""
    orgs = (contacts + 3) // 4
    db.session.execute(insert(Organisation), [
        {"ods_code": f"B{n:05d}", "name": f"Bench Surgery {n}", "kind": OrgKind.GP_PRACTICE,
         "address": "CAMBRIDGE", "created_at": NOW, "updated_at": NOW} for n in range(orgs)])
    org_ids = list(db.session.scalars(select(Organisation.id).order_by(Organisation.id)))
    rows = []
    for n in range(contacts):
        email = address(n)
        if n % 997 == 5:
            email = email.replace("@", " at ")  # mistyped: invalid
        rows.append({"organisation_id": org_ids[n // 4], "name": f"Person {n}", "email": email,
                     "role": ContactRole.PRACTICE_MANAGER, "do_not_email": n % 100 == 7,
                     "is_demo": False, "created_at": NOW, "updated_at": NOW})
    db.session.execute(insert(Contact), rows)
    db.session.execute(insert(Suppression), [
        {"email": address(n).lower(),
         "reason": SuppressionReason.HARD_BOUNCE, "source": "bench", "note": "", "created_at": NOW}
        for n in range(contacts) if n % 100 == 3])
    db.session.commit()


def emails(send_ref: str) -> list[Email]:
    """One bulletin email per contact, as a bulletin send builds them (one shared body)."""
    bulletin = SimpleNamespace(id=1, subject="Winter support for your staff")
    body_html, body_text = render_markdown(BODY), markdown_to_text(BODY)
    people = db.session.execute(
        select(Contact.id, Contact.email, Contact.name, Contact.organisation_id,
               Organisation.name).join(Organisation).order_by(Contact.id)).all()
    return [
        Email(idempotency_key=f"bulletin:1:{contact_id}", to_email=email, to_name=name,
              template="bulletin", send_after=NOW, kind="bulletin", contact_id=contact_id,
              organisation_id=org_id, send_ref=send_ref,
              context={"bulletin": bulletin, "campaign": None,
                       "recipient": SimpleNamespace(name=name, organisation_name=org_name),
                       "organisation_name": org_name, "body_html": body_html,
                       "body_text": body_text})
        for contact_id, email, name, org_id, org_name in people
    ]


def empty() -> None:
    db.session.execute(delete(OutboxMessage))
    db.session.execute(delete(UnsubscribeToken))
    db.session.commit()


def run_queue_many(batch: list[Email]) -> tuple[float, Any]:
    start = time.perf_counter()
    done = queue_many(db.session, batch, now=NOW)
    db.session.commit()
    return time.perf_counter() - start, done


def run_baseline(columns: list[str], rows: list[tuple[Any, ...]]) -> float:
    """The same rows through the driver's executemany, nothing else."""
    sql = (f"INSERT INTO outbox_message ({', '.join(columns)}) "  # noqa: S608 - model columns
           f"VALUES ({', '.join('?' for _ in columns)})")
    raw = db.engine.raw_connection()
    try:
        start = time.perf_counter()
        cursor = raw.cursor()
        cursor.executemany(sql, rows)
        raw.commit()
        return time.perf_counter() - start
    finally:
        raw.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                          "ENGAGE_ENV": "test", "TESTING": True,
                          "SECRET_KEY": "bench-secret-key-long-enough-0123456789"})
        with app.app_context(), app.test_request_context():
            upgrade()
            build(args.contacts)
            batch = emails("bulletin:1")
            # Warm-up (untimed): the rows queue_many writes, kept for the baseline.
            _, done = run_queue_many(batch)
            columns = [c.name for c in OutboxMessage.__table__.columns if c.name != "id"]
            raw = db.engine.raw_connection()
            try:
                cursor = raw.cursor()
                cursor.execute(f"SELECT {', '.join(columns)} FROM outbox_message "  # noqa: S608
                               "ORDER BY id")
                rows = [tuple(r) for r in cursor.fetchall()]
            finally:
                raw.close()
            expected = dict(done.counts)
            print(f"{args.contacts} contacts; outbox rows by status: {expected}")
            empty()
            base_times: list[float] = []
            many_times: list[float] = []
            for _ in range(args.runs):
                base_times.append(run_baseline(columns, rows))
                empty()
                seconds, done = run_queue_many(batch)
                many_times.append(seconds)
                if dict(done.counts) != expected or done.written != len(rows):
                    print(f"FAIL: queue_many wrote {dict(done.counts)}, expected {expected}")
                    return 1
                empty()
            written = db.session.scalar(select(func.count()).select_from(OutboxMessage))
            assert written == 0
    base, many = min(base_times), min(many_times)
    rate = len(rows) / many
    ratio = many / base
    print(f"baseline executemany   best {base * 1000:7.0f} ms  median "
          f"{statistics.median(base_times) * 1000:7.0f} ms  {len(rows) / base:9,.0f} rows/s")
    print(f"queue_many             best {many * 1000:7.0f} ms  median "
          f"{statistics.median(many_times) * 1000:7.0f} ms  {rate:9,.0f} msg/s")
    print(f"ratio (best/best) {ratio:.2f}x baseline (target <= {TARGET_RATIO:g}x); "
          f"rate target >= {TARGET_RATE:,.0f} msg/s")
    missed = [m for m, bad in ((f"rate {rate:,.0f} msg/s", rate < TARGET_RATE),
                               (f"ratio {ratio:.2f}x", ratio > TARGET_RATIO)) if bad]
    if missed:
        print("MISSED:", "; ".join(missed))
        return 1
    print("target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
