"""SendGrid events: what recipients did with our email, applied once each, never backwards.

Each event is stored once by its `sg_event_id` (SendGrid retries posts for 24 hours, and the
same event often arrives twice). A message's `event_status` only moves forward in
STATUS_RANK, so an open arriving after a bounce does not undo the bounce. Opens and clicks
become engagement rows for the organisation (`source_ref` `sg:<sg_event_id>`; machine opens
and clicks within seconds of delivery, typical of link scanners, are kept with
counted=False). A click on one of engage's own tracked links (`tracking.py`) is stored and
marked (`detail["engage_link"]`) but makes no engagement: engage counted that click itself
when the link redirected (`clicks.py`), so SendGrid's report of it is not a second click.
Bounces, drops, spam reports and unsubscribes suppress the address.

A post is applied in bulk (a handful of statements for thousands of events) inside a
savepoint; should that fail, each event is applied again on its own savepoint, so one event
the database refuses costs only itself. Every effect is idempotent (forward-only status,
suppression by address, ON CONFLICT DO NOTHING on `sg_event_id` and on the engagement's
`source_ref`), so two posts carrying the same event in parallel store it once.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

from engage.campaigns.models import (
    Channel,
    Engagement,
    EngagementKind,
    EngagementSource,
    Touchpoint,
    tier_for,
)
from engage.database import DbSession
from engage.directory.models import Contact, SuppressionReason
from engage.links.codes import normalise
from engage.links.models import Medium, ShortLink
from engage.messaging.event_check import CheckedEvent, EventProblem, check_event, safe_id
from engage.messaging.models import EmailEvent, OutboxMessage
from engage.messaging.suppression import address_key, suppress
from engage.messaging.tracking import SHORT_PATH

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
# Ids per IN (...) list: well under SQLite's and PostgreSQL's bound-parameter limits.
CHUNK = 500


def process_events(session: DbSession, events: Sequence[Any], *, now: datetime,
                   nul_possible: bool = True) -> Counter[str]:
    """Apply a webhook post's events; returns counts by outcome for the response and logs.

    Events no column can take are skipped ("skipped") and logged by position and
    sg_event_id; events the database still refuses are skipped the same way ("failed").
    """
    counts: Counter[str] = Counter()
    checked: list[CheckedEvent] = []
    for index, event in enumerate(events):
        try:
            good = check_event(index, event, nul_possible=nul_possible)
        except EventProblem as exc:
            counts["skipped"] += 1
            log.warning("SendGrid event %d (%s) skipped: it %s", index, safe_id(event), exc)
            continue
        if good is None:
            counts["ignored"] += 1
            log.warning("SendGrid event %d without sg_event_id or event ignored", index)
            continue
        checked.append(good)
    if not checked:
        return counts
    try:
        with session.begin_nested():
            counts += _apply(session, checked, now=now)
        return counts
    except (OperationalError, InterfaceError):
        raise  # the database is away, not the events at fault: answered 503, SendGrid retries
    except SQLAlchemyError:
        log.warning("SendGrid post of %d events refused in bulk; applying them one by one",
                    len(checked))
    for event in checked:
        try:
            with session.begin_nested():
                counts += _apply(session, [event], now=now)
        except (OperationalError, InterfaceError):
            raise
        except SQLAlchemyError as exc:
            counts["failed"] += 1
            refused = getattr(exc, "orig", None) or exc
            log.warning("SendGrid event %d (%s) skipped: the database refused it (%s)",
                        event.index, event.sg_event_id, type(refused).__name__)
    return counts


@dataclass
class _Message:
    """The columns of an outbox row an event needs, and its status as the post moves it."""

    id: int
    to_email: str
    contact_id: int | None
    organisation_id: int | None
    touchpoint_id: int | None
    campaign_id: int | None
    sent_at: datetime | None
    event_status: str
    event_at: datetime | None
    changed: bool = False


@dataclass
class _Post:
    """What one application of events has looked up and what it will write."""

    session: DbSession
    now: datetime
    messages: dict[int, _Message] = field(default_factory=dict)
    by_prefix: dict[str, list[_Message]] = field(default_factory=dict)
    organisations: dict[int, int | None] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    delivered: dict[int, datetime] = field(default_factory=dict)
    tracked_codes: set[str] = field(default_factory=set)
    suppressed: set[str] = field(default_factory=set)
    events: list[dict[str, Any]] = field(default_factory=list)
    engagement: list[dict[str, Any]] = field(default_factory=list)


def _apply(session: DbSession, events: list[CheckedEvent], *, now: datetime) -> Counter[str]:
    counts: Counter[str] = Counter()
    fresh: list[CheckedEvent] = []
    seen: set[str] = set()
    for event in events:
        if event.sg_event_id in seen:
            counts["duplicate"] += 1
            continue
        seen.add(event.sg_event_id)
        fresh.append(event)
    stored = set(_in(session, select(EmailEvent.sg_event_id), EmailEvent.sg_event_id, seen))
    fresh = [e for e in fresh if e.sg_event_id not in stored]
    counts["duplicate"] += len(seen) - len(fresh)
    if not fresh:
        return +counts
    post = _Post(session, now)
    _load(post, fresh)
    for event in fresh:
        counts[_one(post, event)] += 1
    _write(post)
    return counts


def _in(session: DbSession, query: Any, column: Any, values: Iterable[Any]) -> Iterator[Any]:
    """`query` WHERE column IN values, a chunk at a time: rows, or scalars for one column."""
    values = list(values)
    one_column = len(query.selected_columns) == 1
    for start in range(0, len(values), CHUNK):
        chunk = query.where(column.in_(values[start:start + CHUNK]))
        yield from session.scalars(chunk) if one_column else session.execute(chunk).all()


def _message_query() -> Any:
    m = OutboxMessage
    return select(m.id, m.to_email, m.contact_id, m.organisation_id, m.touchpoint_id,
                  m.campaign_id, m.sent_at, m.event_status, m.event_at,
                  m.provider_message_id)


def _remember(post: _Post, row: Any) -> _Message:
    message = post.messages.get(row.id)
    if message is None:
        message = _Message(row.id, row.to_email, row.contact_id, row.organisation_id,
                           row.touchpoint_id, row.campaign_id, row.sent_at,
                           row.event_status or "", row.event_at)
        post.messages[row.id] = message
    return message


def _load(post: _Post, events: list[CheckedEvent]) -> None:
    """Every row the events need, in a few IN (...) queries rather than a few per event."""
    session = post.session
    ids = {e.outbox_id for e in events if e.outbox_id is not None}
    for row in _in(session, _message_query(), OutboxMessage.id, ids):
        _remember(post, row)
    prefixes = {e.sg_message_id.split(".", 1)[0] for e in events
                if e.sg_message_id and e.outbox_id not in post.messages}
    prefixes.discard("")
    for row in _in(session, _message_query(), OutboxMessage.provider_message_id, prefixes):
        post.by_prefix.setdefault(row.provider_message_id, []).append(_remember(post, row))
    messages = list(post.messages.values())
    contact_ids = {m.contact_id for m in messages
                   if m.organisation_id is None and m.contact_id is not None}
    post.organisations.update(_in(session, select(Contact.id, Contact.organisation_id),
                                  Contact.id, contact_ids))
    touchpoint_ids = {m.touchpoint_id for m in messages if m.touchpoint_id is not None}
    post.channels.update(_in(session, select(Touchpoint.id, Touchpoint.channel),
                             Touchpoint.id, touchpoint_ids))
    delivered_query = (select(EmailEvent.outbox_message_id, func.min(EmailEvent.occurred_at))
                       .where(EmailEvent.event == "delivered")
                       .group_by(EmailEvent.outbox_message_id))
    codes = {code for e in events if e.kind == "click"
             if (code := tracked_code(e.detail.get("url"))) is not None}
    if codes:
        post.tracked_codes.update(_in(session, select(ShortLink.code).where(
            ShortLink.medium == Medium.EMAIL), ShortLink.code, codes))
    if any(e.kind == "click" for e in events):
        post.delivered.update(_in(session, delivered_query, EmailEvent.outbox_message_id,
                                  [m.id for m in messages]))


def _find(post: _Post, event: CheckedEvent) -> _Message | None:
    """The outbox row an event is about: by our custom arg, else by SendGrid's message id."""
    if event.outbox_id is not None and event.outbox_id in post.messages:
        return post.messages[event.outbox_id]
    if not event.sg_message_id:
        return None
    # SendGrid's event id is the X-Message-Id it answered with, plus ".filter..." parts.
    # Messages sent in one request share it, so the address picks the one.
    candidates = post.by_prefix.get(event.sg_message_id.split(".", 1)[0], [])
    matching = [m for m in candidates if m.to_email.lower() == event.email]
    if len(matching) == 1:
        return matching[0]
    return candidates[0] if len(candidates) == 1 else None


