"""Planning, changing and cancelling touchpoints, with every change kept as a revision."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from engage.campaigns.errors import CampaignError
from engage.campaigns.models import (
    Campaign,
    Channel,
    Touchpoint,
    TouchpointRevision,
    TouchpointStatus,
)
from engage.catalogue.models import Service
from engage.database import DbSession
from engage.timezone import uk_day

# A clock a few minutes out on someone's laptop should not stop them logging what just happened.
CLOCK_SLACK = timedelta(minutes=10)
TITLE_LENGTH = 200


class TouchpointError(CampaignError):
    """A touchpoint change that cannot be made, with a message for the person making it."""


@dataclass
class TouchpointFields:
    """What a person can set on a touchpoint."""

    channel: Channel
    title: str
    planned_at: datetime | None = None
    actual_at: datetime | None = None
    duration_minutes: int | None = None
    location: str = ""
    notes: str = ""
    campaign: Campaign | None = None
    services: list[Service] = field(default_factory=list)
    owner_id: int | None = None


TRACKED = (
    "channel",
    "title",
    "planned_at",
    "actual_at",
    "duration_minutes",
    "location",
    "notes",
    "campaign_id",
    "owner_id",
)


FIELD_LABELS = {
    "channel": "channel",
    "title": "title",
    "planned_at": "planned time",
    "actual_at": "time it happened",
    "duration_minutes": "duration",
    "location": "location",
    "notes": "notes",
    "campaign_id": "campaign",
    "owner_id": "owner",
    "services": "services",
    "status": "status",
}


def check_fields(fields: TouchpointFields, now: datetime) -> list[str]:
    """Problems that stop the save; dates outside the campaign are only warnings (see below)."""
    problems = []
    if not fields.title.strip():
        problems.append("Enter a title for the touchpoint.")
    elif len(fields.title.strip()) > TITLE_LENGTH:
        problems.append(f"Keep the title to {TITLE_LENGTH} characters or fewer.")
    if fields.planned_at is None and fields.actual_at is None:
        problems.append("Enter when it is planned, or when it happened.")
    if fields.actual_at is not None and fields.actual_at > now + CLOCK_SLACK:
        problems.append("The time it happened is still to come: enter it as the planned time "
                        "instead, and mark the touchpoint done afterwards.")
    if fields.duration_minutes is not None and fields.duration_minutes <= 0:
        problems.append("The duration must be a positive number of minutes.")
    return problems


def still_to_come(touchpoint: Touchpoint, now: datetime, what: str) -> str | None:
    """Why `what` cannot be recorded yet for a touchpoint that has not happened, else None.

    Engagement dated after now would count in coverage and "last engagement" before anyone
    took part; it is recorded once the time has passed.
    """
    when = touchpoint.when
    if when is None or when <= now + CLOCK_SLACK:
        return None
    day = uk_day(when).strftime("%-d %B %Y")
    return (f"This {touchpoint.channel.label.lower()} is on {day}; {what} can be recorded once "
            "it has happened. Record invitations now, or correct its date if it took place "
            "earlier.")


def campaign_date_warning(fields: TouchpointFields) -> str | None:
    """A touchpoint outside its campaign's dates is allowed, but the manager should know."""
    campaign = fields.campaign
    when = fields.actual_at or fields.planned_at
    if campaign is None or when is None:
        return None
    day = uk_day(when)
    if day < campaign.start_date or day > campaign.end_date:
        return (
            f"{day:%-d %B %Y} is outside the campaign {campaign.name!r} "
            f"({campaign.start_date:%-d %B %Y} to {campaign.end_date:%-d %B %Y})."
        )
    return None


def _snapshot(touchpoint: Touchpoint) -> dict[str, Any]:
    values = {name: getattr(touchpoint, name) for name in TRACKED}
    values["services"] = sorted(s.id for s in touchpoint.services)
    return values


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _apply(touchpoint: Touchpoint, fields: TouchpointFields) -> None:
    touchpoint.channel = fields.channel
    touchpoint.title = fields.title.strip()
    touchpoint.planned_at = fields.planned_at
    touchpoint.actual_at = fields.actual_at
    touchpoint.duration_minutes = fields.duration_minutes
    touchpoint.location = fields.location.strip()
    touchpoint.notes = fields.notes
    touchpoint.campaign = fields.campaign
    touchpoint.services = list(fields.services)
    touchpoint.owner_id = fields.owner_id


