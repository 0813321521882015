"""Campaigns, touchpoints and the engagement ledger.

The ledger (`Engagement`) is one of the two fact tables every insight is built on: one row per
organisation reached by something. Manual logs, attendance imports, QR scans and email events
all land here, each with its source, so any figure can be traced back to its rows.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    literal_column,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.auth.models import User
from engage.catalogue.models import Service
from engage.database import UTCDateTime, utcnow, value_enum
from engage.directory.models import Organisation
from engage.extensions import db


class Channel(enum.StrEnum):
    WEBINAR = "webinar"
    NEWSLETTER = "newsletter"
    EMAIL_BULLETIN = "email_bulletin"
    POSTER = "poster"
    PRACTICE_VISIT = "practice_visit"
    TRAINING = "training"
    QUALITY_MEETING = "quality_meeting"
    PM_UPDATE = "pm_update"
    PRESENTATION = "presentation"
    FACEBOOK = "facebook"
    GATEWAY = "gateway"
    PHONE_CALL = "phone_call"
    OTHER = "other"

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self]

    @property
    def is_meeting(self) -> bool:
        """Channels whose attendance can be imported from a meeting platform's report."""
        return self in (
            Channel.WEBINAR,
            Channel.TRAINING,
            Channel.QUALITY_MEETING,
            Channel.PRESENTATION,
        )


CHANNEL_LABELS = {
    Channel.WEBINAR: "Webinar",
    Channel.NEWSLETTER: "Newsletter",
    Channel.EMAIL_BULLETIN: "Email bulletin",
    Channel.POSTER: "Poster or printed resource",
    Channel.PRACTICE_VISIT: "Practice visit",
    Channel.TRAINING: "Training or support session",
    Channel.QUALITY_MEETING: "Quality meeting",
    Channel.PM_UPDATE: "Practice-manager update",
    Channel.PRESENTATION: "Presentation (staff, unions)",
    Channel.FACEBOOK: "Facebook group post",
    Channel.GATEWAY: "Primary Care Gateway post",
    Channel.PHONE_CALL: "Phone call",
    Channel.OTHER: "Other",
}


class EngagementKind(enum.StrEnum):
    INVITED = "invited"
    ATTENDED = "attended"
    ABSENT = "absent"  # invited, and nobody from the organisation came
    # In the meeting for less than the minimum: kept for the record, never counted (counted
    # is False), so no figure treats it as attending.
    JOINED_BRIEFLY = "joined_briefly"
    VISITED = "visited"
    RECEIVED = "received"  # sent a newsletter, bulletin or printed pack
    POSTED = "posted"  # a post the organisation's staff could see
    CALLED = "called"
    SCANNED = "scanned"
    OPENED = "opened"
    CLICKED = "clicked"
    REGISTERED = "registered"  # signed up on the event's registration page
    OTHER = "other"

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self, self.value.capitalize())


KIND_LABELS = {
    EngagementKind.ABSENT: "Invited, did not attend",
    EngagementKind.JOINED_BRIEFLY: "Joined briefly (not counted)",
    EngagementKind.RECEIVED: "Received (newsletter, bulletin, pack)",
    EngagementKind.POSTED: "Posted (staff could see it)",
    EngagementKind.REGISTERED: "Registered (signed up for the event)",
}


class EngagementTier(enum.StrEnum):
    """How far a contact went: the two figures every page counts, defined here once.

    *Contacted*: we invited, sent, posted or delivered something; the organisation may not
    have noticed. *Engaged*: somebody there did something (attended, was visited, took part,
    opened or clicked, scanned a code, answered). Engaged is the headline figure; an
    organisation that engaged was contacted too, so "contacted" counts both tiers.
    """

    CONTACTED = "contacted"
    ENGAGED = "engaged"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def hint(self) -> str:
        return TIER_HINTS[self]


TIER_HINTS = {
    EngagementTier.CONTACTED: (
        "We invited, sent, posted or delivered something. The organisation may not have "
        "noticed it."
    ),
    EngagementTier.ENGAGED: (
        "Someone at the organisation did something: registered, attended, was visited, took "
        "part in training, opened or clicked an email, scanned a code, answered or replied."
    ),
}

