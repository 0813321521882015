"""SendGrid events: what recipients did with our email, applied once each, never backwards.

Each event is stored once by its `sg_event_id` (SendGrid retries posts for 24 hours, and the
same event often arrives twice). A message's `event_status` only moves forward in
STATUS_RANK, so an open arriving after a bounce does not undo the bounce. Opens and clicks
become engagement rows for the organisation (`source_ref` `sg:<sg_event_id>`; machine opens
and clicks within seconds of delivery, typical of link scanners, are kept with
counted=False); bounces, drops, spam reports and unsubscribes suppress the address.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engage.campaigns.ledger import Reach, record_reach
from engage.campaigns.models import (
    Channel,
    Engagement,
    EngagementKind,
    EngagementSource,
    Touchpoint,
)
from engage.directory.models import Contact, SuppressionReason
from engage.messaging.models import EmailEvent, OutboxMessage
from engage.messaging.suppression import suppress

log = logging.getLogger(__name__)

# How far each event takes a message; a lower rank never replaces a higher one.
STATUS_RANK = {
    "processed": 1, "deferred": 2, "delivered": 3, "open": 4, "click": 5,
    "bounce": 6, "dropped": 6, "unsubscribe": 7, "group_unsubscribe": 7, "spamreport": 8,
}
SUPPRESSING = {
    "dropped": SuppressionReason.DROPPED,
    "spamreport": SuppressionReason.SPAM_REPORT,
    "unsubscribe": SuppressionReason.UNSUBSCRIBED,
    "group_unsubscribe": SuppressionReason.UNSUBSCRIBED,
}
# A click this soon after delivery is a link scanner, not a person.
SCANNER_CLICK_WINDOW = timedelta(seconds=15)
DETAIL_FIELDS = ("type", "reason", "status", "sg_machine_open", "bounce_classification",
                 "attempt")


def event_time(event: dict[str, Any], now: datetime) -> datetime:
    try:
        return datetime.fromtimestamp(int(event.get("timestamp")), UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError, OSError):
        return now


def find_message(session: Session, event: dict[str, Any]) -> OutboxMessage | None:
    """The outbox row an event is about: by our custom arg, else by SendGrid's message id."""
    outbox_id = event.get("outbox_id")
    if outbox_id is not None:
        try:
            message = session.get(OutboxMessage, int(outbox_id))
        except (TypeError, ValueError):
            message = None
        if message is not None:
            return message
    sg_message_id = str(event.get("sg_message_id") or "")
    if sg_message_id:
        # SendGrid's event id is the X-Message-Id it answered with, plus ".filter..." parts.
        # Messages sent in one request share it, so the address picks the one.
        prefix = sg_message_id.split(".", 1)[0]
        candidates = list(session.scalars(
            select(OutboxMessage).where(OutboxMessage.provider_message_id == prefix).limit(1000)
        ))
        email = str(event.get("email") or "").lower()
        matching = [m for m in candidates if m.to_email.lower() == email]
        if len(matching) == 1:
            return matching[0]
        return candidates[0] if len(candidates) == 1 else None
    return None


def _safe_detail(event: dict[str, Any]) -> dict[str, Any]:
    """What is worth keeping: never the IP address or user agent SendGrid sends."""
    detail = {k: event[k] for k in DETAIL_FIELDS if k in event}
    url = event.get("url")
    if isinstance(url, str) and url:
        parts = urlsplit(url)
        detail["url"] = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))[:300]
    return detail


def process_events(session: Session, events: list[dict[str, Any]], *,
                   now: datetime) -> Counter[str]:
    """Apply a webhook post's events; returns counts by outcome for the response and logs."""
    counts: Counter[str] = Counter()
    for event in events:
        counts[process_event(session, event, now=now)] += 1
    return counts


