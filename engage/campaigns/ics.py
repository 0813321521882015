"""The outreach calendar as iCalendar (.ics), and the private feed links people subscribe with.

Outlook and Google Calendar poll a subscribed feed and match events by UID: every touchpoint
keeps one UID for life and raises SEQUENCE on each change, so an edit replaces the event in
their calendars and a cancellation removes it (cancelled touchpoints stay in the feed with
STATUS:CANCELLED for exactly that reason).

A calendar client cannot sign in, so a feed is reached by an unguessable token in its address.
Only a SHA-256 hash of the token is stored: the link is shown once, when it is made, and a
copy of the database is no use for reading anyone's calendar.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from flask import Flask
from sqlalchemy import select, update

from engage.audit.log import record_event
from engage.auth.models import User
from engage.campaigns.calendar import touchpoints_between
from engage.campaigns.models import CalendarFeed, Touchpoint, TouchpointStatus
from engage.database import DbSession
from engage.timezone import day_start

if TYPE_CHECKING:  # icalendar is imported where a calendar is made, not at every start-up
    from icalendar import Event

CALENDAR_NAME = "Occupational health outreach (engage)"
PRODID = "-//engage//Occupational health outreach calendar//EN"
TOUCHPOINT_ENDPOINT = "campaigns.touchpoint"
# A touchpoint without a duration (a newsletter, a post) still needs a visible slot.
DEFAULT_DURATION = timedelta(minutes=30)
# Older touchpoints drop out of the feed, which keeps it small for clients that poll it often.
FEED_HISTORY = timedelta(days=365)
# How often clients that honour the hint should fetch the feed again.
REFRESH_INTERVAL = timedelta(hours=1)

STATUS = {
    TouchpointStatus.PLANNED: "CONFIRMED",
    TouchpointStatus.DONE: "CONFIRMED",
    TouchpointStatus.CANCELLED: "CANCELLED",
}

TouchpointLink = Callable[[Touchpoint], str | None]


class FeedError(ValueError):
    """A feed change that cannot be made, with a message for the person making it."""


# --- the calendar ------------------------------------------------------------------------------


def public_url(app: Flask, base_url: str, endpoint: str, **values: object) -> str:
    """An absolute address from PUBLIC_BASE_URL, built with or without a request."""
    # Only the path is built here; the scheme, host and any prefix come from base_url.
    path = app.url_map.bind("engage.invalid").build(endpoint, values)
    return base_url.rstrip("/") + path


def touchpoint_links(app: Flask, base_url: str) -> TouchpointLink:
    """Links to touchpoint pages for calendar events; none until that page exists."""
    if TOUCHPOINT_ENDPOINT not in app.view_functions:
        return lambda touchpoint: None
    return lambda touchpoint: public_url(
        app, base_url, TOUCHPOINT_ENDPOINT, touchpoint_id=touchpoint.id
    )


def describe(touchpoint: Touchpoint, url: str | None) -> str:
    """The event's description: what a reader of the calendar needs without opening engage."""
    lines = [f"Channel: {touchpoint.channel.label}"]
    if touchpoint.campaign is not None:
        lines.append(f"Campaign: {touchpoint.campaign.name}")
    if touchpoint.services:
        lines.append("Services: " + ", ".join(s.name for s in touchpoint.services))
    lines.append(f"Status: {touchpoint.status.label}")
    if touchpoint.notes.strip():
        lines += ["", touchpoint.notes.strip()]
    if url:
        lines += ["", f"In engage: {url}"]
    return "\n".join(lines)


def to_event(touchpoint: Touchpoint, url: str | None) -> Event:
    """One touchpoint as a VEVENT, times in UTC so every client places it right."""
    from icalendar import Event

    start = touchpoint.when
    if start is None:
        raise FeedError(f"Touchpoint {touchpoint.id} has no time, so it cannot go in a calendar.")
    minutes = touchpoint.duration_minutes
    duration = timedelta(minutes=minutes) if minutes else DEFAULT_DURATION
    event = Event()
    event.add("uid", touchpoint.ical_uid)
    event.add("sequence", touchpoint.sequence)
    # The feed has no METHOD, so DTSTAMP is when this version of the event was made.
    event.add("dtstamp", touchpoint.updated_at.astimezone(UTC))
    event.add("last-modified", touchpoint.updated_at.astimezone(UTC))
    event.add("created", touchpoint.created_at.astimezone(UTC))
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", (start + duration).astimezone(UTC))
    summary = touchpoint.title
    if touchpoint.status is TouchpointStatus.CANCELLED:
        summary = f"Cancelled: {summary}"
    event.add("summary", summary)
    event.add("description", describe(touchpoint, url))
    if touchpoint.location.strip():
        event.add("location", touchpoint.location.strip())
    if url:
        event.add("url", url)
    event.add("categories", [touchpoint.channel.label])
    event.add("status", STATUS[touchpoint.status])
    # Outreach in a shared calendar should not make the subscriber look busy.
    event.add("transp", "TRANSPARENT")
    return event


