"""Recording audit events, in the same transaction as the change they describe."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.database import DbSession

SYSTEM_ACTOR = "system (command line)"
# The same export asked for again within this long of its row is counted on that row.
EXPORT_FOLD_WINDOW = timedelta(minutes=1)


def record_event(
    session: DbSession,
    actor: Any,
    action: str,
    summary: str,
    target: Any = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit row; `actor` is a User or None for command-line and scheduled work."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent(
        actor_id=actor.id if is_user else None,
        actor_email=actor.email if is_user else SYSTEM_ACTOR,
        action=action,
        target_type=type(target).__name__ if target is not None else "",
        target_id=str(getattr(target, "id", "") or "") if target is not None else "",
        summary=summary[:500],
        details=details,
    )
    session.add(event)
    return event


def record_export(
    session: DbSession,
    actor: Any,
    action: str,
    summary: str,
    *,
    parameters: dict[str, Any],
    now: datetime,
    target: Any = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Audit one export (a download or a command's output), folding repeats into one row.

    The same person asking for the same export with the same `parameters` within
    `EXPORT_FOLD_WINDOW` of its row adds one to that row's `details["count"]` (and sets
    `details["last_at"]`) instead of writing another, so a page reloaded or a script retried
    cannot flood the log; the row keeps the first time, and a later repeat starts a new row.
    Two identical exports racing in the same instant may still write two rows.
    """
    wanted = json.loads(json.dumps(parameters, default=str, sort_keys=True))
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    recent = select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.at >= now - EXPORT_FOLD_WINDOW,
        AuditEvent.at <= now,
        AuditEvent.actor_id == actor.id if is_user else AuditEvent.actor_id.is_(None),
        AuditEvent.actor_email == (actor.email if is_user else SYSTEM_ACTOR),
    ).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    for event in session.scalars(recent):
        if (event.details or {}).get("parameters") == wanted:
            # A new dict, so the JSON column sees the change.
            event.details = {**(event.details or {}), **(details or {}),
                             "count": int((event.details or {}).get("count", 1)) + 1,
                             "last_at": now.isoformat()}
            return event
    event = record_event(session, actor, action, summary, target,
                         details={**(details or {}), "parameters": wanted, "count": 1})
    event.at = now
    return event
