"""What a bulletin's page and list say about it, from the outbox: never "sent" before it has gone.

A bulletin is "sent" in its own table the moment its messages are queued; the truth about
delivery is in the outbox rows of its send (`send_ref`), tests left out. One grouped query
answers for every bulletin on a page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engage.database import DbSession
from engage.messaging import sends
from engage.messaging.models import OutboxStatus
from engage.messaging.outbox_list import send_rows
from engage.reminders.models import Bulletin, BulletinStatus


@dataclass
class SendFigures:
    """How many of a send's messages are in each outbox state."""

    queued: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    suppressed: int = 0
    withdrawn: int = 0

    @property
    def waiting(self) -> int:
        return self.queued + self.sending

    @property
    def total(self) -> int:
        return self.waiting + self.sent + self.failed + self.suppressed + self.withdrawn


def send_figures(session: DbSession, bulletin_ids: Iterable[int]) -> dict[int, SendFigures]:
    """Outbox counts by state for each bulletin's send (tests not counted), in one query: the
    outbox page's counts per send (`outbox_list.send_rows`)."""
    ids = list(dict.fromkeys(bulletin_ids))
    rows = send_rows(session, [sends.bulletin_ref(i) for i in ids], {})
    return {i: SendFigures(**{status.value: row.counts.get(status.value, 0)
                              for status in OutboxStatus})
            for i, row in zip(ids, rows, strict=True)}


@dataclass(frozen=True)
class Shown:
    """A bulletin's state as people read it: a tag and a sentence."""

    label: str
    tag: str  # the nhsuk-tag modifier
    summary: str


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def _not_sent(figures: SendFigures) -> str:
    parts = [f"{figures.failed:,} failed"]
    if figures.suppressed:
        parts.append(f"{figures.suppressed:,} not sent (unsubscribed or bounced)")
    if figures.withdrawn:
        parts.append(f"{figures.withdrawn:,} withdrawn")
    return ", ".join(parts)


def shown(bulletin: Bulletin, figures: SendFigures | None) -> Shown:
    """Queued, sending or sent from the outbox; draft, scheduled or cancelled from the bulletin."""
    if bulletin.status is BulletinStatus.DRAFT:
        return Shown("Draft", "grey", "A draft: it goes nowhere until you send or schedule it.")
    if bulletin.status is BulletinStatus.CANCELLED:
        return Shown("Cancelled", "grey", "Cancelled: it will not be sent.")
    if bulletin.status in (BulletinStatus.SCHEDULED, BulletinStatus.SENDING):
        return Shown("Scheduled", "blue", "")
    figures = figures or SendFigures()
    if figures.waiting and not (figures.sent or figures.failed or figures.sending):
        return Shown("Queued", "blue",
                     f"Queued: {_n(figures.waiting, 'message')} waiting to go, none delivered "
                     "yet.")
    if figures.waiting:
        return Shown("Sending", "blue",
                     f"Sending: {figures.sent:,} delivered to the mail service, "
                     f"{_not_sent(figures)}; {figures.waiting:,} waiting.")
    return Shown("Sent", "green", f"Sent: {figures.sent:,} delivered to the mail service, "
                                  f"{_not_sent(figures)}; 0 waiting.")
