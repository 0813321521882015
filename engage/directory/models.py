"""The organisations outreach is aimed at, where they are, and whom to contact there."""

from __future__ import annotations

import calendar
import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.database import UTCDateTime, utcnow, value_enum
from engage.directory.addresses import normalise_town, post_town_from_lines
from engage.directory.names import shown_name
from engage.extensions import db


class OrgKind(enum.StrEnum):
    GP_PRACTICE = "gp_practice"
    GP_FEDERATION = "gp_federation"
    COMMUNITY_PHARMACY = "community_pharmacy"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "gp_practice": "GP practice",
            "gp_federation": "GP federation",
            "community_pharmacy": "Community pharmacy",
            "other": "Other",
        }[self.value]

    @property
    def plural(self) -> str:
        return {
            "gp_practice": "GP practices",
            "gp_federation": "GP federations",
            "community_pharmacy": "Community pharmacies",
            "other": "Other settings",
        }[self.value]


class OrgStatus(enum.StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"
    DORMANT = "dormant"
    PROPOSED = "proposed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ContactRole(enum.StrEnum):
    PRACTICE_MANAGER = "practice_manager"
    REFERRAL_MANAGER = "referral_manager"
    PHARMACY_LEAD = "pharmacy_lead"
    CLINICAL_LEAD = "clinical_lead"
    FEDERATION_MANAGER = "federation_manager"
    OWNER = "owner"  # a pharmacy's owner or a practice's partner: bulletins may go to them alone
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class OrgSource(enum.StrEnum):
    ODS = "ods"
    CSV = "csv"
    PHARMACY_LIST = "pharmacy_list"  # the NHS Business Services Authority's national list
    MANUAL = "manual"
    DEMO = "demo"

    @property
    def label(self) -> str:
        return {"ods": "NHS ODS file", "csv": "CSV import",
                "pharmacy_list": "National pharmacy list", "manual": "Added by hand",
                "demo": "Demo data"}[self.value]


class Locality(db.Model):  # type: ignore[name-defined]
    """A geographical area the steering group reports by (Cambridge, Fens, ...): data, not code."""

    __tablename__ = "locality"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(String(300), default="")

    rules: Mapped[list[LocalityRule]] = relationship(
        back_populates="locality", cascade="all, delete-orphan", order_by="LocalityRule.value"
    )


class LocalityRuleKind(enum.StrEnum):
    """What a rule matches on; the most specific match wins (sector, then district, then town)."""

    POSTCODE_SECTOR = "postcode_sector"  # outward code and the next digit, e.g. PE7 1 (Whittlesey)
    POSTCODE_DISTRICT = "postcode_district"  # the outward code, e.g. PE13
    POST_TOWN = "post_town"  # e.g. WISBECH

    @property
    def label(self) -> str:
        return {
            "postcode_sector": "Postcode sector",
            "postcode_district": "Postcode district",
            "post_town": "Post town",
        }[self.value]


class LocalityRule(db.Model):  # type: ignore[name-defined]
    """Maps a postcode sector, postcode district or post town to a locality."""

    __tablename__ = "locality_rule"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_locality_rule_kind_value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LocalityRuleKind] = mapped_column(value_enum(LocalityRuleKind))
    value: Mapped[str] = mapped_column(String(60))  # upper case, single-spaced
    locality_id: Mapped[int] = mapped_column(ForeignKey("locality.id", ondelete="CASCADE"))

    locality: Mapped[Locality] = relationship(back_populates="rules")


