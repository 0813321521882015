"""Bulletins and newsletters: written in Markdown, sent at a set time to a campaign's audience.

Sending one is a single transaction: it claims the bulletin (a conditional UPDATE from
scheduled, so two schedulers cannot both send it), makes the touchpoint, queues one message
per contact and records a 'received' ledger row for every organisation sent to. A crash part
way leaves nothing, and the next tick sends it whole.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from engage.audit.log import record_event
from engage.campaigns.audience import audience_ids_query
from engage.campaigns.ledger import Reach, record_reach
from engage.campaigns.models import Campaign, Channel, EngagementKind, EngagementSource
from engage.campaigns.touchpoints import TouchpointFields, create_touchpoint
from engage.catalogue.markdown import markdown_to_text, render_markdown
from engage.database import DbSession
from engage.messaging import sends
from engage.messaging.outbox import Email, queue_email
from engage.reminders import keys
from engage.reminders.errors import ReminderError
from engage.reminders.models import Bulletin, BulletinStatus
from engage.reminders.recipients import Recipient, everyone_at
from engage.templating import london

log = logging.getLogger(__name__)

BULLETIN_CHANNELS = (Channel.EMAIL_BULLETIN, Channel.NEWSLETTER)
SUBJECT_LENGTH = 200
BODY_LENGTH = 50_000
# A time a minute or two in the past (the form took a while) still means "now".
PAST_SLACK = timedelta(minutes=5)


@dataclass
class BulletinFields:
    subject: str
    body_markdown: str
    channel: Channel = Channel.EMAIL_BULLETIN


def check_fields(fields: BulletinFields) -> list[str]:
    problems = []
    if not fields.subject.strip():
        problems.append("Enter a subject line.")
    elif len(fields.subject.strip()) > SUBJECT_LENGTH:
        problems.append(f"Keep the subject to {SUBJECT_LENGTH} characters or fewer.")
    if not fields.body_markdown.strip():
        problems.append("Write the bulletin: the body is empty.")
    elif len(fields.body_markdown) > BODY_LENGTH:
        problems.append(f"Keep the bulletin to {BODY_LENGTH:,} characters or fewer.")
    if fields.channel not in BULLETIN_CHANNELS:
        problems.append("Choose email bulletin or newsletter.")
    return problems


def save_bulletin(session: DbSession, campaign: Campaign, fields: BulletinFields, user: Any,
                  now: datetime, bulletin: Bulletin | None = None) -> Bulletin:
    """Create a draft, or change one that has not been sent."""
    problems = check_fields(fields)
    if problems:
        raise ReminderError(" ".join(problems))
    if bulletin is None:
        bulletin = Bulletin(campaign_id=campaign.id, created_at=now,
                            created_by_id=getattr(user, "id", None))
        session.add(bulletin)
    elif bulletin.status not in (BulletinStatus.DRAFT, BulletinStatus.SCHEDULED):
        raise ReminderError(f"This bulletin is {bulletin.status.label.lower()}: it cannot be "
                            "changed. Write a new one instead.")
    bulletin.subject = fields.subject.strip()
    bulletin.body_markdown = fields.body_markdown
    bulletin.channel = fields.channel
    bulletin.updated_at = now
    session.flush()
    return bulletin


def schedule_bulletin(session: DbSession, bulletin: Bulletin, send_at: datetime, user: Any,
                      now: datetime) -> None:
    """Set it to go at `send_at` (UTC); a time just past means now."""
    if bulletin.status not in (BulletinStatus.DRAFT, BulletinStatus.SCHEDULED):
        raise ReminderError(f"This bulletin is {bulletin.status.label.lower()}: it cannot be "
                            "scheduled.")
    if send_at < now - PAST_SLACK:
        raise ReminderError(f"{london(send_at)} has passed: choose a time from now on.")
    problems = check_fields(BulletinFields(bulletin.subject, bulletin.body_markdown,
                                           bulletin.channel))
    if problems:
        raise ReminderError(" ".join(problems))
    bulletin.send_at = max(send_at, now)
    bulletin.status = BulletinStatus.SCHEDULED
    bulletin.last_error = ""
    bulletin.updated_at = now
    record_event(session, user, "reminders.bulletin_schedule",
                 f"Scheduled the bulletin {bulletin.subject!r} for {london(bulletin.send_at)}",
                 target=bulletin)
    session.flush()


def cancel_bulletin(session: DbSession, bulletin: Bulletin, user: Any, now: datetime) -> None:
    if bulletin.status not in (BulletinStatus.DRAFT, BulletinStatus.SCHEDULED):
        raise ReminderError(f"This bulletin is {bulletin.status.label.lower()}: there is "
                            "nothing to cancel.")
    bulletin.status = BulletinStatus.CANCELLED
    bulletin.updated_at = now
    record_event(session, user, "reminders.bulletin_cancel",
                 f"Cancelled the bulletin {bulletin.subject!r}", target=bulletin)
    session.flush()


def bulletin_recipients(session: DbSession, bulletin: Bulletin) -> list[Recipient]:
    """Every contact of every organisation in the campaign's audience now."""
    org_ids = list(session.scalars(audience_ids_query(bulletin.campaign)))
    return everyone_at(session, org_ids)


