"""Planning a touchpoint for cold organisations, through the campaigns feature's own logic.

Touchpoints hold no list of planned organisations (who one reached is recorded after it has
happened), so the chosen organisations go in its notes, and in the audit event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engage.audit.log import record_event
from engage.campaigns.models import Campaign, Channel, Touchpoint
from engage.campaigns.touchpoints import TouchpointFields, create_touchpoint
from engage.database import DbSession
from engage.directory.models import Organisation


def default_title(organisations: list[Organisation]) -> str:
    if len(organisations) == 1:
        return f"Practice visit: {organisations[0].display_name}"
    return f"Practice visits: {len(organisations)} organisations with no recent contact"


def plan_touchpoint(session: DbSession, *, organisations: list[Organisation], channel: Channel,
                    title: str, planned_at: datetime, campaign: Campaign | None, actor: Any,
                    now: datetime) -> Touchpoint:
    """Create a planned touchpoint for the organisations; raises CampaignError if invalid."""
    fields = TouchpointFields(
        channel=channel, title=title, planned_at=planned_at, campaign=campaign,
        owner_id=getattr(actor, "id", None),
        notes="Planned from the cold list for:\n" + "\n".join(
            f"- {o.ods_code} {o.display_name}" for o in organisations))
    touchpoint = create_touchpoint(session, fields, getattr(actor, "id", None), now)
    record_event(session, actor, "insights.touchpoint_planned",
                 f"Planned {touchpoint.title!r} for {len(organisations)} cold organisations",
                 target=touchpoint, details={"ods_codes": [o.ods_code for o in organisations]})
    return touchpoint
