"""Writing to the engagement ledger: one row per organisation reached, never silently rewritten."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from engage.campaigns.models import (
    Channel,
    Engagement,
    EngagementKind,
    EngagementSource,
    Touchpoint,
)


@dataclass(frozen=True)
class Reach:
    """One organisation reached, and how many people there."""

    organisation_id: int
    kind: EngagementKind
    people: int = 1
    source_ref: str | None = None
    note: str = ""


def record_reach(
    session: Session,
    reaches: Iterable[Reach],
    *,
    occurred_at: datetime,
    channel: Channel,
    touchpoint: Touchpoint | None = None,
    campaign_id: int | None = None,
    source: EngagementSource = EngagementSource.MANUAL,
    user_id: int | None = None,
    now: datetime,
) -> int:
    """Add ledger rows in bulk; returns how many were written."""
    if touchpoint is not None and campaign_id is None:
        campaign_id = touchpoint.campaign_id
    rows = [
        {
            "organisation_id": reach.organisation_id,
            "occurred_at": occurred_at,
            "channel": channel,
            "kind": reach.kind,
            "people": max(reach.people, 0),
            "touchpoint_id": touchpoint.id if touchpoint is not None else None,
            "campaign_id": campaign_id,
            "source": source,
            "source_ref": reach.source_ref,
            "note": reach.note,
            "counted": True,
            "created_by_id": user_id,
            "created_at": now,
        }
        for reach in reaches
    ]
    if rows:
        session.execute(insert(Engagement), rows)
    return len(rows)


def void_engagement(
    session: Session, engagement_ids: Iterable[int], reason: str, now: datetime
) -> int:
    """Mark rows as void (kept for the record, no longer counted)."""
    ids = list(engagement_ids)
    if not ids:
        return 0
    result = session.execute(
        update(Engagement)
        .where(Engagement.id.in_(ids), Engagement.voided_at.is_(None))
        .values(voided_at=now, void_reason=reason[:300])
    )
    return result.rowcount or 0


def live_engagement(touchpoint_id: int):  # type: ignore[no-untyped-def]
    """Rows of a touchpoint that still count."""
    return select(Engagement).where(
        Engagement.touchpoint_id == touchpoint_id, Engagement.voided_at.is_(None)
    )
