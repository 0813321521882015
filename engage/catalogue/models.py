"""The occupational health services on offer."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engage.database import UTCDateTime, utcnow, value_enum
from engage.extensions import db


class Audience(enum.StrEnum):
    MANAGERS_ONLY = "managers_only"
    ALL_STAFF = "all_staff"
    STAFF_AND_FAMILY = "staff_and_family"

    @property
    def label(self) -> str:
        return {
            "managers_only": "Managers only",
            "all_staff": "All staff",
            "staff_and_family": "Staff and their families",
        }[self.value]


class AccessRoute(enum.StrEnum):
    MANAGER_REFERRAL = "manager_referral"
    SELF_REFERRAL = "self_referral"
    PHONE_LINE = "phone_line"
    APP = "app"

    @property
    def label(self) -> str:
        return {
            "manager_referral": "Manager referral",
            "self_referral": "Self-referral",
            "phone_line": "Phone line",
            "app": "App",
        }[self.value]


class Service(db.Model):  # type: ignore[name-defined]
    """One OH service: what it is, who may use it and how to reach it."""

    __tablename__ = "service"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    summary: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised on output
    audience: Mapped[Audience] = mapped_column(
        value_enum(Audience, validate_strings=False), default=Audience.ALL_STAFF)
    # A list of AccessRoute values; a service is often reachable more than one way.
    access_routes: Mapped[list[str]] = mapped_column(JSON, default=list)
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    hours: Mapped[str] = mapped_column(String(200), default="")
    # For managers referring someone: where the form is, what to gather first, what follows
    # (one item a line).
    referral_form_url: Mapped[str] = mapped_column(String(300), default="")
    what_to_have_ready: Mapped[str] = mapped_column(Text, default="")
    what_happens_next: Mapped[str] = mapped_column(Text, default="")
    # A manager's choice to show it publicly; a service with no contact route stays a draft
    # whatever this says (engage/catalogue/completeness.py).
    published: Mapped[bool] = mapped_column(default=True)
    # Helpline calls for the whole area cannot be put down to one practice.
    attributable_to_organisation: Mapped[bool] = mapped_column(default=True)
    retired: Mapped[bool] = mapped_column(default=False)
    sort_order: Mapped[int] = mapped_column(default=100)
    # Set on services created by `flask catalogue seed`, so seeding again recognises them.
    seed_key: Mapped[str | None] = mapped_column(String(60), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    @property
    def routes(self) -> list[AccessRoute]:
        known = {route.value for route in AccessRoute}
        return [AccessRoute(value) for value in self.access_routes or [] if value in known]
