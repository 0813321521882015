"""Short links and their QR codes, the scans they receive, and awareness answers.

No address is ever stored: a scan keeps a daily visitor key (an HMAC of address and coarse
device family under a salt that exists for one UK day and is then deleted), so visitors can be
counted per day but never followed from one day to the next, or traced to a person.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.auth.models import User
from engage.campaigns.models import Touchpoint
from engage.catalogue.models import Service
from engage.database import UTCDateTime, utcnow, value_enum
from engage.directory.models import Organisation
from engage.extensions import db


class Medium(enum.StrEnum):
    """How a link reaches people, so a QR scan is told apart from a click."""

    QR = "qr"  # printed: a poster or leaflet with the QR code
    LINK = "link"  # typed or clicked: an email, a newsletter, a post
    EMAIL = "email"  # a link engage put in an email it sent, one per link per send

    @property
    def label(self) -> str:
        return {"qr": "Printed QR code", "link": "Link in an email or post",
                "email": "Tracked link in an email engage sent"}[self.value]


class Device(enum.StrEnum):
    MOBILE = "mobile"
    DESKTOP = "desktop"
    BOT = "bot"  # crawlers and link previewers: stored for the record, never counted


class MissReason(enum.StrEnum):
    UNKNOWN = "unknown"
    RETIRED = "retired"


class ShortLink(db.Model):  # type: ignore[name-defined]
    """A short code on a poster or in a message, pointing at one service page (or the list)."""

    __tablename__ = "short_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    # None: the link opens the list of services.
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"), index=True)
    touchpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("touchpoint.id", ondelete="SET NULL"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    medium: Mapped[Medium] = mapped_column(value_enum(Medium, length=20), default=Medium.QR)
    # The one-line message printed on the poster; the service summary when blank.
    message: Mapped[str] = mapped_column(String(200), default="")
    # Email links (medium "email"): where the link goes, and the send it was made for.
    target_url: Mapped[str | None] = mapped_column(Text)
    send_ref: Mapped[str | None] = mapped_column(String(60), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    service: Mapped[Service | None] = relationship()
    touchpoint: Mapped[Touchpoint | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


class Scan(db.Model):  # type: ignore[name-defined]
    """One request for a short link: when, what kind of device, and a daily visitor key."""

    __tablename__ = "scan"
    __table_args__ = (
        Index("ix_scan_link_day", "link_id", "day"),
        Index("ix_scan_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("short_link.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    day: Mapped[date] = mapped_column(Date)  # the UK day of `at`
    device: Mapped[Device] = mapped_column(value_enum(Device, length=20))
    visitor_key: Mapped[str] = mapped_column(String(32))


class ScanVisitor(db.Model):  # type: ignore[name-defined]
    """A visitor key seen for a link on a day: unique visitors, counted safely under load.

    Inserting here with ON CONFLICT DO NOTHING tells a scan whether its visitor is new today,
    which is what keeps the ledger's `people` right when two scans arrive at once.
    """

    __tablename__ = "scan_visitor"

    link_id: Mapped[int] = mapped_column(
        ForeignKey("short_link.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    visitor_key: Mapped[str] = mapped_column(String(32), primary_key=True)


class ScanMiss(db.Model):  # type: ignore[name-defined]
    """A well-formed code that opened nothing (unknown, or retired), for the manager to see."""

    __tablename__ = "scan_miss"
    __table_args__ = (Index("ix_scan_miss_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), index=True)
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("short_link.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[MissReason] = mapped_column(value_enum(MissReason, length=20))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    day: Mapped[date] = mapped_column(Date)
    device: Mapped[Device] = mapped_column(value_enum(Device, length=20))


class ScanMissDay(db.Model):  # type: ignore[name-defined]
    """One UK day's unknown-code misses: how many were stored as `ScanMiss` rows (at most
    SCAN_MISS_DAILY_CAP) and how many more were only counted here.

    A flood of random codes (5,199 in 10 s in a probe) then costs one row, not one per code;
    the first misses of the day, where a typo on a poster shows up, are kept in full.
    """

    __tablename__ = "scan_miss_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    stored: Mapped[int] = mapped_column(default=0)
    overflow: Mapped[int] = mapped_column(default=0)


class AwarenessAnswer(db.Model):  # type: ignore[name-defined]
    """"Did you know about this service before today?": every answer a person gives.

    Not one per visitor key a day: colleagues on one practice network with the same kind of
    phone share a key, so only bursts from one key are held back (`AwarenessBurst`).
    """

    __tablename__ = "awareness_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("short_link.id", ondelete="SET NULL"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    knew_before: Mapped[bool] = mapped_column()
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    day: Mapped[date] = mapped_column(Date)
    visitor_key: Mapped[str] = mapped_column(String(32))


class AwarenessBurst(db.Model):  # type: ignore[name-defined]
    """When a visitor key last had an answer counted for a service: one answer per key and
    service within AWARENESS_BURST_MINUTES, so a double tap or a refresh is not counted twice.

    A row only matters for the length of the window; older rows are deleted as answers come in,
    and a key means nothing once its day's salt is gone.
    """

    __tablename__ = "awareness_burst"

    service_id: Mapped[int] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    visitor_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class VisitorSalt(db.Model):  # type: ignore[name-defined]
    """The secret of one UK day's visitor keys; deleted once the day is over."""

    __tablename__ = "visitor_salt"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    salt: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
