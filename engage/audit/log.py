"""Recording audit events, in the same transaction as the change they describe."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engage.audit.models import AuditEvent

SYSTEM_ACTOR = "system (command line)"


def record_event(
    session: Session,
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
