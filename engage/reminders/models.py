"""Reminder rules, bulletins, and the scheduler's record of its own runs.

What has been sent, or is waiting to be, lives in the outbox (`OutboxMessage`), keyed by an
idempotency key that names the rule, the occasion and the recipient (`keys.py`): the rules
here are the intent, the outbox is the state, so a step can run any number of times.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.auth.models import User
from engage.campaigns.models import Campaign, Channel, Touchpoint
from engage.database import UTCDateTime, utcnow, value_enum
from engage.extensions import db


class RuleKind(enum.StrEnum):
    REMINDER = "reminder"  # before a meeting touchpoint, to its invitees
    FOLLOW_UP_ATTENDED = "follow_up_attended"  # after it, to those who came
    FOLLOW_UP_ABSENT = "follow_up_absent"  # after it, to those invited who did not come
    NUDGE = "nudge"  # to a campaign's audience organisations that have gone quiet

    @property
    def label(self) -> str:
        return RULE_LABELS[self]

    @property
    def is_follow_up(self) -> bool:
        return self in (RuleKind.FOLLOW_UP_ATTENDED, RuleKind.FOLLOW_UP_ABSENT)


RULE_LABELS = {
    RuleKind.REMINDER: "Reminder before",
    RuleKind.FOLLOW_UP_ATTENDED: "Follow-up to those who attended",
    RuleKind.FOLLOW_UP_ABSENT: "Follow-up to those invited who did not attend",
    RuleKind.NUDGE: "Nudge to organisations with no engagement",
}


class OffsetUnit(enum.StrEnum):
    HOURS = "hours"
    DAYS = "days"  # calendar days in UK time: the same clock time, across a clock change


class ReminderRule(db.Model):  # type: ignore[name-defined]
    """A standing instruction: remind, follow up or nudge, and when."""

    __tablename__ = "reminder_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RuleKind] = mapped_column(value_enum(RuleKind))
    # Reminders and follow-ups belong to a touchpoint; nudges to a campaign.
    touchpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("touchpoint.id", ondelete="CASCADE"), index=True
    )
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    # Before the start (reminders) or after the end (follow-ups).
    offset_amount: Mapped[int] = mapped_column(default=1)
    offset_unit: Mapped[OffsetUnit] = mapped_column(value_enum(OffsetUnit), default=OffsetUnit.DAYS)
    # Nudges: an organisation with no engagement for `quiet_days` is nudged, at most once
    # every `period_days`.
    quiet_days: Mapped[int | None] = mapped_column()
    period_days: Mapped[int | None] = mapped_column()
    # Only on working days (England bank holidays excluded), within BUSINESS_HOURS.
    business_hours: Mapped[bool] = mapped_column(default=False)
    # A short note from the manager, put into the email.
    message: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Rules are switched off, not deleted, so what they sent can still be explained.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Why the last expansion failed (a template that did not render ...), shown on its page.
    last_error: Mapped[str] = mapped_column(Text, default="")

    touchpoint: Mapped[Touchpoint | None] = relationship()
    campaign: Mapped[Campaign | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def active(self) -> bool:
        return self.removed_at is None

    def describe(self) -> str:
        """'1 day before', '2 hours after', 'after 30 days without engagement, every 14 days'."""
        if self.kind is RuleKind.NUDGE:
            return (f"After {self.quiet_days} days without engagement, at most every "
                    f"{self.period_days} days")
        unit = self.offset_unit.value if self.offset_amount != 1 else self.offset_unit.value[:-1]
        when = "before it starts" if self.kind is RuleKind.REMINDER else "after it ends"
        return f"{self.offset_amount} {unit} {when}"


class BulletinStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"  # claimed by the bulletin step; its transaction sends it or nothing
    SENT = "sent"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Bulletin(db.Model):  # type: ignore[name-defined]
    """An email bulletin or newsletter written in Markdown, sent to a campaign's audience."""

    __tablename__ = "bulletin"
    __table_args__ = (Index("ix_bulletin_status_send_at", "status", "send_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[Channel] = mapped_column(
        value_enum(Channel), default=Channel.EMAIL_BULLETIN,
    )
    subject: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[BulletinStatus] = mapped_column(
        value_enum(BulletinStatus), default=BulletinStatus.DRAFT
    )
    # The touchpoint its sending made: the reach of the bulletin is recorded against it.
    touchpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("touchpoint.id", ondelete="SET NULL")
    )
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recipients: Mapped[int] = mapped_column(default=0)
    organisations: Mapped[int] = mapped_column(default=0)
    # Why the last attempt to send failed; it stays scheduled and is tried again.
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Who it goes to. No localities and no kinds: the campaign's audience; otherwise the
    # campaign's audience narrowed to these localities and organisation kinds. No roles: every
    # contact of those organisations; otherwise only contacts with one of these roles.
    audience_locality_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    audience_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    audience_roles: Mapped[list[str]] = mapped_column(JSON, default=list)

    campaign: Mapped[Campaign] = relationship()
    touchpoint: Mapped[Touchpoint | None] = relationship()


class BulletinTemplate(db.Model):  # type: ignore[name-defined]
    """A saved subject and body to start a bulletin from (a monthly newsletter's skeleton)."""

    __tablename__ = "bulletin_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[Channel] = mapped_column(value_enum(Channel), default=Channel.EMAIL_BULLETIN)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    created_by: Mapped[User | None] = relationship()


class SchedulerRun(db.Model):  # type: ignore[name-defined]
    """The last run of each scheduled job, so the reminders page can say the scheduler is alive."""

    __tablename__ = "scheduler_run"

    job_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    result: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
