"""Saved report snapshots: the figures a steering-group meeting saw, frozen."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from engage.database import UTCDateTime, utcnow
from engage.extensions import db


class ReportSnapshot(db.Model):  # type: ignore[name-defined]
    """Everything the report showed when saved, so later corrections do not change it."""

    __tablename__ = "report_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    taken_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    taken_by: Mapped[str] = mapped_column(String(254), default="")  # the email, kept if deleted
    title: Mapped[str] = mapped_column(String(150))
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # InsightFilters args
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # report.figures()
