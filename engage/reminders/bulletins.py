"""Bulletins and newsletters: written in Markdown, sent now or at a set time to an audience.

Sending one is a single transaction: it claims the bulletin (a conditional UPDATE from
scheduled, so two schedulers cannot both send it), makes the touchpoint, queues one message
per contact and records a 'received' ledger row for every organisation sent to. A crash part
way leaves nothing, and the next tick sends it whole. "Send now" schedules it for now: the
bulletin step (every tick) sends it, so a big audience never holds up a web request.

The audience is the campaign's, optionally narrowed to localities and organisation kinds, and
to contacts with chosen roles. Before anything is scheduled the bulletin is checked: every
link must lead somewhere, and someone must be left to send it to after do-not-email,
unsubscribes and bounces.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
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
from engage.directory.models import ContactRole, Organisation, OrgKind
from engage.messaging import sends
from engage.messaging.outbox import Email, queue_email, queue_many
from engage.reminders import keys
from engage.reminders.bulletin_links import link_problems
from engage.reminders.errors import ReminderError
from engage.reminders.models import Bulletin, BulletinStatus
from engage.reminders.recipients import (
    AudienceCount,
    Recipient,
    address_problem,
    count_audience,
    everyone_at,
    with_address_suppressions,
)
from engage.templating import london

log = logging.getLogger(__name__)

BULLETIN_CHANNELS = (Channel.EMAIL_BULLETIN, Channel.NEWSLETTER)
SUBJECT_LENGTH = 200
BODY_LENGTH = 50_000
# A time a minute or two in the past (the form took a while) still means "now".
PAST_SLACK = timedelta(minutes=5)
# A test goes to a few people who check it, never to a list.
MAX_TEST_ADDRESSES = 5
TEST_PREFIX = "[Test] "


@dataclass
class BulletinFields:
    subject: str
    body_markdown: str
    channel: Channel = Channel.EMAIL_BULLETIN
    # The audience: empty lists mean the campaign's whole audience and every contact.
    locality_ids: list[int] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)


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
    if any(kind not in set(OrgKind) for kind in fields.kinds):
        problems.append("Choose kinds of organisation from the list.")
    if any(role not in set(ContactRole) for role in fields.roles):
        problems.append("Choose contact roles from the list.")
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
    elif bulletin.status is BulletinStatus.SCHEDULED:
        # It goes without another look: what would stop it going must be fixed now.
        problems = link_problems(fields.body_markdown)
        if problems:
            raise ReminderError("It is scheduled, so its links must lead somewhere. "
                                + " ".join(problems))
    bulletin.subject = fields.subject.strip()
    bulletin.body_markdown = fields.body_markdown
    bulletin.channel = fields.channel
    bulletin.audience_locality_ids = sorted(set(fields.locality_ids))
    bulletin.audience_kinds = [k.value for k in OrgKind if k.value in set(fields.kinds)]
    bulletin.audience_roles = [r.value for r in ContactRole if r.value in set(fields.roles)]
    bulletin.updated_at = now
    session.flush()
    return bulletin


# --- the audience --------------------------------------------------------------------------------


@dataclass
class BulletinAudience:
    """Who a bulletin goes to now: the organisations, each contact picked, and the counts."""

    org_ids: list[int]
    people: list[Recipient]
    count: AudienceCount

    @property
    def included(self) -> list[Recipient]:
        return [p for p in self.people if p.excluded is None]


def roles_of(bulletin: Bulletin) -> list[ContactRole] | None:
    """The contact roles it goes to; None for every contact."""
    return [ContactRole(r) for r in bulletin.audience_roles] if bulletin.audience_roles else None


def audience_org_ids(session: DbSession, bulletin: Bulletin) -> list[int]:
    """The campaign's audience now, narrowed to the bulletin's localities and kinds."""
    query = audience_ids_query(bulletin.campaign)
    if bulletin.audience_locality_ids:
        query = query.where(Organisation.locality_id.in_(bulletin.audience_locality_ids))
    if bulletin.audience_kinds:
        query = query.where(Organisation.kind.in_([OrgKind(k) for k in bulletin.audience_kinds]))
    return list(session.scalars(query))


def bulletin_audience(session: DbSession, bulletin: Bulletin) -> BulletinAudience:
    org_ids = audience_org_ids(session, bulletin)
    people = with_address_suppressions(session, everyone_at(session, org_ids, roles_of(bulletin)))
    return BulletinAudience(org_ids, people, count_audience(org_ids, people))


def bulletin_recipients(session: DbSession, bulletin: Bulletin) -> list[Recipient]:
    """Every contact it would go to, with those left out marked with the reason."""
    return bulletin_audience(session, bulletin).people


def nobody_left(audience: BulletinAudience) -> str:
    """Why a bulletin cannot go: the refusal for an audience with nobody to send to."""
    if not audience.org_ids:
        return ("Nobody to send it to: no organisation is in the audience. Choose other "
                "localities or kinds, or change the campaign's audience.")
    return (f"Nobody to send it to: {audience.count.describe_left_out()}. Choose other "
            "roles or organisations, or add contacts in the directory.")


def check_ready(session: DbSession, bulletin: Bulletin) -> BulletinAudience:
    """Raise ReminderError saying what is wrong when the bulletin cannot go as it stands."""
    problems = check_fields(BulletinFields(bulletin.subject, bulletin.body_markdown,
                                           bulletin.channel, bulletin.audience_locality_ids,
                                           bulletin.audience_kinds, bulletin.audience_roles))
    problems += link_problems(bulletin.body_markdown)
    if problems:
        raise ReminderError(" ".join(problems))
    audience = bulletin_audience(session, bulletin)
    if not audience.count.people:
        raise ReminderError(nobody_left(audience))
    return audience


# --- scheduling ----------------------------------------------------------------------------------


def _can_go(bulletin: Bulletin, doing: str) -> None:
    if bulletin.status not in (BulletinStatus.DRAFT, BulletinStatus.SCHEDULED):
        raise ReminderError(f"This bulletin is {bulletin.status.label.lower()}: it cannot be "
                            f"{doing}. Write a new one, or start one from a saved template.")


def schedule_bulletin(session: DbSession, bulletin: Bulletin, send_at: datetime, user: Any,
                      now: datetime) -> None:
    """Set it to go at `send_at` (UTC); a time just past means now."""
    _can_go(bulletin, "scheduled")
    if send_at < now - PAST_SLACK:
        raise ReminderError(f"{london(send_at)} has passed: choose a time from now on.")
    check_ready(session, bulletin)
    bulletin.send_at = max(send_at, now)
    bulletin.status = BulletinStatus.SCHEDULED
    bulletin.last_error = ""
    bulletin.updated_at = now
    record_event(session, user, "reminders.bulletin_schedule",
                 f"Scheduled the bulletin {bulletin.subject!r} for {london(bulletin.send_at)}",
                 target=bulletin)
    session.flush()


def send_now(session: DbSession, bulletin: Bulletin, user: Any, now: datetime) -> int:
    """Schedule it for now: the next tick of the bulletin step sends it. Returns how many
    people it will go to, as things stand."""
    _can_go(bulletin, "sent")
    audience = check_ready(session, bulletin)
    bulletin.send_at = now
    bulletin.status = BulletinStatus.SCHEDULED
    bulletin.last_error = ""
    bulletin.updated_at = now
    record_event(session, user, "reminders.bulletin_send_now",
                 f"Asked for the bulletin {bulletin.subject!r} to go now", target=bulletin)
    session.flush()
    return audience.count.people


def cancel_bulletin(session: DbSession, bulletin: Bulletin, user: Any, now: datetime) -> None:
    if bulletin.status not in (BulletinStatus.DRAFT, BulletinStatus.SCHEDULED):
        raise ReminderError(f"This bulletin is {bulletin.status.label.lower()}: there is "
                            "nothing to cancel.")
    bulletin.status = BulletinStatus.CANCELLED
    bulletin.updated_at = now
    record_event(session, user, "reminders.bulletin_cancel",
                 f"Cancelled the bulletin {bulletin.subject!r}", target=bulletin)
    session.flush()


def bulletin_context(bulletin: Bulletin, recipient: Recipient | None) -> dict[str, Any]:
    return {
        "bulletin": bulletin,
        "campaign": bulletin.campaign,
        "recipient": recipient,
        "organisation_name": recipient.organisation_name if recipient else "",
        "body_html": render_markdown(bulletin.body_markdown),
        "body_text": markdown_to_text(bulletin.body_markdown),
    }


def sample_recipient(people: Iterable[Recipient]) -> Recipient:
    """Whom a preview or a test is written for: the first reader, or an example one."""
    for person in people:
        if person.excluded is None:
            return person
    return Recipient(0, 0, "Example Surgery", "Alex Example", "alex@example.org")


# --- tests ---------------------------------------------------------------------------------------


def parse_test_addresses(raw: str) -> list[str]:
    """The addresses typed for a test (commas, semicolons, spaces or new lines between), each
    checked; raises ReminderError naming every one that is wrong."""
    found: dict[str, None] = {}
    for part in raw.replace(",", " ").replace(";", " ").split():
        found.setdefault(part, None)
    addresses = list(found)
    if not addresses:
        raise ReminderError("Enter an email address to send the test to, such as "
                            "name@example.org.")
    if len(addresses) > MAX_TEST_ADDRESSES:
        raise ReminderError(f"Send a test to {MAX_TEST_ADDRESSES} addresses or fewer: you "
                            f"entered {len(addresses)}.")
    wrong = [f"'{address[:80]}' is not a valid email address"
             for address in addresses if address_problem(address)]
    if wrong:
        raise ReminderError("; ".join(wrong) + ". Enter addresses like name@example.org.")
    return addresses


def send_test(session: DbSession, bulletin: Bulletin, addresses: Sequence[str], user: Any,
              now: datetime) -> int:
    """Queue the bulletin to these addresses as a test: marked as one ("[Test] " subject,
    kind 'test', is_test), with no touchpoint, reach or campaign, so it counts nowhere."""
    checked = parse_test_addresses(" ".join(addresses))
    body_problems = check_fields(BulletinFields(bulletin.subject, bulletin.body_markdown,
                                                bulletin.channel))
    if body_problems:
        raise ReminderError(" ".join(body_problems))
    sample = sample_recipient(bulletin_recipients(session, bulletin))
    batch = secrets.token_hex(4)  # tests may be sent again and again: each send is new
    queued = 0
    for n, address in enumerate(checked):
        message = queue_email(session, Email(
            idempotency_key=f"test:{sends.bulletin_ref(bulletin.id)}:{batch}:{n}",
            to_email=address, template="bulletin", context=bulletin_context(bulletin, sample),
            send_after=now, kind="test", send_ref=sends.bulletin_ref(bulletin.id), is_test=True,
        ), now=now)
        if message is not None:
            message.subject = (TEST_PREFIX + message.subject)[:300]
            queued += 1
    record_event(session, user, "reminders.bulletin_test",
                 f"Sent a test of the bulletin {bulletin.subject!r} to {queued} "
                 f"address{'' if queued == 1 else 'es'}", target=bulletin)
    session.flush()
    return queued


# --- sending -------------------------------------------------------------------------------------


def _queue_all(session: DbSession, emails: Sequence[Email], now: datetime) -> int:
    """Queue every message of a send in one batch (checks, rendering and inserts shared); how
    many rows were written, whatever their status."""
    return sum(queue_many(session, emails, now=now).counts.values())


def send_bulletin(session: DbSession, bulletin: Bulletin, *, now: datetime) -> int:
    """Claim a scheduled bulletin and send it; 0 if another process got it first.

    Raises ReminderError (nothing written) when a link leads nowhere or nobody is left to send
    it to."""
    won = session.execute(
        update(Bulletin)
        .where(Bulletin.id == bulletin.id, Bulletin.status == BulletinStatus.SCHEDULED)
        .values(status=BulletinStatus.SENDING, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if not getattr(won, "rowcount", 0):
        return 0
    session.refresh(bulletin)
    broken = link_problems(bulletin.body_markdown)
    if broken:
        raise ReminderError(" ".join(broken))
    audience = bulletin_audience(session, bulletin)
    readers = audience.included
    if not readers:
        raise ReminderError(nobody_left(audience))
    touchpoint = create_touchpoint(session, TouchpointFields(
        channel=bulletin.channel, title=bulletin.subject, planned_at=bulletin.send_at,
        actual_at=now, campaign=bulletin.campaign,
        services=list(bulletin.campaign.services),
        notes=f"Sent from engage to the campaign's audience (bulletin {bulletin.id}).",
    ), None, now)
    queued = _queue_all(session, [Email(
        idempotency_key=keys.bulletin_key(bulletin.id, recipient.contact_id),
        to_email=recipient.email, to_name=recipient.name, template="bulletin",
        context=bulletin_context(bulletin, recipient), send_after=now, kind="bulletin",
        contact_id=recipient.contact_id, organisation_id=recipient.organisation_id,
        campaign_id=bulletin.campaign_id, touchpoint_id=touchpoint.id,
        send_ref=sends.bulletin_ref(bulletin.id),
    ) for recipient in readers], now)
    reached = sorted({recipient.organisation_id for recipient in readers})
    record_reach(session, [
        Reach(org_id, EngagementKind.RECEIVED, source_ref=f"bulletin:{bulletin.id}:{org_id}")
        for org_id in reached
    ], occurred_at=now, channel=bulletin.channel, touchpoint=touchpoint,
        source=EngagementSource.EMAIL_EVENT, now=now)
    bulletin.status = BulletinStatus.SENT
    bulletin.sent_at = now
    bulletin.touchpoint_id = touchpoint.id
    bulletin.recipients = queued
    bulletin.organisations = len(reached)
    bulletin.last_error = ""
    record_event(session, None, "reminders.bulletin_send",
                 f"Queued the bulletin {bulletin.subject!r} to {queued} people at "
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
            reason = (str(exc) if isinstance(exc, ReminderError)
                      else f"{type(exc).__name__}: {exc}")[:2000]
            log.error("bulletin %s could not be sent: %s", bulletin_id, reason)
            session.execute(update(Bulletin).where(Bulletin.id == bulletin_id)
                            .values(last_error=f"Not sent at {london(now)}: {reason}"))
            session.commit()
    return count
