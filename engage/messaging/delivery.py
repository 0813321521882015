"""The delivery step: claim due outbox rows, send them, record what happened.

`deliver_due` is a `run_once(now) -> int` step (DESIGN house style 7). Claiming is a
conditional UPDATE (`status = 'queued'`) that stamps a fresh claim token; the step then works
only on the rows carrying its token, so two steps never send the same row. On PostgreSQL the
candidate rows are first picked with `FOR UPDATE SKIP LOCKED` so concurrent steps take
different rows instead of queueing behind each other; SQLite drops `FOR UPDATE` and serialises
writers, and the conditional UPDATE alone keeps it correct.

Each request's result is committed as soon as it is known, before the thread that sent it
sends again, so a process killed mid-batch leaves at most the requests then in flight (one per
sending thread) accepted by SendGrid but still "sending"; they are recovered after
`SENDING_TIMEOUT` and sent again.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, scoped_session

from engage.database import DbSession
from engage.messaging.backends import (
    Backend,
    Outcome,
    Outgoing,
    SendResult,
    backend_from_config,
)
from engage.messaging.models import DeliveryPause, OutboxMessage, OutboxStatus
from engage.messaging.suppression import refusals_for

__all__ = ["deliver_due", "backend_from_config", "recover_stuck", "active_pause",
           "retry_message", "MAX_ATTEMPTS", "SENDING_TIMEOUT"]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
SENDING_TIMEOUT = timedelta(minutes=10)
BASE_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=6)
DEFAULT_LIMIT = 200

SessionSource = Session | scoped_session[Session] | Callable[[], Session]


def _session(source: SessionSource) -> Session:
    if isinstance(source, (Session, scoped_session)):
        return source  # type: ignore[return-value]
    return source()


def backoff(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with full jitter: up to 1, 2, 4 ... minutes, at most six hours."""
    ceiling = min(MAX_BACKOFF, BASE_BACKOFF * (2 ** max(0, attempts - 1)))
    fraction = (rng or random).uniform(0.5, 1.0)
    return ceiling * fraction


def active_pause(session: DbSession, backend_name: str) -> DeliveryPause | None:
    """The unresolved pause for a backend, if an earlier 401 stopped delivery."""
    return session.scalar(
        select(DeliveryPause)
        .where(DeliveryPause.backend == backend_name, DeliveryPause.resumed_at.is_(None))
        .order_by(DeliveryPause.id.desc())
        .limit(1)
    )


def recover_stuck(session: DbSession, *, now: datetime,
                  timeout: timedelta = SENDING_TIMEOUT) -> int:
    """Put rows left in "sending" by a process that died back in the queue."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING,
               OutboxMessage.claimed_at < now - timeout)
        .values(status=OutboxStatus.QUEUED, claim_token=None, send_after=now,
                last_error="Recovered after the sending process stopped; sending again.",
                updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


def claim(session: DbSession, *, now: datetime, limit: int) -> list[OutboxMessage]:
    """Claim up to `limit` due rows for this step and commit; returns only rows it won."""
    token = uuid.uuid4().hex
    candidates = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.send_after <= now)
        .order_by(OutboxMessage.send_after, OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(session.scalars(candidates))
    if not ids:
        session.commit()
        return []
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.QUEUED)
        .values(status=OutboxStatus.SENDING, claim_token=token, claimed_at=now,
                attempts=OutboxMessage.attempts + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return list(session.scalars(
        select(OutboxMessage).where(OutboxMessage.claim_token == token)
        .order_by(OutboxMessage.send_after, OutboxMessage.id)
    ))


def _finish(
    session: DbSession, message: OutboxMessage | Claimed, token: str, **values: Any
) -> None:
    """Record a result, only while the row is still ours (not recovered and re-claimed)."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.claim_token == token,
               OutboxMessage.status == OutboxStatus.SENDING)
        .values(claim_token=None, **values)
        .execution_options(synchronize_session=False)
    )


def recipient_problem(
    session: DbSession, message: OutboxMessage
) -> tuple[OutboxStatus, str] | None:
    """Why this message may not go out now (checked again at delivery), or None."""
    return recipient_problems(session, [message]).get(message.id)


