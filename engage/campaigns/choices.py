"""The choices the campaign and touchpoint forms offer, read fresh for each request."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from engage.auth.models import Role, User
from engage.campaigns.forms import NOBODY
from engage.catalogue.models import Service
from engage.directory.models import Locality
from engage.extensions import db


def localities() -> list[tuple[int, str]]:
    return list(db.session.execute(
        select(Locality.id, Locality.name).order_by(func.lower(Locality.name), Locality.id)).all())


def owners(current: int | None) -> list[tuple[Any, str]]:
    """Managers and admins who can still sign in, plus whoever owns it now."""
    users = db.session.scalars(select(User).where(
        (User.role.in_([Role.MANAGER, Role.ADMIN]) & User.active) | (User.id == current)
    ).order_by(func.lower(User.name), func.lower(User.email)))
    return [(NOBODY, "Nobody yet"), *((u.id, u.name or u.email) for u in users)]


def service_choices(chosen: list[Service]) -> list[tuple[int, str]]:
    """Services on offer, plus any retired one already chosen (so saving keeps it)."""
    chosen_ids = {s.id for s in chosen}
    services = db.session.scalars(select(Service).where(
        Service.retired.is_(False) | Service.id.in_(chosen_ids)
    ).order_by(Service.sort_order, Service.name))
    return [(s.id, s.name + (" (retired)" if s.retired else "")) for s in services]
