"""The provider's referral figures, the imports that brought them, and remembered service names.

A referral row is a count for one organisation (or none, for area-wide services such as a
helpline), one day or month, one service, with optional reason, route and aggregated staff
characteristics; never a name. Rows replaced by a later import are kept, marked with the batch
that superseded them, so rolling that batch back restores them exactly.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.catalogue.models import Service
from engage.database import UTCDateTime, utcnow
from engage.extensions import db

DAY = "day"
MONTH = "month"


class UptakeBatch(db.Model):  # type: ignore[name-defined]
    """One confirmed import of the provider's file: what it was, who, when, and what it held."""

    __tablename__ = "uptake_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    rows: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)  # the sum of the rows' counts
    replaced: Mapped[int] = mapped_column(default=0)  # earlier rows this batch superseded
    replace_months: Mapped[bool] = mapped_column(default=False)
    # What was detected (format, encoding, delimiter, sheet) and the totals per service and month.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    rolled_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rolled_back_by: Mapped[str] = mapped_column(String(254), default="")

    @property
    def active(self) -> bool:
        return self.rolled_back_at is None


class Referral(db.Model):  # type: ignore[name-defined]
    """A count of referrals (or requests, or calls) for one organisation, date and service."""

    __tablename__ = "referral"
    __table_args__ = (
        Index("ix_referral_service_date", "service_id", "referred_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("uptake_batch.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    referred_on: Mapped[date] = mapped_column(Date)  # the first of the month for month precision
    precision: Mapped[str] = mapped_column(String(5), default=DAY)  # "day" or "month"
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    count: Mapped[int] = mapped_column(default=1)
    reason: Mapped[str | None] = mapped_column(String(80))
    route: Mapped[str | None] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(80), index=True)
    staff_group: Mapped[str | None] = mapped_column(String(60))
    age_band: Mapped[str | None] = mapped_column(String(30))
    sex: Mapped[str | None] = mapped_column(String(30))
    ethnicity: Mapped[str | None] = mapped_column(String(60))
    disability: Mapped[str | None] = mapped_column(String(30))
    # Set when a later batch replaced this row; rolling that batch back clears it.
    superseded_by_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("uptake_batch.id", ondelete="SET NULL"), index=True
    )

    service: Mapped[Service] = relationship()


class ServiceAlias(db.Model):  # type: ignore[name-defined]
    """A name the provider uses for a catalogue service, mapped once by a manager."""

    __tablename__ = "service_alias"

    id: Mapped[int] = mapped_column(primary_key=True)
    alias: Mapped[str] = mapped_column(String(120), unique=True)  # normalised: see columns.norm
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(254), default="")

    service: Mapped[Service] = relationship()


class PendingUpload(db.Model):  # type: ignore[name-defined]
    """An uploaded file waiting to be checked or confirmed, found by an unguessable token.

    Kept in the database (not the cookie session) so any worker can show its preview, and the
    background check of a large file can report how far it has got.
    """

    __tablename__ = "uptake_pending"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sheet: Mapped[str | None] = mapped_column(String(100))
    date_order: Mapped[str] = mapped_column(String(5), default="auto")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="checking")  # checking|ready|failed
    rows_done: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    preview: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The manager's matching of columns to fields (engage.matchings.as_json), and the name
    # to save it under once the figures are recorded.
    matching: Mapped[dict[str, Any] | None] = mapped_column(JSON)
