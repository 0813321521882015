"""A touchpoint's revisions in words: who changed what, from what, to what."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engage.auth.models import User
from engage.campaigns.models import Campaign, Channel, TouchpointRevision, TouchpointStatus
from engage.campaigns.touchpoints import FIELD_LABELS
from engage.catalogue.models import Service
from engage.database import DbSession
from engage.templating import london

EMPTY = "(none)"


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class RevisionLine:
    at: datetime
    by: str
    summary: str
    changes: list[Change]


def _names(session: DbSession, model: Any, column: Any, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(model.id, column).where(model.id.in_(ids))).all())


def describe(session: DbSession, revisions: Iterable[TouchpointRevision]) -> list[RevisionLine]:
    """Each revision with its changes as text, names looked up once for the whole history."""
    revisions = list(revisions)
    wanted: dict[str, set[int]] = {"users": set(), "campaigns": set(), "services": set()}
    for revision in revisions:
        if revision.user_id:
            wanted["users"].add(revision.user_id)
        for name, pair in (revision.changes or {}).items():
            for value in pair:
                if name == "owner_id" and isinstance(value, int):
                    wanted["users"].add(value)
                elif name == "campaign_id" and isinstance(value, int):
                    wanted["campaigns"].add(value)
                elif name == "services" and isinstance(value, list):
                    wanted["services"].update(v for v in value if isinstance(v, int))
    users = _names(session, User, User.email, wanted["users"])
    campaigns = _names(session, Campaign, Campaign.name, wanted["campaigns"])
    services = _names(session, Service, Service.name, wanted["services"])

    def show(name: str, value: Any) -> str:
        if value is None or value == "" or value == []:
            return EMPTY
        if name in ("planned_at", "actual_at"):
            return london(datetime.fromisoformat(value))
        if name == "channel" and value in set(Channel):
            return Channel(value).label
        if name == "status" and value in set(TouchpointStatus):
            return TouchpointStatus(value).label
        if name == "owner_id":
            return users.get(value, f"user {value} (removed)")
        if name == "campaign_id":
            return campaigns.get(value, f"campaign {value} (removed)")
        if name == "services":
            return ", ".join(services.get(v, f"service {v}") for v in value)
        if name == "duration_minutes":
            return f"{value} minutes"
        return str(value)

    lines = []
    for revision in revisions:
        changes = [
            Change(FIELD_LABELS.get(name, name).capitalize(), show(name, pair[0]),
                   show(name, pair[1]))
            for name, pair in (revision.changes or {}).items()
            if isinstance(pair, list) and len(pair) == 2
        ]
        by = users.get(revision.user_id, "someone since removed") if revision.user_id else (
            "the command line or the demo")
        lines.append(RevisionLine(revision.at, by, revision.summary, changes))
    return lines