# Every kind's tier. A phone call may be a conversation or a message left, and "other" may be
# anything: those default to contacted (the figure never claims more than is known) and the
# person recording one can say it was engaged.
KIND_TIERS = {
    EngagementKind.INVITED: EngagementTier.CONTACTED,
    EngagementKind.ATTENDED: EngagementTier.ENGAGED,
    EngagementKind.ABSENT: EngagementTier.CONTACTED,
    EngagementKind.JOINED_BRIEFLY: EngagementTier.CONTACTED,
    EngagementKind.VISITED: EngagementTier.ENGAGED,
    EngagementKind.RECEIVED: EngagementTier.CONTACTED,
    EngagementKind.POSTED: EngagementTier.CONTACTED,
    EngagementKind.CALLED: EngagementTier.CONTACTED,
    EngagementKind.SCANNED: EngagementTier.ENGAGED,
    EngagementKind.OPENED: EngagementTier.ENGAGED,
    EngagementKind.CLICKED: EngagementTier.ENGAGED,
    EngagementKind.REGISTERED: EngagementTier.ENGAGED,
    EngagementKind.OTHER: EngagementTier.CONTACTED,
}
# Kinds whose tier the person recording them chooses (the default above otherwise).
CHOOSABLE_TIER_KINDS = (EngagementKind.CALLED, EngagementKind.OTHER)


def tier_for(kind: EngagementKind, chosen: EngagementTier | None = None,
             counted: bool = True) -> EngagementTier:
    """The tier a ledger row gets: the kind's, or the one chosen for an ambiguous kind.

    A row that is not counted (joined briefly, a machine open) is never engaged.
    """
    if not counted:
        return EngagementTier.CONTACTED
    if chosen is not None and kind in CHOOSABLE_TIER_KINDS:
        return chosen
    return KIND_TIERS[kind]


def _default_tier(context: Any) -> EngagementTier:
    params = context.get_current_parameters()
    # `counted` may not have had its own default filled in yet: only False means not counted.
    return tier_for(EngagementKind(params["kind"]), None,
                    params.get("counted") is not False)


# What a person records by hand; scans, opens and clicks arrive from their own features.
MANUAL_KINDS = (
    EngagementKind.INVITED,
    EngagementKind.ATTENDED,
    EngagementKind.ABSENT,
    EngagementKind.VISITED,
    EngagementKind.RECEIVED,
    EngagementKind.POSTED,
    EngagementKind.CALLED,
    EngagementKind.OTHER,
)


class EngagementSource(enum.StrEnum):
    MANUAL = "manual"
    ATTENDANCE = "attendance"
    QR_SCAN = "qr_scan"
    EMAIL_EVENT = "email_event"
    REGISTRATION = "registration"
    DEMO = "demo"

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self]


SOURCE_LABELS = {
    EngagementSource.MANUAL: "Recorded by hand",
    EngagementSource.ATTENDANCE: "Attendance import",
    EngagementSource.QR_SCAN: "QR code scan",
    EngagementSource.EMAIL_EVENT: "Email",
    EngagementSource.REGISTRATION: "Registration page",
    EngagementSource.DEMO: "Demo data",
}


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class TouchpointStatus(enum.StrEnum):
    PLANNED = "planned"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


campaign_service = Table(
    "campaign_service",
    db.metadata,
    Column("campaign_id", ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True),
)