def bulletin_context(bulletin: Bulletin, recipient: Recipient | None) -> dict[str, Any]:
    return {
        "bulletin": bulletin,
        "campaign": bulletin.campaign,
        "recipient": recipient,
        "organisation_name": recipient.organisation_name if recipient else "",
        "body_html": render_markdown(bulletin.body_markdown),
        "body_text": markdown_to_text(bulletin.body_markdown),
    }


def send_bulletin(session: DbSession, bulletin: Bulletin, *, now: datetime) -> int:
    """Claim a scheduled bulletin and send it; 0 if another process got it first."""
    won = session.execute(
        update(Bulletin)
        .where(Bulletin.id == bulletin.id, Bulletin.status == BulletinStatus.SCHEDULED)
        .values(status=BulletinStatus.SENDING, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if not getattr(won, "rowcount", 0):
        return 0
    session.refresh(bulletin)
    touchpoint = create_touchpoint(session, TouchpointFields(
        channel=bulletin.channel, title=bulletin.subject, planned_at=bulletin.send_at,
        actual_at=now, campaign=bulletin.campaign,
        services=list(bulletin.campaign.services),
        notes=f"Sent from engage to the campaign's audience (bulletin {bulletin.id}).",
    ), None, now)
    queued = 0
    reached: set[int] = set()
    for recipient in bulletin_recipients(session, bulletin):
        if recipient.excluded is not None:
            continue
        message = queue_email(session, Email(
            idempotency_key=keys.bulletin_key(bulletin.id, recipient.contact_id),
            to_email=recipient.email, to_name=recipient.name, template="bulletin",
            context=bulletin_context(bulletin, recipient), send_after=now, kind="bulletin",
            contact_id=recipient.contact_id, organisation_id=recipient.organisation_id,
            campaign_id=bulletin.campaign_id, touchpoint_id=touchpoint.id,
            send_ref=sends.bulletin_ref(bulletin.id),
        ), now=now)
        if message is not None:
            queued += 1
            reached.add(recipient.organisation_id)
            session.expunge(message)  # flushed; a big audience would slow every later flush
    record_reach(session, [
        Reach(org_id, EngagementKind.RECEIVED, source_ref=f"bulletin:{bulletin.id}:{org_id}")
        for org_id in sorted(reached)
    ], occurred_at=now, channel=bulletin.channel, touchpoint=touchpoint,
        source=EngagementSource.EMAIL_EVENT, now=now)
    bulletin.status = BulletinStatus.SENT
    bulletin.sent_at = now
    bulletin.touchpoint_id = touchpoint.id
    bulletin.recipients = queued
    bulletin.organisations = len(reached)
    bulletin.last_error = ""
    record_event(session, None, "reminders.bulletin_send",
                 f"Sent the bulletin {bulletin.subject!r} to {queued} people at "
                 f"{len(reached)} organisations", target=bulletin)
    return queued


def send_due_bulletins(session: DbSession, *, now: datetime) -> int:
    """The bulletin step: send every scheduled bulletin whose time has come, each whole or not."""
    due = list(session.scalars(
        select(Bulletin.id).where(Bulletin.status == BulletinStatus.SCHEDULED,
                                  Bulletin.send_at <= now).order_by(Bulletin.send_at)))
    count = 0
    for bulletin_id in due:
        bulletin = session.get(Bulletin, bulletin_id)
        if bulletin is None:
            continue
        try:
            count += send_bulletin(session, bulletin, now=now)
            session.commit()
        except Exception as exc:  # noqa: BLE001 - the bulletin stays scheduled, with the reason
            session.rollback()
            reason = f"{type(exc).__name__}: {exc}"[:2000]
            log.error("bulletin %s could not be sent: %s", bulletin_id, reason)
            session.execute(update(Bulletin).where(Bulletin.id == bulletin_id)
                            .values(last_error=f"Not sent at {london(now)}: {reason}"))
            session.commit()
    return count
