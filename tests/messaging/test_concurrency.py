"""Several delivery steps at once: each message reaches SendGrid exactly once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engage.extensions import db
from engage.messaging.backends import SendGridBackend
from engage.messaging.delivery import deliver_due
from engage.messaging.models import OutboxMessage, OutboxStatus
from tests.factories import make_outbox_message
from tests.messaging.conftest import NOW
from tests.messaging.sendgrid_stub import API_KEY

# Threads with sessions of their own must see the committed outbox.
pytestmark = pytest.mark.real_commits


def test_two_steps_running_together_send_each_message_once(app, stub):
    for _ in range(120):
        make_outbox_message(send_after=NOW)
    db.session.commit()
    errors: list[BaseException] = []
    engine = db.engine

    def worker() -> None:
        backend = SendGridBackend(API_KEY, stub.url, "engage@example.org", timeout=5.0,
                                  concurrency=2)
        try:
            with Session(engine) as session:
                while deliver_due(session, now=NOW, backend=backend, limit=7):
                    pass
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    received = Counter(stub.outbox_ids())
    assert len(received) == 120 and set(received.values()) == {1}
    assert db.session.scalar(select(func.count()).where(
        OutboxMessage.status == OutboxStatus.SENT)) == 120