def recipient_problems(session: DbSession, messages: list[OutboxMessage]
                       ) -> dict[int, tuple[OutboxStatus, str]]:
    """Why each message may not go out now, by id; checked in two queries for a batch."""
    from email_validator import EmailNotValidError, validate_email  # not at start-up

    refusals = refusals_for(session, [(m.to_email, m.contact_id) for m in messages])
    problems: dict[int, tuple[OutboxStatus, str]] = {}
    for message, refusal in zip(messages, refusals, strict=True):
        if refusal:
            problems[message.id] = (OutboxStatus.SUPPRESSED, refusal)
            continue
        try:
            validate_email(message.to_email, check_deliverability=False)
        except EmailNotValidError as exc:
            problems[message.id] = (
                OutboxStatus.FAILED, f"Invalid recipient address {message.to_email!r}: {exc}")
    return problems


def deliver_due(source: SessionSource, *, now: datetime, backend: Backend,
                limit: int = DEFAULT_LIMIT, max_attempts: int | None = None,
                sending_timeout: timedelta = SENDING_TIMEOUT) -> int:
    """Send what is due; returns how many messages were sent (accepted by the backend).

    `max_attempts` defaults to the backend's (OUTBOX_MAX_ATTEMPTS via backend_from_config).
    """
    if max_attempts is None:
        max_attempts = int(getattr(backend, "max_attempts", MAX_ATTEMPTS))
    session = _session(source)
    recover_stuck(session, now=now, timeout=sending_timeout)
    session.commit()
    if active_pause(session, backend.name) is not None:
        return 0
    already_loaded = set(session.identity_map.keys())
    claimed = claim(session, now=now, limit=limit)
    if not claimed:
        return 0
    token = claimed[0].claim_token or ""
    sendable: list[Claimed] = []
    outgoing: list[Outgoing] = []
    problems = recipient_problems(session, claimed)
    for message in claimed:
        problem = problems.get(message.id)
        if problem is None:
            # Plain copies: the commit below expires the ORM objects.
            sendable.append(Claimed(message.id, message.attempts))
            outgoing.append(_outgoing(message))
            continue
        status, reason = problem
        log.info("outbox %s not sent: %s", message.id, reason)
        _finish(session, message, token, status=status, last_error=reason, updated_at=now)
    session.commit()
    # Forget what this step loaded: every commit below would otherwise expire each of those
    # objects again (most of the step's time on a big batch). The caller's objects stay.
    for key in list(session.identity_map.keys()):
        obj = session.identity_map.get(key)
        if key not in already_loaded and obj is not None:
            session.expunge(obj)

    sent = 0
    pause_reason = ""
    # Each request's results are committed as soon as they arrive, in a commit of their own,
    # and the thread that sent it waits for that commit before sending again: a process
    # killed mid-batch has sent without recording at most the requests then in flight.
    for group in backend.send_iter(session, outgoing, now=now):
        accepted: list[tuple[int, str | None]] = []
        for index, result in group:
            if result.outcome is Outcome.SENT:
                accepted.append((sendable[index].id, result.provider_message_id))
                continue
            if result.outcome is Outcome.CONFIG and not pause_reason:
                pause_reason = result.error
            _record(session, sendable[index], token, result, now=now,
                    max_attempts=max_attempts)
        sent += _mark_sent(session, accepted, token, now=now)
        session.commit()
    if pause_reason:
        _pause(session, backend.name, pause_reason, now=now)
        _release(session, token, now=now)
        session.commit()
    return sent


class Claimed(NamedTuple):
    id: int
    attempts: int


def _outgoing(message: OutboxMessage) -> Outgoing:
    return Outgoing(
        outbox_id=message.id,
        to_email=message.to_email,
        to_name=message.to_name,
        subject=message.subject,
        text_body=message.text_body,
        html_body=message.html_body,
        headers=message.headers or {},
        attachments=message.attachments or [],
        campaign_id=message.campaign_id,
        kind=message.kind,
        click_token=message.click_token or "",
    )


