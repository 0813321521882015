"""Adding and removing reminder, follow-up and nudge rules, with the checks a manager needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engage.audit.log import record_event
from engage.campaigns.models import Campaign, Touchpoint, TouchpointStatus
from engage.database import DbSession
from engage.reminders.errors import ReminderError
from engage.reminders.expand import withdraw_for_rule
from engage.reminders.models import OffsetUnit, ReminderRule, RuleKind

MAX_OFFSET = {OffsetUnit.HOURS: 24 * 60, OffsetUnit.DAYS: 90}
MAX_DAYS = 365
MESSAGE_LENGTH = 2000


@dataclass
class RuleFields:
    kind: RuleKind
    offset_amount: int = 1
    offset_unit: OffsetUnit = OffsetUnit.DAYS
    quiet_days: int | None = None
    period_days: int | None = None
    business_hours: bool = False
    message: str = ""


def check_fields(fields: RuleFields) -> list[str]:
    problems = []
    if fields.kind is RuleKind.NUDGE:
        for label, value in (("days without engagement", fields.quiet_days),
                             ("days between nudges", fields.period_days)):
            if value is None or not 1 <= value <= MAX_DAYS:
                problems.append(f"Enter the {label} as a whole number from 1 to {MAX_DAYS}.")
    else:
        limit = MAX_OFFSET[fields.offset_unit]
        if not 0 <= fields.offset_amount <= limit:
            problems.append(f"Enter how many {fields.offset_unit.value} as a whole number from "
                            f"0 to {limit}.")
    if len(fields.message) > MESSAGE_LENGTH:
        problems.append(f"Keep the note to {MESSAGE_LENGTH} characters or fewer.")
    return problems


def add_touchpoint_rule(session: DbSession, touchpoint: Touchpoint, fields: RuleFields, user: Any,
                        now: datetime) -> ReminderRule:
    """A reminder before, or a follow-up after, a webinar or training session."""
    if fields.kind is RuleKind.NUDGE:
        raise ReminderError("Nudges belong to a campaign: add them on the campaign's page.")
    if not touchpoint.channel.is_meeting:
        raise ReminderError(f"Reminders and follow-ups are for meetings (webinars, training); "
                            f"this touchpoint is a {touchpoint.channel.label.lower()}.")
    if touchpoint.status is TouchpointStatus.CANCELLED:
        raise ReminderError("This touchpoint is cancelled: restore it before adding reminders.")
    problems = check_fields(fields)
    if problems:
        raise ReminderError(" ".join(problems))
    rule = ReminderRule(kind=fields.kind, touchpoint_id=touchpoint.id,
                        offset_amount=fields.offset_amount, offset_unit=fields.offset_unit,
                        business_hours=fields.business_hours, message=fields.message.strip(),
                        created_by_id=getattr(user, "id", None), created_at=now)
    session.add(rule)
    session.flush()
    record_event(session, user, "reminders.rule_add",
                 f"Added '{fields.kind.label}' ({rule.describe()}) to {touchpoint.title}",
                 target=rule)
    return rule


def add_nudge_rule(session: DbSession, campaign: Campaign, fields: RuleFields, user: Any,
                   now: datetime) -> ReminderRule:
    fields.kind = RuleKind.NUDGE
    problems = check_fields(fields)
    if problems:
        raise ReminderError(" ".join(problems))
    rule = ReminderRule(kind=RuleKind.NUDGE, campaign_id=campaign.id,
                        quiet_days=fields.quiet_days, period_days=fields.period_days,
                        business_hours=fields.business_hours, message=fields.message.strip(),
                        offset_amount=0, created_by_id=getattr(user, "id", None),
                        created_at=now)
    session.add(rule)
    session.flush()
    record_event(session, user, "reminders.rule_add",
                 f"Added a nudge ({rule.describe()}) to {campaign.name}", target=rule)
    return rule


def remove_rule(session: DbSession, rule: ReminderRule, user: Any, now: datetime) -> int:
    """Switch a rule off and withdraw what it queued; returns how many messages were withdrawn."""
    if not rule.active:
        raise ReminderError("This rule was already removed.")
    rule.removed_at = now
    withdrawn = withdraw_for_rule(session, rule, "The reminder rule was removed.", now)
    record_event(session, user, "reminders.rule_remove",
                 f"Removed '{rule.kind.label}' ({rule.describe()})", target=rule,
                 details={"withdrawn": withdrawn})
    session.flush()
    return withdrawn
