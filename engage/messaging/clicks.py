"""A click on a tracked link in an email: who it was (through the message's click token), whether a
person made it, and the engagement it is for the contact's organisation.

The click is always answered with a redirect to the link's stored target: a missing, garbled or
forged token still takes the person where the email promised, and is kept as an anonymous click.
Machines are told apart (kept, never counted): a HEAD request, a user agent crawlerdetect knows
as a bot or link scanner, or a click within SCANNER_SECONDS of the message going out (a mail
server's scanner opens every link on arrival). A person's click is one CLICKED engagement per
message and link (`source_ref` `click:<message id>:<link id>`), however often they click.

Nothing about the person's connection is stored: no IP address, no user agent.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engage.campaigns.ledger import Reach, record_reach
from engage.campaigns.models import (
    Channel,
    Engagement,
    EngagementKind,
    EngagementSource,
    Touchpoint,
)
from engage.database import DbSession
from engage.directory.models import Contact
from engage.links.devices import device_profile
from engage.links.models import Device, Medium, ShortLink
from engage.messaging.models import EmailClick, OutboxMessage

log = logging.getLogger(__name__)

# A click this soon after the message went out is a mail server's link scanner.
SCANNER_SECONDS = 15
# Click tokens are URL-safe base64 of at most the column's 24 characters.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,24}")

HEAD_REASON = "HEAD request (a link checker, not a browser)"
BOT_REASON = "link scanner or bot (by its user agent)"
SOON_REASON = f"within {SCANNER_SECONDS} seconds of sending (a mail server's link scanner)"
TEST_REASON = "test send (counted nowhere)"


@dataclass(frozen=True)
class Click:
    """What a click request brought: the raw token (may be anything) and how it came."""

    link_id: int
    token: str | None
    head: bool
    user_agent: str | None
    now: datetime


@dataclass(frozen=True)
class ClickResult:
    target_url: str | None  # None: the link has no usable target (answered as not found)
    click_id: int | None = None
    human: bool = False
    message_id: int | None = None
    engagement: bool = False


def safe_target(url: str | None) -> str | None:
    """The stored target when it is an absolute http(s) URL: the only places a click may go."""
    if not url or not re.match(r"https?://[^\s/]", url, re.IGNORECASE):
        return None
    return url


def record_click(session: DbSession, click: Click) -> ClickResult:
    """Record a click on an email link and say where to send the person; the caller commits."""
    link = session.get(ShortLink, click.link_id)
    if link is None or link.medium is not Medium.EMAIL:
        return ClickResult(target_url=None)
    target = safe_target(link.target_url)
    if target is None:
        return ClickResult(target_url=None)
    message = _message(session, link, click.token)
    reason = _machine_reason(click, message)
    organisation_id = _organisation(session, message) if message is not None else None
    row = EmailClick(link_id=link.id, outbox_message_id=message.id if message else None,
                     organisation_id=organisation_id, at=click.now, human=not reason,
                     machine_reason=reason[:80])
    session.add(row)
    session.flush()
    engaged = False
    if not reason and message is not None and organisation_id is not None:
        engaged = _engage(session, message, link, organisation_id, click.now)
    return ClickResult(target_url=target, click_id=row.id, human=not reason,
                       message_id=message.id if message else None, engagement=engaged)


def _message(session: DbSession, link: ShortLink, token: str | None) -> OutboxMessage | None:
    """The message a token names, only when it is a message of the link's own send."""
    if not token or not _TOKEN.fullmatch(token):
        return None
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.click_token == token))
    if message is None or message.send_ref != link.send_ref:
        return None
    return message


def _machine_reason(click: Click, message: OutboxMessage | None) -> str:
    """Why the click was a machine's, or "" for a person's."""
    if click.head:
        return HEAD_REASON
    if device_profile(click.user_agent).device is Device.BOT:
        return BOT_REASON
    if message is not None and message.is_test:
        return TEST_REASON
    sent_at = message.sent_at if message is not None else None
    if sent_at is not None and timedelta(0) <= click.now - sent_at <= timedelta(
            seconds=SCANNER_SECONDS):
        return SOON_REASON
    return ""


def _organisation(session: DbSession, message: OutboxMessage) -> int | None:
    if message.organisation_id is not None:
        return message.organisation_id
    if message.contact_id is None:
        return None
    return session.scalar(select(Contact.organisation_id).where(Contact.id == message.contact_id))


def engagement_ref(message_id: int, link_id: int) -> str:
    return f"click:{message_id}:{link_id}"


def _engage(session: DbSession, message: OutboxMessage, link: ShortLink, organisation_id: int,
            now: datetime) -> bool:
    """One CLICKED engagement per message and link; False when it was already recorded."""
    ref = engagement_ref(message.id, link.id)
    exists = select(Engagement.id).where(Engagement.source == EngagementSource.EMAIL_EVENT,
                                         Engagement.source_ref == ref)
    if session.scalar(exists) is not None:
        return False
    touchpoint = session.get(Touchpoint, message.touchpoint_id) if message.touchpoint_id else None
    try:
        with session.begin_nested():  # a second click at the same moment may win the row
            record_reach(session, [Reach(organisation_id, EngagementKind.CLICKED, source_ref=ref,
                                         note="Clicked a link in an email engage sent")],
                         occurred_at=now,
                         channel=touchpoint.channel if touchpoint else Channel.EMAIL_BULLETIN,
                         touchpoint=touchpoint, campaign_id=message.campaign_id,
                         source=EngagementSource.EMAIL_EVENT, now=now)
    except IntegrityError:
        log.info("click engagement for message %s link %s already recorded", message.id, link.id)
        return False
    return True
