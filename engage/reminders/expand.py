"""The step that turns due rules into outbox rows, and withdraws rows that no longer apply.

Rows are queued up to REMINDER_QUEUE_AHEAD_HOURS before they are due, with `send_after` at
their time, so the outbox does the scheduling. Every tick also withdraws queued reminder and
follow-up rows whose touchpoint moved, was cancelled, was deleted or has started, and whose
rule was removed, each with its reason in `last_error`; the delivery job calls the same
withdrawal first, so a stale reminder is never sent after downtime.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from engage.campaigns.models import Touchpoint, TouchpointStatus
from engage.database import DbSession
from engage.messaging import sends
from engage.messaging.models import OutboxMessage, OutboxStatus
from engage.messaging.outbox import Attachment, Email, queue_email
from engage.registration.audience import recipient_key
from engage.reminders import keys
from engage.reminders.invitation import invitation_attachment
from engage.reminders.models import ReminderRule, RuleKind
from engage.reminders.schedule import Occasion, business_hours, occasion
from engage.templating import london

log = logging.getLogger(__name__)

RULE_KINDS = ("reminder", "follow_up")
CHUNK = 500
TEMPLATES = {
    RuleKind.REMINDER: "reminder",
    RuleKind.FOLLOW_UP_ATTENDED: "follow_up_attended",
    RuleKind.FOLLOW_UP_ABSENT: "follow_up_absent",
    RuleKind.NUDGE: "nudge",
}


def withdraw(session: DbSession, message_id: int, key: str, reason: str, now: datetime) -> bool:
    """Withdraw one queued row (only if still queued) and free its key; True if it was."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.QUEUED)
        .values(status=OutboxStatus.WITHDRAWN, last_error=reason, updated_at=now,
                idempotency_key=keys.withdrawn_key(key, message_id))
        .execution_options(synchronize_session=False)
    )
    won = bool(getattr(result, "rowcount", 0))
    if won:
        log.info("withdrew outbox message %s (%s): %s", message_id, key, reason)
    return won


def stale_reason(key: str, rule: ReminderRule | None, touchpoint: Touchpoint | None,
                 now: datetime) -> str | None:
    """Why a queued reminder or follow-up must not go, or None if it still should."""
    parsed = keys.parse_rule_key(key)
    if parsed is None:
        return None
    if touchpoint is None:
        return "The touchpoint was deleted, so its reminder was withdrawn."
    if rule is None or not rule.active:
        return "The reminder rule was removed."
    if touchpoint.status is TouchpointStatus.CANCELLED:
        return "The touchpoint was cancelled."
    if parsed.kind == "reminder":
        if touchpoint.status is TouchpointStatus.DONE:
            return "The touchpoint has already happened."
        if touchpoint.planned_at is None:
            return "The touchpoint no longer has a planned time."
        if parsed.stamp != keys.stamp(touchpoint.planned_at):
            return (f"The touchpoint moved to {london(touchpoint.planned_at)} (UK time); "
                    "a reminder for the new time replaces this one.")
        if now >= touchpoint.planned_at:
            return "The touchpoint started before the reminder could be sent."
    return None


def withdraw_stale(session: DbSession, *, now: datetime) -> int:
    """Withdraw every queued reminder and follow-up that no longer applies."""
    queued = session.execute(
        select(OutboxMessage.id, OutboxMessage.idempotency_key, OutboxMessage.touchpoint_id)
        .where(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.kind.in_(RULE_KINDS))
    ).all()
    if not queued:
        return 0
    rule_ids = {p.rule_id for _, key, _ in queued if (p := keys.parse_rule_key(key))}
    rules = {r.id: r for r in session.scalars(
        select(ReminderRule).where(ReminderRule.id.in_(rule_ids)))}
    touchpoints = {t.id: t for t in session.scalars(select(Touchpoint).where(
        Touchpoint.id.in_({tp for _, _, tp in queued if tp is not None})))}
    withdrawn = 0
    for message_id, key, touchpoint_id in queued:
        parsed = keys.parse_rule_key(key)
        rule = rules.get(parsed.rule_id) if parsed else None
        touchpoint = touchpoints.get(touchpoint_id) if touchpoint_id is not None else None
        reason = stale_reason(key, rule, touchpoint, now)
        if reason and withdraw(session, message_id, key, reason, now):
            withdrawn += 1
    return withdrawn


def withdraw_for_rule(session: DbSession, rule: ReminderRule, reason: str, now: datetime) -> int:
    """Withdraw what a rule has queued (it was removed)."""
    rows = session.execute(select(OutboxMessage.id, OutboxMessage.idempotency_key).where(
        OutboxMessage.status == OutboxStatus.QUEUED,
        OutboxMessage.idempotency_key.startswith(_key_prefix(rule), autoescape=True))).all()
    return sum(withdraw(session, message_id, key, reason, now) for message_id, key in rows)


