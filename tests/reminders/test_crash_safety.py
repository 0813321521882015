"""The scheduler as a real process: killed mid-batch, restarted, and run twice at once.

What these tests prove, precisely (docs/architecture.md, "Reminders: what is guaranteed"):

- Killed with SIGKILL while SendGrid has not yet accepted the messages it is sending (the stub
  holds those requests), then restarted: after the stuck-row recovery timeout every message
  reaches SendGrid exactly once. Rows committed as sent are never sent again; rows left in
  "sending" are sent again only after OUTBOX_SENDING_TIMEOUT_SECONDS.
- Two schedulers running at once against the same database (SQLite file or PostgreSQL): each
  reminder is queued once (idempotency keys) and reaches SendGrid once (the claim).

Not provable, and not claimed: a kill in the instant between SendGrid accepting a message and
the commit that marks it sent makes the messages of that request go again after recovery,
because SendGrid's mail send has no idempotency key.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engage.database import utcnow
from engage.extensions import db
from engage.messaging.models import OutboxMessage, OutboxStatus
from tests.messaging.sendgrid_stub import API_KEY, SendGridStub
from tests.reminders.support import rule, webinar

REPO = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))
# Scheduler processes of their own must see the committed rules and outbox.
pytestmark = pytest.mark.real_commits
DEADLINE = 60.0  # seconds: generous for a shared, busy machine; a pass takes a few seconds


@pytest.fixture()
def stub() -> Iterator[SendGridStub]:
    with SendGridStub() as running:
        yield running


@pytest.fixture()
def scheduler_process(database_url: str, stub: SendGridStub, tmp_path: Path
                      ) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start `flask scheduler run` as its own process against the test database and the stub."""
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str = "scheduler", **settings: str) -> subprocess.Popen[bytes]:
        env = {**os.environ, "FLASK_APP": "engage", "ENGAGE_ENV": "test",
               "DATABASE_URL": database_url,
               "SENDGRID_API_KEY": API_KEY, "SENDGRID_API_HOST": stub.url,
               "SENDGRID_CONCURRENCY": "2", "SCHEDULER_TICK_SECONDS": "1",
               "DIGEST_ENABLED": "false", "LOG_LEVEL": "WARNING",
               "OUTBOX_SENDING_TIMEOUT_SECONDS": "60", **settings}
        env.pop("FLASK_DEBUG", None)
        log = open(tmp_path / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen([FLASK, "scheduler", "run"], cwd=REPO, env=env,
                                   stdout=log, stderr=log)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def count(status: OutboxStatus) -> int:
    db.session.rollback()  # see the other processes' commits
    return db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.status == status)) or 0


def due_reminders(organisations: int) -> int:
    """A webinar tomorrow with a reminder due now: the scheduler queues one per invitee."""
    touchpoint = webinar(utcnow() + timedelta(hours=20), organisations=organisations)
    rule(touchpoint, amount=1)
    db.session.commit()
    return organisations


def test_scheduler_killed_mid_batch_delivers_every_message_exactly_once_after_restart(
        app, stub, scheduler_process):
    total = due_reminders(10)
    # The first commit group (2) is accepted at once; the next two requests are held and then
    # refused, so the process is killed while SendGrid has not accepted them.
    stub.script(202, times=2)
    stub.script(503, times=2, delay=30)
    first = scheduler_process("first", OUTBOX_SENDING_TIMEOUT_SECONDS="2")
    wait_for(lambda: count(OutboxStatus.SENT) == 2 and count(OutboxStatus.SENDING) > 0,
             "the first group sent and the next in flight")
    time.sleep(0.3)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    assert count(OutboxStatus.SENDING) > 0  # stuck: the process died holding them

    scheduler_process("second", OUTBOX_SENDING_TIMEOUT_SECONDS="2")
    wait_for(lambda: count(OutboxStatus.SENT) == total, "every reminder sent")

    received = Counter(stub.outbox_ids())
    assert len(received) == total
    assert set(received.values()) == {1}, f"sent more than once: {received}"
    assert count(OutboxStatus.QUEUED) == count(OutboxStatus.SENDING) == 0


def test_two_schedulers_at_once_queue_and_deliver_every_message_once(
        app, stub, scheduler_process):
    total = due_reminders(30)
    scheduler_process("one")
    scheduler_process("two")
    wait_for(lambda: count(OutboxStatus.SENT) == total, "every reminder sent")
    time.sleep(2.5)  # a couple more ticks of both: nothing more may go

    received = Counter(stub.outbox_ids())
    assert len(received) == total
    assert set(received.values()) == {1}, f"sent more than once: {received}"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == total


def test_scheduler_stops_cleanly_on_sigterm(app, stub, scheduler_process, tmp_path):
    process = scheduler_process("term")
    log = tmp_path / "term.log"
    wait_for(lambda: log.exists() and "jobs every" in log.read_text(), "the scheduler to start")
    process.send_signal(signal.SIGTERM)
    assert process.wait(20) == 0
    assert "scheduler stopped" in log.read_text()
