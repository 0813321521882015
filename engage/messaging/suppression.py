"""Who may not be emailed: contacts marked do-not-email, and suppressed addresses.

An address is suppressed by an unsubscribe (link or SendGrid event), a hard bounce, a drop or
a spam report. The `suppression` row is the truth (keyed by the lowercased address, so it
covers users and contacts alike); each contact with that address also gets `suppressed_at`
and a reason, shown in the directory.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update

from engage.database import DbSession
from engage.directory.models import Contact, SuppressionReason
from engage.messaging.models import Suppression

# Ids or addresses in one IN (...), well inside every database's bound-parameter limit.
CHUNK = 5000


def address_key(email: str) -> str:
    return email.strip().lower()


def suppression_for(session: DbSession, email: str) -> Suppression | None:
    return session.scalar(select(Suppression).where(Suppression.email == address_key(email)))


def why_not_send(session: DbSession, email: str, contact_id: int | None) -> str | None:
    """The reason nothing may be sent to this recipient, or None when it may."""
    if contact_id is not None:
        contact = session.get(Contact, contact_id)
        if contact is not None:
            if contact.do_not_email:
                return "The contact is marked do not email."
            if contact.suppressed_at is not None and contact.suppression_reason is not None:
                return f"The contact is suppressed ({contact.suppression_reason.label.lower()})."
    found = suppression_for(session, email)
    if found is not None:
        return f"The address is suppressed ({found.reason.label.lower()})."
    return None


def refusals_for(session: DbSession, recipients: list[tuple[str, int | None]]
                 ) -> list[str | None]:
    """`why_not_send` for many recipients at once (two queries a 5,000), in the same order."""
    contact_ids = sorted({c for _, c in recipients if c is not None})
    contacts: dict[int, tuple[bool, Any, SuppressionReason | None]] = {}
    for start in range(0, len(contact_ids), CHUNK):
        # Only the contacts that may not be emailed come back: few, even in a big batch.
        contacts.update((row[0], row[1:]) for row in session.execute(
            select(Contact.id, Contact.do_not_email, Contact.suppressed_at,
                   Contact.suppression_reason)
            .where(Contact.id.in_(contact_ids[start:start + CHUNK]),
                   or_(Contact.do_not_email, Contact.suppressed_at.is_not(None)))))
    keys = sorted({address_key(e) for e, _ in recipients})
    suppressed: dict[str, SuppressionReason] = {}
    if len(keys) > CHUNK and len(keys) > (session.scalar(
            select(func.count()).select_from(Suppression)) or 0):
        # A batch bigger than the whole list: read the list rather than look each one up.
        suppressed.update(session.execute(select(Suppression.email, Suppression.reason)).all())
    else:
        for start in range(0, len(keys), CHUNK):
            suppressed.update(session.execute(
                select(Suppression.email, Suppression.reason)
                .where(Suppression.email.in_(keys[start:start + CHUNK]))).all())
    answers: list[str | None] = []
    for email, contact_id in recipients:
        contact = contacts.get(contact_id) if contact_id is not None else None
        found = suppressed.get(address_key(email))
        if contact is not None and contact[0]:
            answers.append("The contact is marked do not email.")
        elif contact is not None and contact[1] is not None and contact[2] is not None:
            answers.append(f"The contact is suppressed ({contact[2].label.lower()}).")
        elif found is not None:
            answers.append(f"The address is suppressed ({found.label.lower()}).")
        else:
            answers.append(None)
    return answers


def suppress(session: DbSession, email: str, reason: SuppressionReason, *, now: datetime,
             source: str, note: str = "") -> bool:
    """Suppress an address (and its contacts); False when it already was."""
    key = address_key(email)
    if not key:
        return False
    existing = suppression_for(session, key)
    session.execute(
        update(Contact)
        .where(func.lower(Contact.email) == key, Contact.suppressed_at.is_(None))
        .values(suppressed_at=now, suppression_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if existing is not None:
        return False
    with session.begin_nested():
        session.add(Suppression(email=key, reason=reason, source=source, note=note[:300],
                                created_at=now))
    return True


def unsuppress(session: DbSession, email: str, *, user: Any, now: datetime) -> bool:
    """Allow an address again (a manager's decision, audited); False when it was not suppressed."""
    from engage.audit.log import record_event

    key = address_key(email)
    existing = suppression_for(session, key)
    changed = session.execute(
        update(Contact)
        .where(func.lower(Contact.email) == key, Contact.suppressed_at.is_not(None))
        .values(suppressed_at=None, suppression_reason=None)
        .execution_options(synchronize_session=False)
    ).rowcount or 0  # type: ignore[attr-defined]
    if existing is None and not changed:
        return False
    if existing is not None:
        session.delete(existing)
    record_event(session, user, "messaging.unsuppress", f"Allowed email to {key} again",
                 details={"email": key})
    return True
