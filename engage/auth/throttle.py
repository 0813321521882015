"""A short, growing wait on an account after failed sign-ins, never a lock-out.

The per-address limit (Flask-Limiter, 429) stops one client guessing. Against one account
guessed from many addresses, refusing every attempt for an hour would lock the real person out
wherever they are; instead, past a few failures in a row each attempt on that address, from
anywhere, waits 2, 4, 8 ... seconds (at most the configured maximum) after the last failure.
A correct password after the wait signs in and clears the count. Unknown addresses count and
wait exactly as known ones, so the wait says nothing about whether an account exists.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from sqlalchemy import case, delete

from engage.auth.models import LoginThrottle
from engage.database import DbSession
from engage.links.upsert import dialect_insert

# A quiet hour and the count starts again from nothing.
FORGET_AFTER = timedelta(hours=1)


def account_key(email: str) -> str:
    """The digest an address is counted under (the address as typed, trimmed, lower-cased)."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def wait_for(failures: int, free_failures: int, max_wait_seconds: int) -> int:
    """Seconds the next attempt waits after the last of `failures` failures in a row."""
    if failures < free_failures:
        return 0
    return int(min(max_wait_seconds, 2 ** min(failures - free_failures + 1, 32)))


def seconds_to_wait(session: DbSession, email: str, now: datetime, free_failures: int,
                     max_wait_seconds: int) -> int:
    """How long before an attempt on this address is heard; 0 means now."""
    row = session.get(LoginThrottle, account_key(email))
    if row is None or now - row.last_failure_at >= FORGET_AFTER:
        return 0
    wait = wait_for(row.failures, free_failures, max_wait_seconds)
    remaining = wait - (now - row.last_failure_at).total_seconds()
    return max(0, math.ceil(remaining))


def record_failure(session: DbSession, email: str, now: datetime) -> None:
    """Count one more failure in a row, in one statement so concurrent failures add up."""
    table = LoginThrottle.__table__
    stale = now - FORGET_AFTER
    session.execute(delete(LoginThrottle).where(LoginThrottle.last_failure_at <= stale))
    statement = dialect_insert(session.get_bind().dialect.name, table).values(
        key=account_key(email), failures=1, last_failure_at=now)
    session.execute(statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"failures": case((table.c.last_failure_at <= stale, 1),
                               else_=table.c.failures + 1),
              "last_failure_at": now}))


def clear_failures(session: DbSession, email: str) -> None:
    """A successful sign-in ends the run of failures."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == account_key(email)))
