"""Opening, changing and closing registration for a webinar or training session."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from engage.campaigns.models import Touchpoint, TouchpointStatus
from engage.database import DbSession
from engage.links.models import Medium
from engage.links.shortlinks import create_link
from engage.registration.errors import RegistrationClosed, RegistrationError
from engage.registration.models import RegistrationSettings
from engage.templating import london

MAX_CAPACITY = 10_000


@dataclass(frozen=True)
class Terms:
    """What the manager chose: open or not, how many places, a waiting list, when it closes."""

    is_open: bool = True
    capacity: int | None = None
    waiting_list: bool = True
    closes_at: datetime | None = None


def settings_of(session: DbSession, touchpoint_id: int) -> RegistrationSettings | None:
    return session.get(RegistrationSettings, touchpoint_id)


def settings_by_code(session: DbSession, code: str) -> RegistrationSettings | None:
    """The event a public page's code names; None for anything that is not one of ours."""
    if not code or len(code) > 24 or not code.replace("-", "").replace("_", "").isalnum():
        return None
    return session.scalar(select(RegistrationSettings).where(RegistrationSettings.code == code))


def check_terms(touchpoint: Touchpoint, terms: Terms, now: datetime) -> None:
    """Raise RegistrationError saying what to change, or return when the terms can be kept."""
    if not touchpoint.channel.is_meeting:
        raise RegistrationError(
            f"A {touchpoint.channel.label.lower()} has no registration: only webinars, training "
            "sessions, quality meetings and presentations do.")
    if terms.capacity is not None and not 1 <= terms.capacity <= MAX_CAPACITY:
        raise RegistrationError(
            f"Enter the number of places as a whole number from 1 to {MAX_CAPACITY:,}, or leave "
            "it empty for no limit.")
    if not terms.is_open:
        return
    if touchpoint.status is TouchpointStatus.CANCELLED:
        raise RegistrationError("This touchpoint is cancelled, so registration cannot open.")
    if touchpoint.planned_at is None or touchpoint.status is TouchpointStatus.DONE:
        raise RegistrationError(
            "Registration needs a planned start time: give the touchpoint one first.")
    if touchpoint.planned_at <= now:
        raise RegistrationError("This touchpoint has already started, so registration cannot "
                                "open. Move it to a later time first.")
    if terms.closes_at is not None and terms.closes_at > touchpoint.planned_at:
        raise RegistrationError(
            f"Registration must close by the start ({london(touchpoint.planned_at)}, UK time). "
            "Choose an earlier time, or leave it empty to close at the start.")


def save_terms(session: DbSession, touchpoint: Touchpoint, terms: Terms, *,
               page_path: Callable[[str], str], user_id: int | None,
               now: datetime) -> RegistrationSettings:
    """Open registration (making the page's code and short link) or change its terms.

    `page_path` gives the public page's path for a code: the short link redirects there.
    """
    check_terms(touchpoint, terms, now)
    settings = settings_of(session, touchpoint.id)
    if settings is None:
        settings = RegistrationSettings(touchpoint_id=touchpoint.id,
                                        code=secrets.token_urlsafe(12), created_at=now)
        session.add(settings)
    settings.is_open = terms.is_open
    settings.capacity = terms.capacity
    settings.waiting_list = terms.waiting_list
    settings.closes_at = terms.closes_at
    settings.updated_at = now
    if settings.short_link_id is None:
        link = create_link(session, service=None, touchpoint=touchpoint, medium=Medium.LINK,
                           message=f"Register for {touchpoint.title}"[:200], user_id=user_id,
                           now=now)
        link.target_url = page_path(settings.code)
        settings.short_link = link
    session.flush()
    return settings


def closes_at(settings: RegistrationSettings) -> datetime | None:
    return settings.closes_at or settings.touchpoint.planned_at


def why_closed(settings: RegistrationSettings, now: datetime) -> str | None:
    """Why the event takes no registrations now, in words for the public page; None if open."""
    touchpoint = settings.touchpoint
    if touchpoint.status is TouchpointStatus.CANCELLED:
        return "This event has been cancelled."
    if touchpoint.status is TouchpointStatus.DONE or touchpoint.planned_at is None \
            or touchpoint.planned_at <= now:
        return "This event has already taken place."
    if not settings.is_open:
        return "Registration for this event is closed."
    closing = closes_at(settings)
    if closing is not None and closing <= now:
        return f"Registration for this event closed on {london(closing, '%-d %B %Y at %H:%M')}."
    return None


def check_open(settings: RegistrationSettings, now: datetime) -> None:
    reason = why_closed(settings, now)
    if reason is not None:
        raise RegistrationClosed(reason)
