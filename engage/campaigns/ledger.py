"""Writing to the engagement ledger: one row per organisation reached, never silently rewritten.

Every feature that records reach (manual logs, attendance imports, QR scans, email events)
writes through `record_reach`; corrections go through `void_engagement`, which keeps the row
and says why it no longer counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, insert, select, update

from engage.campaigns.errors import CampaignError
from engage.campaigns.models import (
    Channel,
    Engagement,
    EngagementKind,
    EngagementSource,
    EngagementTier,
    Touchpoint,
    live_engagement,
    tier_for,
)
from engage.database import DbSession

MAX_PEOPLE = 100_000
VOID_REASON_LENGTH = 300


@dataclass(frozen=True)
class Reach:
    """One organisation reached, and how many people there."""

    organisation_id: int
    kind: EngagementKind
    people: int = 1
    source_ref: str | None = None
    note: str = ""
    counted: bool = True
    tier: EngagementTier | None = None  # chosen for a phone call or "other"; else the kind's


def record_reach(
    session: DbSession,
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
    """Add ledger rows in one bulk INSERT; returns how many were written.

    Rows made through a touchpoint take its campaign unless one is given: the row keeps that
    campaign even if the touchpoint later moves, because a change to a touchpoint never
    rewrites the reach it has already recorded.
    """
    if touchpoint is not None and campaign_id is None:
        campaign_id = touchpoint.campaign_id
    rows = []
    for reach in reaches:
        if not 0 <= reach.people <= MAX_PEOPLE:
            raise CampaignError(
                f"The number of people must be a whole number from 0 to {MAX_PEOPLE:,}."
            )
        rows.append({
            "organisation_id": reach.organisation_id,
            "occurred_at": occurred_at,
            "channel": channel,
            "kind": reach.kind,
            "tier": tier_for(reach.kind, reach.tier, reach.counted),
            "people": reach.people,
            "touchpoint_id": touchpoint.id if touchpoint is not None else None,
            "campaign_id": campaign_id,
            "source": source,
            "source_ref": reach.source_ref,
            "note": reach.note[:500],
            "counted": reach.counted,
            "void_reason": "",
            "created_by_id": user_id,
            "created_at": now,
        })
    if rows:
        session.execute(insert(Engagement), rows)
    return len(rows)


def void_engagement(
    session: DbSession, engagement_ids: Iterable[int], reason: str, now: datetime
) -> int:
    """Mark rows as void: kept, shown struck through with the reason, no longer counted.

    Returns how many rows were voided now (rows already void are left as they were).
    """
    reason = " ".join(reason.split())
    if not reason:
        raise CampaignError("Say why the record is being voided, for whoever reads it later.")
    if len(reason) > VOID_REASON_LENGTH:
        raise CampaignError(f"Keep the reason to {VOID_REASON_LENGTH} characters or fewer.")
    ids = list(engagement_ids)
    if not ids:
        return 0
    voided = 0
    for start in range(0, len(ids), 500):
        result = session.execute(
            update(Engagement)
            .where(Engagement.id.in_(ids[start:start + 500]), Engagement.voided_at.is_(None))
            .values(voided_at=now, void_reason=reason)
            .execution_options(synchronize_session="fetch")
        )
        voided += result.rowcount or 0  # type: ignore[attr-defined]
    return voided


def touchpoint_engagement(touchpoint_id: int) -> Select[tuple[Engagement]]:
    """Rows of a touchpoint that still count."""
    return select(Engagement).where(Engagement.touchpoint_id == touchpoint_id, live_engagement())