def build_calendar(
    touchpoints: Iterable[Touchpoint], link: TouchpointLink, name: str = CALENDAR_NAME
) -> bytes:
    """The .ics text for these touchpoints, as UTF-8 bytes with CRLF line ends."""
    from icalendar import Calendar, vDuration

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("name", name)
    cal.add("x-wr-caldesc", "Touchpoints of the occupational health outreach campaigns")
    cal.add("x-wr-timezone", "Europe/London")
    cal.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    for touchpoint in touchpoints:
        if touchpoint.when is not None:
            cal.add_component(to_event(touchpoint, link(touchpoint)))
    return cal.to_ical()


def feed_calendar(session: DbSession, link: TouchpointLink, now: datetime) -> bytes:
    """What a subscribed calendar gets: the last year of touchpoints and everything planned."""
    return build_calendar(touchpoints_between(session, now - FEED_HISTORY, None), link)


def export_calendar(
    session: DbSession, link: TouchpointLink, first: date | None = None, last: date | None = None
) -> bytes:
    """Touchpoints on UK days `first` to `last` inclusive (either open) as one .ics file."""
    if first is not None and last is not None and last < first:
        raise FeedError(
            f"The last day ({last:%-d %B %Y}) is before the first ({first:%-d %B %Y})."
        )
    start = day_start(first) if first is not None else None
    end = day_start(last + timedelta(days=1)) if last is not None else None
    return build_calendar(touchpoints_between(session, start, end), link)


# --- feed links ----------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    """What is stored for a token: its SHA-256, hex; a 256-bit random token needs no salt."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def active_feed(session: DbSession, user_id: int) -> CalendarFeed | None:
    """The user's working feed link, if they have one."""
    return session.scalars(
        select(CalendarFeed)
        .where(CalendarFeed.user_id == user_id, CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.created_at.desc(), CalendarFeed.id.desc())
        .limit(1)
    ).first()


def _revoke_all(session: DbSession, user_id: int, now: datetime) -> int:
    result = session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.user_id == user_id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def create_feed(session: DbSession, user: User, now: datetime) -> tuple[CalendarFeed, str]:
    """A new feed link for `user`, replacing any they had; the token is returned, never kept."""
    if not user.active:
        raise FeedError("This account is disabled, so it cannot have a calendar link.")
    replaced = _revoke_all(session, user.id, now)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(user_id=user.id, token_hash=hash_token(token), created_at=now)
    session.add(feed)
    session.flush()
    summary = f"{user.email} made a new calendar feed link"
    if replaced:
        summary += " (the previous link stopped working)"
    record_event(session, user, "calendar.feed_create", summary, target=feed,
                 details={"replaced": replaced})
    return feed, token


def revoke_feed(session: DbSession, user: User, now: datetime) -> int:
    """Stop the user's feed link working; calendars subscribed to it stop updating."""
    revoked = _revoke_all(session, user.id, now)
    if not revoked:
        raise FeedError("You have no calendar link to turn off.")
    record_event(session, user, "calendar.feed_revoke",
                 f"{user.email} turned off their calendar feed link", target=user,
                 details={"revoked": revoked})
    return revoked


def revoke_when_disabled(user: User, *, session: DbSession, now: datetime) -> None:
    """A disabled account's feed links stop for good: enabling it again does not revive them."""
    revoked = _revoke_all(session, user.id, now)
    if revoked:
        record_event(session, None, "calendar.feed_revoke",
                     f"{user.email}: calendar feed link turned off (account disabled)",
                     target=user, details={"revoked": revoked})


def feed_owner(session: DbSession, token: str) -> User | None:
    """The user a feed token belongs to, or None if it is unknown, revoked or theirs is disabled."""
    if not token or len(token) > 200:
        return None
    return session.scalars(
        select(User)
        .join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(
            CalendarFeed.token_hash == hash_token(token),
            CalendarFeed.revoked_at.is_(None),
            User.active.is_(True),
        )
    ).first()