def _mark_sent(session: DbSession, accepted: list[tuple[int, str | None]], token: str, *,
               now: datetime) -> int:
    """Mark accepted rows sent in one executemany UPDATE, each with its provider message id."""
    if not accepted:
        return 0
    table = OutboxMessage.__table__
    result = session.execute(
        table.update()
        .where(table.c.id == bindparam("row_id"), table.c.claim_token == token,
               table.c.status == OutboxStatus.SENDING)
        .values(status=OutboxStatus.SENT, sent_at=now, provider_message_id=bindparam("pmid"),
                last_error="", claim_token=None, updated_at=now),
        [{"row_id": row_id, "pmid": pmid} for row_id, pmid in accepted],
    )
    count = result.rowcount  # type: ignore[attr-defined]
    return count if count is not None and count >= 0 else len(accepted)


def _record(session: DbSession, message: Claimed, token: str, result: SendResult, *,
            now: datetime, max_attempts: int) -> int:
    if result.outcome is Outcome.SENT:
        _finish(session, message, token, status=OutboxStatus.SENT, sent_at=now,
                provider_message_id=result.provider_message_id, last_error="", updated_at=now)
        return 1
    if result.outcome is Outcome.CONFIG:
        # Not the message's fault: back in the queue without spending an attempt.
        _finish(session, message, token, status=OutboxStatus.QUEUED,
                attempts=OutboxMessage.attempts - 1, last_error=result.error, updated_at=now)
        return 0
    if result.outcome is Outcome.PERMANENT:
        _finish(session, message, token, status=OutboxStatus.FAILED,
                last_error=result.error, updated_at=now)
        log.warning("outbox %s failed for good: %s", message.id, result.error)
        return 0
    if message.attempts >= max_attempts:
        _finish(session, message, token, status=OutboxStatus.FAILED, updated_at=now,
                last_error=f"Gave up after {message.attempts} attempts. Last: {result.error}")
        return 0
    wait = backoff(message.attempts)
    if result.retry_after_seconds is not None:
        wait = max(wait, timedelta(seconds=result.retry_after_seconds))
    _finish(session, message, token, status=OutboxStatus.QUEUED, send_after=now + wait,
            last_error=f"Attempt {message.attempts} of {max_attempts}: {result.error}",
            updated_at=now)
    return 0


def _release(session: DbSession, token: str, *, now: datetime) -> None:
    """Give back rows claimed but not tried because delivery paused; no attempt spent."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.claim_token == token, OutboxMessage.status == OutboxStatus.SENDING)
        .values(status=OutboxStatus.QUEUED, claim_token=None,
                attempts=OutboxMessage.attempts - 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def _pause(session: DbSession, backend_name: str, reason: str, *, now: datetime) -> None:
    from engage.audit.log import record_event

    if active_pause(session, backend_name) is not None:
        return
    pause = DeliveryPause(backend=backend_name, reason=reason, paused_at=now)
    session.add(pause)
    session.flush()
    record_event(session, None, "messaging.delivery_paused",
                 f"Email delivery paused: {reason}", target=pause)
    log.error("email delivery paused: %s", reason)


def resume(session: DbSession, backend_name: str, *, user: Any, now: datetime) -> bool:
    """An administrator fixed the key: deliver again. False when nothing was paused."""
    from engage.audit.log import record_event

    pause = active_pause(session, backend_name)
    if pause is None:
        return False
    pause.resumed_at = now
    pause.resumed_by_id = getattr(user, "id", None)
    record_event(session, user, "messaging.delivery_resumed", "Email delivery resumed",
                 target=pause)
    return True


class RetryRefused(ValueError):
    """Only a failed message can be sent again."""


def retry_message(session: DbSession, message: OutboxMessage, *, user: Any,
                  now: datetime) -> None:
    """Queue a failed message again with fresh attempts (a manager's decision, audited)."""
    from engage.audit.log import record_event

    if message.status is not OutboxStatus.FAILED:
        raise RetryRefused(f"Only failed messages can be retried; this one is {message.status}.")
    message.status = OutboxStatus.QUEUED
    message.attempts = 0
    message.send_after = now
    message.last_error = f"Retried by hand. Before: {message.last_error}"[:2000]
    message.updated_at = now
    record_event(session, user, "messaging.retry", f"Retried email to {message.to_email}",
                 target=message)