def _email_for(rule: ReminderRule, found: Occasion, recipient: Any, send_after: datetime,
               base_url: str, period: int | None, attachments: list[Attachment]) -> Email:
    touchpoint = rule.touchpoint
    if rule.kind is RuleKind.REMINDER:
        assert touchpoint is not None and touchpoint.planned_at is not None
        key = keys.reminder_key(rule.id, touchpoint.planned_at, recipient_key(recipient))
    elif rule.kind.is_follow_up:
        key = keys.follow_up_key(rule.id, recipient.contact_id)
    else:
        key = keys.nudge_key(rule.id, recipient.organisation_id, period or 0,
                             recipient.contact_id)
    return Email(
        idempotency_key=key,
        to_email=recipient.email,
        to_name=recipient.name,
        template=TEMPLATES[rule.kind],
        context=message_context(rule, recipient, base_url),
        send_after=send_after,
        kind="nudge" if rule.kind is RuleKind.NUDGE else
        ("follow_up" if rule.kind.is_follow_up else "reminder"),
        contact_id=recipient.contact_id,
        organisation_id=recipient.organisation_id,
        campaign_id=rule.campaign_id if touchpoint is None else touchpoint.campaign_id,
        touchpoint_id=touchpoint.id if touchpoint is not None else None,
        attachments=attachments,
        send_ref=sends.rule_ref(rule.id),
    )


def message_context(rule: ReminderRule, recipient: Any, base_url: str) -> dict[str, Any]:
    """What the email templates get."""
    return {
        "rule": rule,
        "touchpoint": rule.touchpoint,
        "campaign": rule.campaign or (rule.touchpoint.campaign if rule.touchpoint else None),
        "recipient": recipient,
        "organisation_name": recipient.organisation_name,
        "note": rule.message.strip(),
        "base_url": base_url,
    }


def expand_rule(session: DbSession, rule: ReminderRule, *, now: datetime,
                config: Mapping[str, Any], limit: int | None = None) -> int:
    """Queue one rule's due messages, at most `limit`; returns how many were queued now."""
    found = occasion(session, rule, business_hours(config), now)
    ahead = timedelta(hours=int(config.get("REMINDER_QUEUE_AHEAD_HOURS", 24)))
    if found.send_at is None or found.send_at > now + ahead:
        return 0
    if rule.kind is RuleKind.NUDGE and found.waiting and not found.recipients:
        return 0
    base_url = str(config.get("PUBLIC_BASE_URL", ""))
    attachments: list[Attachment] = []
    if rule.kind is RuleKind.REMINDER and rule.touchpoint is not None:
        attachments = [invitation_attachment(rule.touchpoint, base_url)]
    period = None
    if rule.kind is RuleKind.NUDGE and rule.campaign is not None:
        from engage.reminders.schedule import nudge_period

        period = nudge_period(rule, rule.campaign, now)
    send_after = max(found.send_at, now)
    taken = queued_keys(session, _key_prefix(rule))
    queued = 0
    for recipient in found.included:
        email = _email_for(rule, found, recipient, send_after, base_url, period, attachments)
        if email.idempotency_key in taken:
            continue  # the idle tick: one query instead of one per recipient
        message = queue_email(session, email, now=now)
        if message is not None:
            queued += 1
            # Flushed already; keeping thousands of rows in the session would make every
            # later flush check them all.
            session.expunge(message)
            if limit is not None and queued >= limit:
                break
    return queued


def _key_prefix(rule: ReminderRule) -> str:
    if rule.kind is RuleKind.NUDGE:
        return f"nudge:{rule.id}:"
    return f"{'follow_up' if rule.kind.is_follow_up else 'reminder'}:{rule.id}:"


def queued_keys(session: DbSession, prefix: str) -> set[str]:
    """Every idempotency key already used under `prefix` (withdrawn rows' keys included, which
    is harmless: their new keys never match a fresh one)."""
    return set(session.scalars(select(OutboxMessage.idempotency_key).where(
        OutboxMessage.idempotency_key.startswith(prefix, autoescape=True))))


def active_rules(session: DbSession, now: datetime) -> list[ReminderRule]:
    """Rules that might send: live, and their touchpoint not long past."""
    recent = now - timedelta(days=60)
    return list(session.scalars(
        select(ReminderRule)
        .outerjoin(Touchpoint, ReminderRule.touchpoint_id == Touchpoint.id)
        .where(ReminderRule.removed_at.is_(None))
        .where((ReminderRule.kind == RuleKind.NUDGE)
               | ((Touchpoint.status != TouchpointStatus.CANCELLED)
                  & ((Touchpoint.planned_at >= recent) | (Touchpoint.actual_at >= recent))))
        .order_by(ReminderRule.id)
    ))


def expand_due(session: DbSession, *, now: datetime, config: Mapping[str, Any]) -> int:
    """One pass: withdraw what no longer applies, queue what is due; commits per rule.

    A rule whose template fails to render is rolled back alone, its error kept on the rule
    (shown on its page) and logged; the other rules still go.
    """
    count = withdraw_stale(session, now=now)
    session.commit()
    for rule_id in [r.id for r in active_rules(session, now)]:
        rule = session.get(ReminderRule, rule_id)
        if rule is None:
            continue
        try:
            # A big rule commits every CHUNK messages, so it never holds the database's write
            # lock for long; the keys make the next pass carry on where this one stopped.
            while True:
                queued = expand_rule(session, rule, now=now, config=config, limit=CHUNK)
                if rule.last_error:
                    rule.last_error = ""
                session.commit()
                count += queued
                if queued < CHUNK:
                    break
                again = session.get(ReminderRule, rule_id)
                if again is None:
                    break
                rule = again
        except Exception as exc:  # noqa: BLE001 - one bad rule must not stop the others
            session.rollback()
            reason = f"{type(exc).__name__}: {exc}"[:2000]
            log.error("reminder rule %s could not be expanded: %s", rule_id, reason)
            session.execute(update(ReminderRule).where(ReminderRule.id == rule_id)
                            .values(last_error=f"Not sent at {london(now)}: {reason}"))
            session.commit()
    return count