def process_event(session: Session, event: dict[str, Any], *, now: datetime) -> str:
    kind = str(event.get("event") or "")
    sg_event_id = str(event.get("sg_event_id") or "")[:100]
    if not sg_event_id or not kind:
        log.warning("SendGrid event without sg_event_id or event ignored")
        return "ignored"
    if session.scalar(select(EmailEvent.id).where(EmailEvent.sg_event_id == sg_event_id)):
        return "duplicate"
    occurred_at = event_time(event, now)
    message = find_message(session, event)
    email = str(event.get("email") or (message.to_email if message else ""))[:254]
    record = EmailEvent(
        sg_event_id=sg_event_id, event=kind[:30], occurred_at=occurred_at, received_at=now,
        outbox_message_id=message.id if message else None,
        contact_id=message.contact_id if message else None, email=email.lower(),
        sg_message_id=str(event.get("sg_message_id") or "")[:200], source="webhook",
        detail=_safe_detail(event),
    )
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        return "duplicate"  # the same event, arriving in a parallel post

    outcome = []
    if message is None:
        outcome.append(f"Unknown message: no outbox row for sg_message_id "
                       f"{record.sg_message_id or '(none)'}")
        log.warning("SendGrid %s event %s for an unknown message %s", kind, sg_event_id,
                    record.sg_message_id)
    else:
        _advance_status(session, message, kind, occurred_at)
    reason = SUPPRESSING.get(kind)
    if kind == "bounce" and event.get("type", "bounce") == "bounce":
        reason = SuppressionReason.HARD_BOUNCE
    if reason is not None and email:
        if suppress(session, email, reason, now=now, source="webhook", note=kind):
            outcome.append(f"Suppressed ({reason.label.lower()})")
        else:
            outcome.append("Already suppressed")
    if kind in ("open", "click") and message is not None:
        outcome.append(_record_engagement(session, message, event, kind, sg_event_id,
                                          occurred_at, now))
    record.outcome = "; ".join(o for o in outcome if o)[:300] or "Recorded"
    return "unknown" if message is None else "processed"


def _advance_status(session: Session, message: OutboxMessage, kind: str,
                    occurred_at: datetime) -> None:
    rank = STATUS_RANK.get(kind, 0)
    if rank > STATUS_RANK.get(message.event_status or "", 0):
        message.event_status = kind[:20]
        message.event_at = occurred_at


def _organisation_id(session: Session, message: OutboxMessage) -> int | None:
    if message.organisation_id is not None:
        return message.organisation_id
    if message.contact_id is not None:
        contact = session.get(Contact, message.contact_id)
        return contact.organisation_id if contact is not None else None
    return None


def _delivered_at(session: Session, message: OutboxMessage) -> datetime | None:
    delivered = session.scalar(
        select(EmailEvent.occurred_at)
        .where(EmailEvent.outbox_message_id == message.id, EmailEvent.event == "delivered")
        .order_by(EmailEvent.occurred_at).limit(1)
    )
    return delivered or message.sent_at


def _record_engagement(session: Session, message: OutboxMessage, event: dict[str, Any],
                       kind: str, sg_event_id: str, occurred_at: datetime,
                       now: datetime) -> str:
    organisation_id = _organisation_id(session, message)
    if organisation_id is None:
        return "No organisation to record engagement for"
    counted, why = True, ""
    if kind == "open" and event.get("sg_machine_open") in (True, "true", "True", 1):
        counted, why = False, "machine open (mail privacy or scanner), kept but not counted"
    if kind == "click":
        delivered = _delivered_at(session, message)
        if delivered is not None and occurred_at - delivered <= SCANNER_CLICK_WINDOW:
            counted, why = False, "click within seconds of delivery (link scanner), not counted"
    touchpoint = session.get(Touchpoint, message.touchpoint_id) if message.touchpoint_id else None
    ref = f"sg:{sg_event_id}"[:120]
    try:
        with session.begin_nested():
            record_reach(
                session,
                [Reach(organisation_id,
                       EngagementKind.OPENED if kind == "open" else EngagementKind.CLICKED,
                       1, ref, note=why)],
                occurred_at=occurred_at,
                channel=touchpoint.channel if touchpoint is not None else Channel.EMAIL_BULLETIN,
                touchpoint=touchpoint,
                campaign_id=message.campaign_id,
                source=EngagementSource.EMAIL_EVENT,
                now=now,
            )
            if not counted:
                session.execute(
                    update(Engagement)
                    .where(Engagement.source == EngagementSource.EMAIL_EVENT,
                           Engagement.source_ref == ref)
                    .values(counted=False)
                    .execution_options(synchronize_session=False)
                )
    except IntegrityError:
        return "Engagement already recorded"
    return "Engagement recorded" + ("" if counted else f" ({why})")
