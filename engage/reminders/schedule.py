"""When each rule sends, and to whom: shared by the step that queues and the preview."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from engage.campaigns import models as campaigns
from engage.campaigns.audience import audience_ids_query
from engage.campaigns.ics import DEFAULT_DURATION
from engage.database import DbSession
from engage.directory.models import Organisation
from engage.registration.audience import with_registrants
from engage.reminders import recipients as who
from engage.reminders.models import OffsetUnit, ReminderRule, RuleKind
from engage.reminders.recipients import Addressed, Recipient
from engage.reminders.timing import (
    BusinessHours,
    next_business_time,
    previous_business_time,
    shift,
)
from engage.timezone import day_start


@dataclass
class Occasion(Addressed):
    """One rule's send: when (or why not), and who."""

    rule: ReminderRule
    send_at: datetime | None
    waiting: str | None = None  # why it is not (yet) going
    recipients: list[Recipient] = field(default_factory=list)


def business_hours(config: Mapping[str, Any]) -> BusinessHours:
    return BusinessHours.from_config(dict(config))


def touchpoint_end(touchpoint: campaigns.Touchpoint) -> datetime | None:
    start = touchpoint.when
    if start is None:
        return None
    minutes = touchpoint.duration_minutes
    return start + (timedelta(minutes=minutes) if minutes else DEFAULT_DURATION)


def touchpoint_send_time(rule: ReminderRule, touchpoint: campaigns.Touchpoint, hours: BusinessHours
                         ) -> tuple[datetime | None, str | None]:
    """When a reminder or follow-up rule sends for its touchpoint, or why it does not."""
    if touchpoint.status is campaigns.TouchpointStatus.CANCELLED:
        return None, "The touchpoint is cancelled, so nothing is sent."
    if rule.kind is RuleKind.REMINDER:
        if touchpoint.status is campaigns.TouchpointStatus.DONE:
            return None, "The touchpoint has already happened."
        if touchpoint.planned_at is None:
            return None, "The touchpoint has no planned time."
        moment = shift(touchpoint.planned_at, -rule.offset_amount, rule.offset_unit)
        return (previous_business_time(moment, hours) if rule.business_hours else moment), None
    end = touchpoint_end(touchpoint)
    if touchpoint.status is not campaigns.TouchpointStatus.DONE or end is None:
        return None, "Sent after the touchpoint is marked as done, when attendance is known."
    moment = shift(end, rule.offset_amount, rule.offset_unit)
    return (next_business_time(moment, hours) if rule.business_hours else moment), None


def touchpoint_occasion(session: DbSession, rule: ReminderRule, hours: BusinessHours,
                        now: datetime) -> Occasion:
    """The send of a reminder or follow-up rule, with its recipients."""
    touchpoint = rule.touchpoint
    if touchpoint is None:
        return Occasion(rule, None, "The touchpoint was deleted.")
    if not rule.active:
        return Occasion(rule, None, "The rule was removed.")
    send_at, waiting = touchpoint_send_time(rule, touchpoint, hours)
    if rule.kind is RuleKind.REMINDER:
        # Registrants too (engage.registration), each address once.
        people = with_registrants(session, touchpoint.id, who.invitees(session, touchpoint.id))
        if send_at is not None and touchpoint.planned_at is not None \
                and now >= touchpoint.planned_at:
            send_at, waiting = None, "The touchpoint has started: reminders are no longer sent."
    elif rule.kind is RuleKind.FOLLOW_UP_ATTENDED:
        people = who.attendees(session, touchpoint.id)
    else:
        people = who.absentees(session, touchpoint.id)
    if send_at is not None and not people:
        waiting = ("Nobody is invited or registered yet." if rule.kind is RuleKind.REMINDER
                   else "Nobody to send it to yet: record attendance first.")
    return Occasion(rule, send_at, waiting, people)


# --- nudges ---------------------------------------------------------------------------------------


def nudge_start(rule: ReminderRule, campaign: campaigns.Campaign) -> datetime:
    """Quiet days are counted from the later of the campaign's start and the rule's making."""
    return max(day_start(campaign.start_date), rule.created_at)


def nudge_period(rule: ReminderRule, campaign: campaigns.Campaign, now: datetime) -> int:
    """Which period of `period_days` since the start `now` falls in (part of the key)."""
    elapsed = now - nudge_start(rule, campaign)
    return max(int(elapsed / timedelta(days=rule.period_days or 1)), 0)


def quiet_organisations(session: DbSession, campaign: campaigns.Campaign,
                        since: datetime) -> list[int]:
    """Audience organisations that have not engaged (the engaged tier: being sent something is
    not engaging) since `since`."""
    engaged = select(campaigns.Engagement.organisation_id).where(
        campaigns.Engagement.occurred_at >= since, campaigns.engaged_engagement())
    return list(session.scalars(
        audience_ids_query(campaign).where(Organisation.id.not_in(engaged))))


def last_nudges(session: DbSession, rule_id: int) -> dict[int, datetime]:
    """When each organisation was last nudged under this rule (queued or sent)."""
    from engage.messaging.models import OutboxMessage, OutboxStatus

    rows = session.execute(
        select(OutboxMessage.organisation_id, func.max(OutboxMessage.send_after))
        .where(OutboxMessage.kind == "nudge",
               OutboxMessage.idempotency_key.like(f"nudge:{rule_id}:%"),
               OutboxMessage.status.not_in([OutboxStatus.WITHDRAWN]))
        .group_by(OutboxMessage.organisation_id)
    ).all()
    return {org_id: at for org_id, at in rows if org_id is not None}


def nudge_occasion(session: DbSession, rule: ReminderRule, hours: BusinessHours,
                   now: datetime) -> Occasion:
    """Whom a nudge rule would nudge now, and when it goes."""
    campaign = rule.campaign
    if campaign is None:
        return Occasion(rule, None, "The campaign was deleted.")
    if not rule.active:
        return Occasion(rule, None, "The rule was removed.")
    if campaign.status is not campaigns.CampaignStatus.ACTIVE:
        return Occasion(rule, None, "Nudges go only while the campaign is active.")
    if now >= day_start(campaign.end_date + timedelta(days=1)):
        return Occasion(rule, None, "The campaign has ended.")
    quiet = timedelta(days=rule.quiet_days or 0)
    first = nudge_start(rule, campaign) + quiet
    if now < first:
        send_at = next_business_time(first, hours) if rule.business_hours else first
        return Occasion(rule, send_at, "The first nudges go once the quiet days have passed.")
    period = timedelta(days=rule.period_days or 1)
    last = last_nudges(session, rule.id)
    due = [org for org in quiet_organisations(session, campaign, now - quiet)
           if org not in last or last[org] <= now - period]
    send_at = next_business_time(now, hours) if rule.business_hours else now
    people = who.referral_managers(session, due)
    return Occasion(rule, send_at, None if people else
                    "No quiet organisation with a referral manager to nudge.", people)


def occasion(session: DbSession, rule: ReminderRule, hours: BusinessHours,
             now: datetime) -> Occasion:
    if rule.kind is RuleKind.NUDGE:
        return nudge_occasion(session, rule, hours, now)
    return touchpoint_occasion(session, rule, hours, now)


__all__ = ["OffsetUnit", "Occasion", "occasion", "touchpoint_send_time"]
