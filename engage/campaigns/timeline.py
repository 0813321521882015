"""An organisation's outreach timeline: every ledger row about it, newest first, a page at a time.

Each row shows the touchpoint that produced it (if any), so the touchpoints that reached the
organisation appear through their rows. Voided rows stay in the timeline, marked, so a
correction is visible. Both queries walk the (organisation, time) index, so a page costs the
same for an organisation with ten rows or ten thousand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from engage.campaigns.models import Channel, Engagement, live_engagement
from engage.database import DbSession

PER_PAGE = 25


@dataclass(frozen=True)
class Timeline:
    last_contact: datetime | None  # the latest row that still counts as reach
    last_channel: Channel | None
    page: Pagination


def organisation_timeline(session: DbSession, organisation_id: int, page: int = 1,
                          per_page: int = PER_PAGE) -> Timeline:
    """The organisation's ledger rows, newest first, with its last contact and channel."""
    last = session.execute(
        select(Engagement.occurred_at, Engagement.channel)
        .where(Engagement.organisation_id == organisation_id, live_engagement())
        .order_by(Engagement.occurred_at.desc(), Engagement.id.desc())
        .limit(1)
    ).first()
    query = (
        select(Engagement)
        .options(joinedload(Engagement.touchpoint), joinedload(Engagement.campaign))
        .where(Engagement.organisation_id == organisation_id)
        .order_by(Engagement.occurred_at.desc(), Engagement.id.desc())
    )
    rows = SelectPagination(select=query, session=session, page=max(page, 1),
                            per_page=per_page, error_out=False)
    return Timeline(last_contact=last[0] if last else None,
                    last_channel=last[1] if last else None, page=rows)