def create_touchpoint(
    session: DbSession, fields: TouchpointFields, user_id: int | None, now: datetime
) -> Touchpoint:
    """Plan a touchpoint (or log one that happened: it is then done at once)."""
    problems = check_fields(fields, now)
    if problems:
        raise TouchpointError(" ".join(problems))
    touchpoint = Touchpoint()
    _apply(touchpoint, fields)
    touchpoint.status = TouchpointStatus.DONE if fields.actual_at else TouchpointStatus.PLANNED
    session.add(touchpoint)
    session.flush()
    touchpoint.revisions.insert(
        0,
        TouchpointRevision(at=now, user_id=user_id, summary="Created", changes=None)
    )
    session.flush()
    return touchpoint


def update_touchpoint(
    session: DbSession,
    touchpoint: Touchpoint,
    fields: TouchpointFields,
    user_id: int | None,
    now: datetime,
) -> list[str]:
    """Apply an edit, keep a revision of what changed, and move the calendar sequence on.

    Engagement already recorded keeps its own time and channel: an edit never rewrites who
    was reached. Corrections to the reach are made by voiding rows, which is visible.
    """
    if touchpoint.status is TouchpointStatus.CANCELLED:
        raise TouchpointError("This touchpoint was cancelled. Restore it before changing it.")
    problems = check_fields(fields, now)
    if problems:
        raise TouchpointError(" ".join(problems))
    before = _snapshot(touchpoint)
    _apply(touchpoint, fields)
    session.flush()
    after = _snapshot(touchpoint)
    changed = {
        k: [_jsonable(before[k]), _jsonable(after[k])] for k in after if before[k] != after[k]
    }
    if fields.actual_at and touchpoint.status is TouchpointStatus.PLANNED:
        touchpoint.status = TouchpointStatus.DONE
        changed["status"] = ["planned", "done"]
    elif fields.actual_at is None and touchpoint.status is TouchpointStatus.DONE:
        touchpoint.status = TouchpointStatus.PLANNED
        changed["status"] = ["done", "planned"]
    if changed:
        touchpoint.sequence += 1
        touchpoint.revisions.insert(
            0,
            TouchpointRevision(
                at=now,
                user_id=user_id,
                summary="Changed " + ", ".join(FIELD_LABELS.get(k, k) for k in changed),
                changes=changed,
            )
        )
    session.flush()
    return list(changed)


def mark_done(
    session: DbSession,
    touchpoint: Touchpoint,
    actual_at: datetime,
    user_id: int | None,
    now: datetime,
) -> None:
    """Record that it happened, and when."""
    if touchpoint.status is TouchpointStatus.CANCELLED:
        raise TouchpointError("A cancelled touchpoint cannot be marked as done. Restore it first.")
    if actual_at > now + CLOCK_SLACK:
        raise TouchpointError(
            "That time is still to come. Enter when it actually happened, or leave the "
            "touchpoint planned until then."
        )
    previous = touchpoint.actual_at
    touchpoint.actual_at = actual_at
    touchpoint.status = TouchpointStatus.DONE
    touchpoint.sequence += 1
    touchpoint.revisions.insert(
        0,
        TouchpointRevision(
            at=now,
            user_id=user_id,
            summary="Marked as done",
            changes={"actual_at": [_jsonable(previous), actual_at.isoformat()]},
        )
    )
    session.flush()


def cancel_touchpoint(
    session: DbSession, touchpoint: Touchpoint, reason: str, user_id: int | None, now: datetime
) -> None:
    """Cancel, keeping the touchpoint and any engagement it already produced on record."""
    if touchpoint.status is TouchpointStatus.CANCELLED:
        raise TouchpointError("This touchpoint is already cancelled.")
    previous = touchpoint.status.value
    touchpoint.status = TouchpointStatus.CANCELLED
    touchpoint.sequence += 1
    touchpoint.revisions.insert(
        0,
        TouchpointRevision(
            at=now,
            user_id=user_id,
            summary="Cancelled" + (f": {reason.strip()}" if reason.strip() else ""),
            changes={"status": [previous, "cancelled"]},
        )
    )
    session.flush()


def restore_touchpoint(
    session: DbSession, touchpoint: Touchpoint, user_id: int | None, now: datetime
) -> None:
    """Undo a cancellation: back to done if it had happened, else planned."""
    if touchpoint.status is not TouchpointStatus.CANCELLED:
        raise TouchpointError("Only a cancelled touchpoint can be restored.")
    touchpoint.status = TouchpointStatus.DONE if touchpoint.actual_at else TouchpointStatus.PLANNED
    touchpoint.sequence += 1
    touchpoint.revisions.insert(
        0,
        TouchpointRevision(
            at=now,
            user_id=user_id,
            summary="Restored",
            changes={"status": ["cancelled", touchpoint.status.value]},
        )
    )
    session.flush()