def _one(post: _Post, event: CheckedEvent) -> str:
    """Apply one event in memory (its rows are written by `_write`); its outcome count."""
    occurred_at = event.occurred_at or post.now
    message = _find(post, event)
    email = event.email or (message.to_email.lower() if message else "")
    outcome = []
    if message is None:
        outcome.append(f"Unknown message: no outbox row for sg_message_id "
                       f"{event.sg_message_id or '(none)'}")
        log.warning("SendGrid %s event %s for an unknown message", event.kind, event.sg_event_id)
    else:
        rank = STATUS_RANK.get(event.kind, 0)
        if rank > STATUS_RANK.get(message.event_status, 0):
            message.event_status, message.event_at = event.kind[:20], occurred_at
            message.changed = True
        first_delivery = post.delivered.get(message.id)
        if event.kind == "delivered" and (first_delivery is None or occurred_at < first_delivery):
            post.delivered[message.id] = occurred_at
    reason = SUPPRESSING.get(event.kind)
    if event.kind == "bounce" and event.bounce_type == "bounce":
        reason = SuppressionReason.HARD_BOUNCE
    if reason is not None and email:
        key = address_key(email)
        if key not in post.suppressed and suppress(post.session, email, reason, now=post.now,
                                                   source="webhook", note=event.kind):
            outcome.append(f"Suppressed ({reason.label.lower()})")
        else:
            outcome.append("Already suppressed")
        post.suppressed.add(key)
    detail = event.detail
    if event.kind == "click" and tracked_code(detail.get("url")) in post.tracked_codes:
        detail = {**detail, "engage_link": True}
        outcome.append("Click on an engage tracked link: already counted when it redirected")
    elif event.kind in ("open", "click") and message is not None:
        outcome.append(_engagement(post, message, event, occurred_at))
    post.events.append({
        "sg_event_id": event.sg_event_id, "event": event.kind, "occurred_at": occurred_at,
        "received_at": post.now, "outbox_message_id": message.id if message else None,
        "contact_id": message.contact_id if message else None, "email": email,
        "sg_message_id": event.sg_message_id, "source": "webhook",
        "outcome": "; ".join(o for o in outcome if o)[:300] or "Recorded",
        "detail": detail,
    })
    return "unknown" if message is None else "processed"