touchpoint_service = Table(
    "touchpoint_service",
    db.metadata,
    Column("touchpoint_id", ForeignKey("touchpoint.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True),
)


class Campaign(db.Model):  # type: ignore[name-defined]
    """A planned push with an objective, dates, services promoted and an audience rule."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150), unique=True)
    objective: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    status: Mapped[CampaignStatus] = mapped_column(
        value_enum(CampaignStatus), default=CampaignStatus.DRAFT
    )
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    # The audience is a rule, re-evaluated as the directory changes: empty list = any.
    audience_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    audience_locality_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    audience_pcns: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    owner: Mapped[User | None] = relationship()
    services: Mapped[list[Service]] = relationship(
        secondary=campaign_service, order_by="Service.sort_order"
    )
    overrides: Mapped[list[AudienceOverride]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan"
    )
    targets: Mapped[list[CampaignTarget]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="CampaignTarget.id"
    )
    touchpoints: Mapped[list[Touchpoint]] = relationship(back_populates="campaign")


class AudienceOverride(db.Model):  # type: ignore[name-defined]
    """An organisation explicitly included in, or excluded from, a campaign's audience."""

    __tablename__ = "audience_override"
    __table_args__ = (
        UniqueConstraint("campaign_id", "organisation_id", name="uq_audience_override_org"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    include: Mapped[bool] = mapped_column()

    campaign: Mapped[Campaign] = relationship(back_populates="overrides")


class TargetMeasure(enum.StrEnum):
    COUNT = "count"  # a number of organisations
    PERCENT = "percent"  # a percentage of the target's audience

    @property
    def label(self) -> str:
        return {"count": "Number of organisations",
                "percent": "Percentage of the audience"}[self.value]


class CampaignTarget(db.Model):  # type: ignore[name-defined]
    """How many organisations to reach, in a locality or of a kind (or overall), by a date.

    It counts one tier (engaged unless the manager chose contacted), as a number of
    organisations or a percentage of the audience it is about.
    """

    __tablename__ = "campaign_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id", ondelete="CASCADE"))
    kind: Mapped[str | None] = mapped_column(String(30))  # an OrgKind value
    target_count: Mapped[int] = mapped_column()  # organisations, or a percentage (`measure`)
    due_date: Mapped[date] = mapped_column(Date)
    tier: Mapped[EngagementTier] = mapped_column(
        value_enum(EngagementTier), default=EngagementTier.ENGAGED)
    measure: Mapped[TargetMeasure] = mapped_column(
        value_enum(TargetMeasure), default=TargetMeasure.COUNT)

    campaign: Mapped[Campaign] = relationship(back_populates="targets")


def _new_uid() -> str:
    return f"{uuid.uuid4()}@engage"


class Touchpoint(db.Model):  # type: ignore[name-defined]
    """One piece of outreach: a webinar, a visit, a newsletter, a poster run ..."""

    __tablename__ = "touchpoint"
    __table_args__ = (Index("ix_touchpoint_planned_at", "planned_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[Channel] = mapped_column(value_enum(Channel))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[TouchpointStatus] = mapped_column(
        value_enum(TouchpointStatus), default=TouchpointStatus.PLANNED
    )
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    actual_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int | None] = mapped_column()
    location: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # iCalendar identity: the UID never changes and SEQUENCE rises with each edit, so calendar
    # clients replace the event instead of adding a second one.
    ical_uid: Mapped[str] = mapped_column(String(80), unique=True, default=_new_uid)
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    campaign: Mapped[Campaign | None] = relationship(back_populates="touchpoints")
    owner: Mapped[User | None] = relationship()
    services: Mapped[list[Service]] = relationship(
        secondary=touchpoint_service, order_by="Service.sort_order"
    )
    # Newest first; the id breaks ties between changes made in the same instant.
    revisions: Mapped[list[TouchpointRevision]] = relationship(
        back_populates="touchpoint",
        cascade="all, delete-orphan",
        order_by=lambda: [  # type: ignore[arg-type]
            TouchpointRevision.at.desc(),
            TouchpointRevision.id.desc(),
        ],
    )

    @property
    def when(self) -> datetime | None:
        """When it happened if it has, else when it is planned."""
        return self.actual_at or self.planned_at


class TouchpointRevision(db.Model):  # type: ignore[name-defined]
    """A change to a touchpoint: what changed, who changed it, when."""

    __tablename__ = "touchpoint_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    touchpoint_id: Mapped[int] = mapped_column(
        ForeignKey("touchpoint.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(String(500))
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    touchpoint: Mapped[Touchpoint] = relationship(back_populates="revisions")


# The WHERE of the partial indexes over live ledger rows; `live_engagement()` matches it.
_LIVE_SQLITE = text("counted = 1 AND voided_at IS NULL")
_LIVE_POSTGRESQL = text("counted AND voided_at IS NULL")
# The same for live rows of the engaged tier; `engaged_engagement()` matches it.
_ENGAGED_SQLITE = text("counted = 1 AND voided_at IS NULL AND tier = 'engaged'")
_ENGAGED_POSTGRESQL = text("counted AND voided_at IS NULL AND tier = 'engaged'")


class Engagement(db.Model):  # type: ignore[name-defined]
    """The ledger: an organisation was reached by something, at a time, through a channel."""

    __tablename__ = "engagement"
    __table_args__ = (
        # An organisation's timeline, newest first.
        Index("ix_engagement_org_time", "organisation_id", "occurred_at"),
        # Campaign progress asks, per audience organisation, "when did a live row of this
        # campaign first reach it?", and touchpoint lists count the organisations a touchpoint
        # reached: partial indexes over live rows answer both (docs/performance.md).
        Index("ix_engagement_live_campaign", "campaign_id", "organisation_id", "occurred_at",
              sqlite_where=_LIVE_SQLITE, postgresql_where=_LIVE_POSTGRESQL),
        # ... and "when did it first engage?", the headline tier, with one index seek too.
        Index("ix_engagement_engaged_campaign", "campaign_id", "organisation_id",
              "occurred_at", sqlite_where=_ENGAGED_SQLITE,
              postgresql_where=_ENGAGED_POSTGRESQL),
        # The tier is in the key so a touchpoint's engaged and contacted counts read the index
        # alone.
        Index("ix_engagement_live_touchpoint", "touchpoint_id", "organisation_id", "tier",
              sqlite_where=_LIVE_SQLITE, postgresql_where=_LIVE_POSTGRESQL),
        Index("ix_engagement_touchpoint", "touchpoint_id"),
        Index("ix_engagement_time", "occurred_at"),
        # The same scan, email event or attendance row can never be counted twice.
        UniqueConstraint("source", "source_ref", name="uq_engagement_source_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    channel: Mapped[Channel] = mapped_column(value_enum(Channel))
    kind: Mapped[EngagementKind] = mapped_column(value_enum(EngagementKind))
    # Contacted or engaged (`tier_for`): stored, because a phone call's tier is a choice.
    tier: Mapped[EngagementTier] = mapped_column(value_enum(EngagementTier), default=_default_tier)
    people: Mapped[int] = mapped_column(default=1)
    touchpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("touchpoint.id", ondelete="SET NULL")
    )
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id", ondelete="SET NULL"))
    source: Mapped[EngagementSource] = mapped_column(
        value_enum(EngagementSource), default=EngagementSource.MANUAL
    )
    source_ref: Mapped[str | None] = mapped_column(String(120))
    # Machine opens and link-scanner clicks are kept for the record but not counted as reach.
    counted: Mapped[bool] = mapped_column(default=True)
    # Corrections void a row and add a new one; nothing is silently rewritten.
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    void_reason: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    touchpoint: Mapped[Touchpoint | None] = relationship()
    campaign: Mapped[Campaign | None] = relationship()
    organisation: Mapped[Organisation] = relationship()

    @property
    def live(self) -> bool:
        """Counts as reach: not voided, and not a machine open or link-scanner click."""
        return self.counted and self.voided_at is None


def live_engagement() -> ColumnElement[bool]:
    """The ledger rows that count as reach.

    Written exactly as the partial indexes' WHERE clause, so that SQLite (which matches the
    terms as written) can use those indexes for any query that includes this condition.
    """
    return and_(Engagement.counted == true(), Engagement.voided_at.is_(None))


def engaged_engagement() -> ColumnElement[bool]:
    """The live ledger rows of the engaged tier: the headline figure everywhere.

    The tier is written as a literal, as in `ix_engagement_engaged_campaign`'s WHERE, so that
    SQLite (which matches a partial index's terms as written, never a bound value) uses it.
    """
    return and_(live_engagement(),
                Engagement.tier == literal_column(f"'{EngagementTier.ENGAGED.value}'"))


def tier_rows(tier: EngagementTier | None) -> ColumnElement[bool]:
    """Live rows that count for a tier: any live row for contacted (an organisation that
    engaged was contacted too), engaged-tier rows for engaged; None means contacted."""
    return engaged_engagement() if tier is EngagementTier.ENGAGED else live_engagement()


class AttendanceImport(db.Model):  # type: ignore[name-defined]
    """One attendee list applied to a touchpoint; its checksum stops a second upload counting."""

    __tablename__ = "attendance_import"
    __table_args__ = (
        UniqueConstraint("touchpoint_id", "sha256", name="uq_attendance_import_file"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    touchpoint_id: Mapped[int] = mapped_column(
        ForeignKey("touchpoint.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    layout: Mapped[str] = mapped_column(String(40), default="")  # e.g. "teams", "zoom", "generic"
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    attendees: Mapped[int] = mapped_column(default=0)
    organisations_attended: Mapped[int] = mapped_column(default=0)
    organisations_absent: Mapped[int] = mapped_column(default=0)
    unmatched: Mapped[int] = mapped_column(default=0)


class CalendarFeed(db.Model):  # type: ignore[name-defined]
    """A user's private .ics subscription; only a hash of its token is stored."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
