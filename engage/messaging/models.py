"""The outbox: every email is a row first, written in the transaction that caused it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from engage.database import UTCDateTime, utcnow, value_enum
from engage.directory.models import SuppressionReason
from engage.extensions import db


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for send_after; also "retry later" with a later send_after
    SENDING = "sending"  # claimed by a delivery step; recovered after a timeout if it died
    SENT = "sent"
    FAILED = "failed"  # for good: permanent error or too many attempts
    WITHDRAWN = "withdrawn"  # cancelled before sending (event cancelled, rule removed ...)
    SUPPRESSED = "suppressed"  # the recipient may not be emailed (unsubscribed, bounced ...)


class OutboxMessage(db.Model):  # type: ignore[name-defined]
    """One email to one recipient, rendered when queued, sent by the delivery step."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_status_send_after", "status", "send_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The same reminder for the same person and touchpoint can never be queued twice.
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(
        value_enum(OutboxStatus, length=20, validate_strings=False), default=OutboxStatus.QUEUED)
    # What made it: "reminder", "follow_up", "nudge", "digest", "bulletin", "test" ...
    kind: Mapped[str] = mapped_column(String(30), default="")
    # The send it belongs to, for its report and the outbox's grouping: "bulletin:12",
    # "rule:5" (a reminder, follow-up or nudge rule), "digest", "registration:3" ... (see
    # `engage.messaging.sends`). None for one-off messages.
    send_ref: Mapped[str | None] = mapped_column(String(60), index=True)
    # A test send ("send a test to me"): delivered like any other, counted nowhere.
    is_test: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # The random token its tracked links carry (?m=...), so a click finds the message, and
    # through it the contact's organisation, without the link spelling out who was sent it.
    click_token: Mapped[str | None] = mapped_column(String(24), unique=True)
    template: Mapped[str] = mapped_column(String(80), default="")
    to_email: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(120), default="")
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign.id", ondelete="SET NULL"), index=True
    )
    touchpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("touchpoint.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text, default="")
    # Extra headers (List-Unsubscribe ...) and attachments as
    # [{"filename", "content_type", "content_b64"}].
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    send_after: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(40))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    provider_message_id: Mapped[str | None] = mapped_column(String(120), index=True)
    # What SendGrid's events last said (delivered, open, click, bounce ...); it only moves
    # forward, so an open that arrives after a bounce leaves "bounce".
    event_status: Mapped[str] = mapped_column(String(20), default="", server_default="")
    event_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class MailboxMessage(db.Model):  # type: ignore[name-defined]
    """A message "sent" by the local mailbox backend, readable at /mailbox."""

    __tablename__ = "mailbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="SET NULL"), index=True
    )
    from_email: Mapped[str] = mapped_column(String(254))
    to_email: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(120), default="")
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text, default="")
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class EmailEvent(db.Model):  # type: ignore[name-defined]
    """What a recipient did with an email: a SendGrid event, or an unsubscribe by link.

    The unique `sg_event_id` makes a replayed webhook post change nothing. No IP address or
    user agent is kept.
    """

    __tablename__ = "email_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    sg_event_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    event: Mapped[str] = mapped_column(String(30))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="SET NULL"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), default="")
    sg_message_id: Mapped[str] = mapped_column(String(200), default="")
    # "webhook" or "link" (the unsubscribe page); what was done about it, for the outbox page.
    source: Mapped[str] = mapped_column(String(20), default="webhook")
    outcome: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DeliveryPause(db.Model):  # type: ignore[name-defined]
    """SendGrid refused our key (401/403): delivery stops until an administrator resumes it.

    Without this every due message would hit the same error on every tick (a retry storm).
    """

    __tablename__ = "delivery_pause"

    id: Mapped[int] = mapped_column(primary_key=True)
    backend: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    paused_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resumed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class Suppression(db.Model):  # type: ignore[name-defined]
    """An address nothing may be sent to, and why; one row per lowercased address."""

    __tablename__ = "suppression"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    reason: Mapped[SuppressionReason] = mapped_column(
        value_enum(SuppressionReason))
    source: Mapped[str] = mapped_column(String(20), default="")  # link, webhook, manager
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UnsubscribeToken(db.Model):  # type: ignore[name-defined]
    """The random id an address's unsubscribe links carry, so the links never spell it out.

    One per lowercased address, made the first time it is emailed and kept for good: old
    emails keep working links.
    """

    __tablename__ = "unsubscribe_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EmailClick(db.Model):  # type: ignore[name-defined]
    """A click on a tracked link in an email: which link, which message, and whether a person
    made it (a mail server's link scanner opening every link on arrival is kept apart).

    No IP address or user agent is kept; `machine_reason` says why a click was judged a
    machine's.
    """

    __tablename__ = "email_click"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("short_link.id", ondelete="CASCADE"),
                                         index=True)
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="SET NULL"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    human: Mapped[bool] = mapped_column(default=True)
    machine_reason: Mapped[str] = mapped_column(String(80), default="")
