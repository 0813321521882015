"""The outbox page's queries: its messages grouped by send, and the messages found by a search.

A search is a piece of an address or of an organisation's name (the message's own, or its
contact's), matched case-insensitively with LIKE wildcards escaped, so `%` or `_` typed in the
box match themselves. Input past SEARCH_LENGTH is cut, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, or_, select

from engage.database import DbSession
from engage.directory.models import Contact, Organisation
from engage.messaging.models import OutboxMessage, OutboxStatus

SEARCH_LENGTH = 100

# What each status means for the person reading the outbox, before the stored reason.
STATUS_WORDS = {
    OutboxStatus.QUEUED: "Waiting to be sent.",
    OutboxStatus.SENDING: "Being sent now.",
    OutboxStatus.SENT: "Sent.",
    OutboxStatus.FAILED: "Not sent, and will not be tried again unless you send it again.",
    OutboxStatus.WITHDRAWN: "Not sent: taken back before it went.",
    OutboxStatus.SUPPRESSED: "Not sent: this address may not be emailed.",
}


def clean_search(raw: str | None) -> str:
    """The search text as used: single-spaced and at most SEARCH_LENGTH characters."""
    return " ".join((raw or "").split())[:SEARCH_LENGTH]


def message_query(*, status: OutboxStatus | None = None, send_ref: str | None = None,
                  search: str = "", one_off: bool = False) -> Select[tuple[OutboxMessage]]:
    """The outbox's messages, newest first, narrowed by status, send and search."""
    query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(),
                                           OutboxMessage.id.desc())
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    if send_ref is not None:
        query = query.where(OutboxMessage.send_ref == send_ref)
    elif one_off:
        query = query.where(OutboxMessage.send_ref.is_(None))
    if search:
        organisation_ids = select(Organisation.id).where(
            Organisation.name.icontains(search, autoescape=True))
        contact_ids = select(Contact.id).where(Contact.organisation_id.in_(organisation_ids))
        query = query.where(or_(
            OutboxMessage.to_email.icontains(search, autoescape=True),
            OutboxMessage.organisation_id.in_(organisation_ids),
            OutboxMessage.contact_id.in_(contact_ids)))
    return query


def sends_query() -> Select[Any]:
    """Every send reference in the outbox, the latest queued first."""
    return (select(OutboxMessage.send_ref).where(OutboxMessage.send_ref.is_not(None))
            .group_by(OutboxMessage.send_ref)
            .order_by(func.max(OutboxMessage.created_at).desc(), OutboxMessage.send_ref))


@dataclass
class SendRow:
    """One send on the outbox page: its counts by status (test messages apart)."""

    ref: str
    title: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    tests: int = 0
    first_queued: Any = None
    last_queued: Any = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def send_rows(session: DbSession, refs: list[str], titles: dict[str, str]) -> list[SendRow]:
    """The counts for a page of sends, in one grouped query."""
    rows = {ref: SendRow(ref, titles.get(ref, ref)) for ref in refs}
    if not refs:
        return []
    m = OutboxMessage
    for ref, status, is_test, count, first, last in session.execute(
            select(m.send_ref, m.status, m.is_test, func.count(), func.min(m.created_at),
                   func.max(m.created_at))
            .where(m.send_ref.in_(refs)).group_by(m.send_ref, m.status, m.is_test)):
        row = rows[str(ref)]
        if is_test:
            row.tests += count
            continue
        row.counts[status.value] = row.counts.get(status.value, 0) + count
        row.first_queued = first if row.first_queued is None else min(row.first_queued, first)
        row.last_queued = last if row.last_queued is None else max(row.last_queued, last)
    return [rows[ref] for ref in refs]