class Organisation(db.Model):  # type: ignore[name-defined]
    """A GP practice, federation, pharmacy or other setting, identified by its ODS code."""

    # Only the code is indexed, and the few demo rows: even the national list (about 15,000
    # rows) is scanned in a few milliseconds, while each full secondary index slows the bulk
    # ODS import by about a tenth (measurements in docs/performance.md). The partial index
    # costs imports nothing and answers "is there demo data?" on every page at once.
    __tablename__ = "organisation"
    __table_args__ = (
        Index("ix_organisation_demo", "id", sqlite_where=text("is_demo = 1"),
              postgresql_where=text("is_demo")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ods_code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(200))  # as published (ODS: capitals); imports match it
    # A person's spelling of the name, where proper case from `name` gets it wrong.
    preferred_name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[OrgKind] = mapped_column(value_enum(OrgKind))
    status: Mapped[OrgStatus] = mapped_column(value_enum(OrgStatus), default=OrgStatus.ACTIVE)
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id", ondelete="SET NULL"))
    # True when a person chose the locality: imports and rule changes then leave it alone.
    locality_locked: Mapped[bool] = mapped_column(default=False, server_default=false())
    pcn: Mapped[str | None] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(Text, default="")  # lines joined with newlines, town last
    postcode: Mapped[str] = mapped_column(String(10), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    open_date: Mapped[date | None] = mapped_column(Date)
    close_date: Mapped[date | None] = mapped_column(Date)
    commissioner: Mapped[str] = mapped_column(String(10), default="")
    prescribing_setting: Mapped[int | None] = mapped_column()
    staff_headcount: Mapped[int | None] = mapped_column()
    # Day ("monday" ...) → the hours as the pharmacy list writes them ("09:00-13:00 14:00-18:00").
    opening_hours: Mapped[dict[str, str] | None] = mapped_column(JSON)
    source: Mapped[OrgSource] = mapped_column(value_enum(OrgSource), default=OrgSource.MANUAL)
    # Server defaults let bulk imports leave these columns out of their INSERT.
    is_demo: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    locality: Mapped[Locality | None] = relationship()
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan",
        order_by=lambda: [func.lower(Contact.name), Contact.id],
    )

    @property
    def display_name(self) -> str:
        """The name as people read it: their own spelling if set, else the published name in
        proper case."""
        return shown_name(self.name, self.preferred_name)

    @hybrid_property
    def sort_key(self) -> str:
        """What every list of organisations sorts by: the shown name, whatever its case
        (lower() in SQL, so SQLite and PostgreSQL's collations agree on case)."""
        return self.display_name.casefold()

    @sort_key.inplace.expression
    @classmethod
    def _sort_key_expression(cls) -> ColumnElement[str]:
        return func.lower(func.coalesce(cls.preferred_name, cls.name))

    @property
    def weekly_hours(self) -> list[tuple[str, str]]:
        """("Monday", "09:00-17:00") ... in week order, for the days the hours are known of."""
        hours = self.opening_hours or {}
        return [(day, hours[day.lower()]) for day in calendar.day_name if day.lower() in hours]

    @property
    def address_lines(self) -> list[str]:
        return [line.strip() for line in (self.address or "").split("\n") if line.strip()]

    @property
    def post_town(self) -> str:
        """The town, read from the address, so the two can never disagree."""
        return post_town_from_lines(self.address_lines)

    @post_town.setter
    def post_town(self, town: str) -> None:
        """Make `town` the address's last line, in place of the town it had."""
        if normalise_town(town) == self.post_town:
            return
        lines = self.address_lines
        if lines and lines[-1].strip().upper() == self.post_town:
            lines.pop()
        self.address = "\n".join([*lines, town.strip()] if town.strip() else lines)


class LawfulBasis(enum.StrEnum):
    """Why the service may email a contact (UK GDPR article 6)."""

    LEGITIMATE_INTEREST = "legitimate_interest"  # the default for work contacts
    CONSENT = "consent"
    PUBLIC_TASK = "public_task"
    CONTRACT = "contract"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class SuppressionReason(enum.StrEnum):
    """Why nothing more may be emailed to a contact."""

    UNSUBSCRIBED = "unsubscribed"
    HARD_BOUNCE = "hard_bounce"
    SPAM_REPORT = "spam_report"
    DROPPED = "dropped"
    INVALID = "invalid"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Contact(db.Model):  # type: ignore[name-defined]
    """A named person at an organisation who receives invitations and reminders."""

    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[ContactRole] = mapped_column(value_enum(ContactRole), default=ContactRole.OTHER)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    do_not_email: Mapped[bool] = mapped_column(default=False)
    is_demo: Mapped[bool] = mapped_column(default=False)
    lawful_basis: Mapped[LawfulBasis] = mapped_column(
        value_enum(LawfulBasis), default=LawfulBasis.LEGITIMATE_INTEREST,
        server_default=LawfulBasis.LEGITIMATE_INTEREST.value,
    )
    # Set by an unsubscribe, a hard bounce, a drop or a spam report: never emailed again.
    suppressed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    suppression_reason: Mapped[SuppressionReason | None] = mapped_column(
        value_enum(SuppressionReason))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="contacts")

    @property
    def may_email(self) -> bool:
        """Whether anything may be sent to this contact at all."""
        return bool(self.email) and not self.do_not_email and self.suppressed_at is None


class DirectoryImport(db.Model):  # type: ignore[name-defined]
    """One completed import into the directory, with what it did."""

    __tablename__ = "directory_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10))  # "ods", "csv" or "pharmacy"
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    filename: Mapped[str] = mapped_column(String(255), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    commissioner: Mapped[str] = mapped_column(String(10), default="")
    rows_read: Mapped[int] = mapped_column(default=0)
    added: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    closed: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    # Why rows were skipped ({reason: count}) and the options the import ran with.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
