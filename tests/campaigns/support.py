"""Small helpers shared by the campaign, touchpoint and reach tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from engage.campaigns.models import Engagement, Touchpoint, TouchpointRevision
from engage.extensions import db

# Tests that need "now" use this fixed instant (a Tuesday in March 2022, UK winter time).
NOW = datetime(2022, 3, 15, 12, 0, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def count(model: Any, *where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def ledger_rows() -> int:
    return count(Engagement)


def revisions(touchpoint: Touchpoint) -> list[TouchpointRevision]:
    return list(db.session.scalars(
        select(TouchpointRevision).where(TouchpointRevision.touchpoint_id == touchpoint.id)
        .order_by(TouchpointRevision.id)))


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))