def tracked_code(url: object) -> str | None:
    """The short code when `url` is an engage short link (`.../q/<code>`), else None."""
    if not isinstance(url, str):
        return None
    head, _, code = url.rstrip("/").rpartition("/")
    if not head.endswith(f"/{SHORT_PATH}"):
        return None
    return normalise(code)


def _engagement(post: _Post, message: _Message, event: CheckedEvent,
                occurred_at: datetime) -> str:
    organisation_id = message.organisation_id
    if organisation_id is None and message.contact_id is not None:
        organisation_id = post.organisations.get(message.contact_id)
    if organisation_id is None:
        return "No organisation to record engagement for"
    counted, why = True, ""
    if event.kind == "open" and event.machine_open:
        counted, why = False, "machine open (mail privacy or scanner), kept but not counted"
    if event.kind == "click":
        delivered = post.delivered.get(message.id) or message.sent_at
        if delivered is not None and occurred_at - delivered <= SCANNER_CLICK_WINDOW:
            counted, why = False, "click within seconds of delivery (link scanner), not counted"
    kind = EngagementKind.OPENED if event.kind == "open" else EngagementKind.CLICKED
    post.engagement.append({
        "organisation_id": organisation_id, "occurred_at": occurred_at,
        "channel": post.channels.get(message.touchpoint_id or 0, Channel.EMAIL_BULLETIN),
        "kind": kind, "tier": tier_for(kind, counted=counted),
        "people": 1, "touchpoint_id": message.touchpoint_id if message.touchpoint_id in
        post.channels else None,
        "campaign_id": message.campaign_id, "source": EngagementSource.EMAIL_EVENT,
        "source_ref": f"sg:{event.sg_event_id}"[:120], "note": why[:500], "counted": counted,
        "void_reason": "", "created_by_id": None, "created_at": post.now,
    })
    return "Engagement recorded" + ("" if counted else f" ({why})")


def _insert_ignoring(session: DbSession, table: Any, conflict: list[str]) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING on either database."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing(index_elements=conflict)
    if session.get_bind().dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing(index_elements=conflict)
    return insert(table)


def _write(post: _Post) -> None:
    """Events, engagement and status changes in one executemany statement each."""
    session = post.session
    session.execute(_insert_ignoring(session, EmailEvent.__table__, ["sg_event_id"]),
                    post.events)
    if post.engagement:
        session.execute(_insert_ignoring(session, Engagement.__table__,
                                         ["source", "source_ref"]), post.engagement)
    changed = [{"id": m.id, "event_status": m.event_status, "event_at": m.event_at}
               for m in post.messages.values() if m.changed]
    if changed:
        session.execute(update(OutboxMessage), changed)
