"""Headline outreach figures for the overview page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import distinct, func, select

from engage.campaigns.models import (
    Campaign,
    CampaignStatus,
    Engagement,
    Touchpoint,
    TouchpointStatus,
    engaged_engagement,
    live_engagement,
)
from engage.database import DbSession

RECENT_DAYS = 90
AHEAD_DAYS = 30


@dataclass(frozen=True)
class OutreachSummary:
    active_campaigns: int
    planned_soon: int  # planned touchpoints in the next AHEAD_DAYS days
    engaged_recently: int  # organisations that engaged in the last RECENT_DAYS days
    contacted_recently: int  # organisations with any live row in those days (engaged or not)
    last_engagement_at: datetime | None  # the latest live row, of either tier


def outreach_summary(session: DbSession, now: datetime) -> OutreachSummary:
    """Five small counts, each one indexed query, so the overview stays instant."""
    active = session.scalar(
        select(func.count()).select_from(Campaign).where(Campaign.status == CampaignStatus.ACTIVE)
    )
    planned = session.scalar(
        select(func.count())
        .select_from(Touchpoint)
        .where(
            Touchpoint.status == TouchpointStatus.PLANNED,
            Touchpoint.planned_at >= now,
            Touchpoint.planned_at < now + timedelta(days=AHEAD_DAYS),
        )
    )
    recent = (Engagement.occurred_at >= now - timedelta(days=RECENT_DAYS),
              Engagement.occurred_at <= now)
    engaged, contacted = (
        session.scalar(select(func.count(distinct(Engagement.organisation_id)))
                       .where(rows, *recent))
        for rows in (engaged_engagement(), live_engagement()))
    last = session.scalar(
        select(func.max(Engagement.occurred_at)).where(live_engagement())
    )
    return OutreachSummary(int(active or 0), int(planned or 0), int(engaged or 0),
                           int(contacted or 0), last)
