"""The duplicate-send window: a sending thread's next request waits for the previous commit.

The stub answers one request at a time, and only once every sending thread has a request
waiting, so the next request to arrive can only come from the thread it last answered. Right
before answering it locks the outbox table from its own connection (for at most HOLD
seconds), so nothing can commit meanwhile: a next request that arrives while the lock is
held was sent before the previous result was committed. On arrival the stub checks, through
its own connection, that the rows of the request last answered to that thread are "sent".
"""

from __future__ import annotations

import json
import sqlite3
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from engage.extensions import db
from engage.messaging.backends import SendGridBackend
from engage.messaging.delivery import deliver_due
from engage.messaging.models import OutboxMessage, OutboxStatus
from tests.factories import make_outbox_message
from tests.messaging.conftest import NOW
from tests.messaging.sendgrid_stub import API_KEY, SendGridStub

THREADS = 2
REQUESTS = 4
HOLD = 0.5  # how long a lock is held at most; the fixed code waits it out, then commits


class TableLock:
    """A lock on outbox_message from a connection of its own, and reads through it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.conn: Any = None

    def take(self) -> None:
        if self.url.startswith("sqlite"):
            self.conn = sqlite3.connect(self.url.split("///", 1)[1], isolation_level=None,
                                        timeout=30, check_same_thread=False)
            self.conn.execute("BEGIN IMMEDIATE")
        else:
            import psycopg

            self.conn = psycopg.connect(self.url.replace("postgresql+psycopg", "postgresql"))
            self.conn.execute("LOCK TABLE outbox_message IN SHARE MODE")

    def sent(self, ids: list[int]) -> int:
        """How many of `ids` are committed as sent (exact: nobody can commit meanwhile)."""
        conn = self.conn
        if conn is None:
            self.take()
            conn = self.conn
        marks = ",".join(str(int(i)) for i in ids)
        row = conn.execute(f"SELECT count(*) FROM outbox_message WHERE id IN ({marks}) "  # noqa: S608
                           "AND status = 'sent'").fetchone()
        return int(row[0])

    def release(self) -> None:
        if self.conn is not None:
            self.conn.rollback() if not self.url.startswith("sqlite") else \
                self.conn.execute("ROLLBACK")
            self.conn.close()
            self.conn = None


class GatedStub(SendGridStub):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.cond = threading.Condition()
        self.arrived = 0
        self.answered = 0
        self.ids: list[list[int]] = []
        self.problems: list[str] = []
        self.lock = TableLock(url)
        self.timer: threading.Timer | None = None

    def _release(self) -> None:
        with self.cond:
            self.lock.release()

    def handle(self, path: str, headers: dict[str, str],
               raw: bytes) -> tuple[int, dict[str, str], Any]:
        body = json.loads(raw)
        ids = [int(p["custom_args"]["outbox_id"]) for p in body["personalizations"]]
        with self.cond:
            number = self.arrived
            self.arrived += 1
            self.ids.append(ids)
            if number >= THREADS:
                previous = self.ids[number - THREADS]
                if self.lock.sent(previous) != len(previous):
                    self.problems.append(f"request {number + 1} was sent before request "
                                         f"{number - THREADS + 1}'s rows were committed")
                self.lock.release()
            self.cond.notify_all()
            self.cond.wait_for(lambda: self.answered == number
                               and self.arrived >= min(number + THREADS, REQUESTS), timeout=30)
            answer = super().handle(path, headers, raw)
            self.answered += 1
            self.lock.release()
            self.lock.take()
            if self.timer is not None:
                self.timer.cancel()
            self.timer = threading.Timer(HOLD, self._release)
            self.timer.start()
            self.cond.notify_all()
        return answer


# The stub reads the outbox on a connection of its own while delivery runs.
@pytest.mark.real_commits
def test_each_request_is_committed_before_that_thread_sends_the_next(app, database_url):
    for _ in range(REQUESTS):
        make_outbox_message(send_after=NOW)
    db.session.commit()
    with GatedStub(str(db.engine.url.render_as_string(hide_password=False))) as stub:
        backend = SendGridBackend(API_KEY, stub.url, "engage@example.org", timeout=60,
                                  concurrency=THREADS, batch_size=1)
        sent = deliver_due(db.session, now=NOW, backend=backend)
        if stub.timer is not None:
            stub.timer.join()
        stub.lock.release()
    assert stub.problems == []
    assert sent == REQUESTS and len(stub.requests) == REQUESTS
    assert db.session.scalar(select(func.count()).where(
        OutboxMessage.status == OutboxStatus.SENT)) == REQUESTS
