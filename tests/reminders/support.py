"""Helpers for the reminders tests: a webinar with invited organisations, outbox queries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from engage.campaigns.models import Channel, EngagementKind, Touchpoint
from engage.extensions import db
from engage.messaging.models import OutboxMessage, OutboxStatus
from engage.reminders.models import OffsetUnit, ReminderRule, RuleKind
from tests.factories import make_contact, make_engagement, make_organisation, make_touchpoint

CONFIG: dict[str, Any] = {"REMINDER_QUEUE_AHEAD_HOURS": 24, "BUSINESS_HOURS_START": 9,
                          "BUSINESS_HOURS_END": 17, "PUBLIC_BASE_URL": "https://engage.test"}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def webinar(planned_at: datetime, organisations: int = 2, **overrides: Any) -> Touchpoint:
    """A webinar with `organisations` invited, each with one contact."""
    touchpoint = make_touchpoint(planned_at=planned_at, channel=Channel.WEBINAR,
                                 duration_minutes=60, **overrides)
    for _ in range(organisations):
        org = make_organisation()
        make_contact(org)
        make_engagement(org, touchpoint=touchpoint, kind=EngagementKind.INVITED,
                        channel=Channel.WEBINAR, occurred_at=planned_at)
    return touchpoint


def rule(touchpoint: Touchpoint | None = None, kind: RuleKind = RuleKind.REMINDER,
         amount: int = 1, unit: OffsetUnit = OffsetUnit.DAYS, **overrides: Any) -> ReminderRule:
    values: dict[str, Any] = {"kind": kind, "offset_amount": amount, "offset_unit": unit,
                              "created_at": utc(2021, 1, 1)}
    values.update(overrides)
    made = ReminderRule(touchpoint_id=touchpoint.id if touchpoint else None, **values)
    db.session.add(made)
    db.session.flush()
    return made


def outbox(kind: str | None = None, status: OutboxStatus | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    if status:
        query = query.where(OutboxMessage.status == status)
    db.session.expire_all()
    return list(db.session.scalars(query))
