"""Registration settings of a webinar or training session, and the people who registered.

A registration keeps only what the page asks for (name, work email, organisation, role) and
what the service needs to run the event (its status and times). The cancel link is derived
from `nonce` with the app's secret (tokens.py), so no usable token is stored.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.campaigns.models import Touchpoint
from engage.database import UTCDateTime, utcnow, value_enum
from engage.directory.models import Organisation
from engage.extensions import db
from engage.links.models import ShortLink


class RegistrationStatus(enum.StrEnum):
    REGISTERED = "registered"
    WAITING = "waiting"  # on the waiting list: moves up, in order, when someone cancels
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"registered": "Registered", "waiting": "Waiting list",
                "cancelled": "Cancelled"}[self.value]


class RegistrationSettings(db.Model):  # type: ignore[name-defined]
    """Whether a meeting touchpoint takes registrations, and on what terms."""

    __tablename__ = "registration_settings"

    touchpoint_id: Mapped[int] = mapped_column(
        ForeignKey("touchpoint.id", ondelete="CASCADE"), primary_key=True)
    # The public page's address: random, so event pages cannot be listed by counting ids.
    code: Mapped[str] = mapped_column(String(24), unique=True)
    is_open: Mapped[bool] = mapped_column(default=True, server_default=true())
    capacity: Mapped[int | None] = mapped_column()  # None: no limit
    waiting_list: Mapped[bool] = mapped_column(default=True, server_default=true())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # None: at the start
    short_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("short_link.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    touchpoint: Mapped[Touchpoint] = relationship()
    short_link: Mapped[ShortLink | None] = relationship()


class Registration(db.Model):  # type: ignore[name-defined]
    """One person's place (or place in the queue) at an event; one row per address per event,
    reused when someone who cancelled registers again."""

    __tablename__ = "registration"
    __table_args__ = (
        UniqueConstraint("touchpoint_id", "email_key", name="uq_registration_email"),
        Index("ix_registration_queue", "touchpoint_id", "status", "queued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    touchpoint_id: Mapped[int] = mapped_column(ForeignKey("touchpoint.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254))  # the address case-folded, for matching
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(100))
    status: Mapped[RegistrationStatus] = mapped_column(value_enum(RegistrationStatus, length=20))
    # When the place was asked for: the waiting list's order.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    nonce: Mapped[str] = mapped_column(String(32))  # renewed on each registration: old links die
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    touchpoint: Mapped[Touchpoint] = relationship()
    organisation: Mapped[Organisation] = relationship()
