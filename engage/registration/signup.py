"""Registering, cancelling and the waiting list; every change queues its email in the same
transaction, so a place and its confirmation are committed together or not at all."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from engage.campaigns.ics import public_url
from engage.campaigns.ledger import Reach, record_reach
from engage.campaigns.models import (
    Engagement,
    EngagementKind,
    EngagementSource,
    Touchpoint,
    TouchpointStatus,
)
from engage.database import DbSession
from engage.directory.models import Organisation
from engage.messaging.outbox import Email, queue_email
from engage.messaging.sends import registration_ref
from engage.registration.errors import AlreadyRegistered, EventFull, RegistrationError
from engage.registration.models import Registration, RegistrationSettings, RegistrationStatus
from engage.registration.settings import check_open
from engage.registration.tokens import cancel_id, cancel_token, cancel_token_matches
from engage.reminders.invitation import invitation_attachment

log = logging.getLogger(__name__)

NAME_LENGTH = 120
ROLE_LENGTH = 100
# A confirmation is sent again at most once in this window, however often it is asked for.
RESEND_WINDOW = timedelta(minutes=10)
ACTIVE = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITING)


@dataclass(frozen=True)
class Mailing:
    """What the emails need from the app: its public address and how to make a cancel link."""

    base_url: str
    secret: str
    cancel_url: Callable[[str], str]  # from a cancel token to the absolute address


@dataclass(frozen=True)
class Applicant:
    """What the public form asks for, checked."""

    name: str
    email: str
    organisation: Organisation
    role: str


def app_mailing() -> Mailing:
    """What emails need, from the app's settings (PUBLIC_BASE_URL), so links work outside any
    request: from a page, or from the scheduler."""
    config = current_app.config
    base = config["PUBLIC_BASE_URL"]
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return Mailing(base, config["SECRET_KEY"], lambda token: public_url(
        app, base, "registration.cancel_page", token=token))


def ledger_ref(registration_id: int) -> str:
    return f"registration:{registration_id}"


def _active(session: DbSession, touchpoint_id: int, status: RegistrationStatus) -> int:
    return session.scalar(select(func.count()).select_from(Registration).where(
        Registration.touchpoint_id == touchpoint_id, Registration.status == status)) or 0


def counts(session: DbSession, touchpoint_id: int) -> dict[RegistrationStatus, int]:
    rows = session.execute(select(Registration.status, func.count())
                           .where(Registration.touchpoint_id == touchpoint_id)
                           .group_by(Registration.status)).all()
    found = {status: 0 for status in RegistrationStatus}
    found.update({status: count for status, count in rows})
    return found


def has_room(session: DbSession, settings: RegistrationSettings) -> bool:
    return settings.capacity is None or _active(
        session, settings.touchpoint_id, RegistrationStatus.REGISTERED) < settings.capacity


def _lock(session: DbSession, settings: RegistrationSettings) -> None:
    """Take the event's row lock on PostgreSQL, so two last-place registrations queue up
    behind each other (SQLite has one writer at a time anyway)."""
    session.execute(select(RegistrationSettings.touchpoint_id)
                    .where(RegistrationSettings.touchpoint_id == settings.touchpoint_id)
                    .with_for_update())


def find_by_email(session: DbSession, touchpoint_id: int, email: str) -> Registration | None:
    return session.scalar(select(Registration).where(
        Registration.touchpoint_id == touchpoint_id,
        Registration.email_key == email.strip().casefold()))


def register(session: DbSession, settings: RegistrationSettings, applicant: Applicant, *,
             mailing: Mailing, now: datetime) -> Registration:
    """A place, or a place on the waiting list when the event is full; its email is queued.

    Raises RegistrationClosed, AlreadyRegistered (with the registration, for a resend) or
    EventFull (full and no waiting list).
    """
    check_open(settings, now)
    _lock(session, settings)
    email_key = applicant.email.strip().casefold()
    existing = find_by_email(session, settings.touchpoint_id, email_key)
    if existing is not None and existing.status in ACTIVE:
        raise AlreadyRegistered(existing.id)
    if has_room(session, settings):
        status = RegistrationStatus.REGISTERED
    elif settings.waiting_list:
        status = RegistrationStatus.WAITING
    else:
        raise EventFull("This event is full, and it has no waiting list. Look out for the next "
                        "one, or contact the occupational health team.")
    registration = existing or Registration(touchpoint_id=settings.touchpoint_id,
                                            email_key=email_key, created_at=now)
    registration.name = applicant.name[:NAME_LENGTH]
    registration.email = applicant.email.strip()[:254]
    registration.organisation_id = applicant.organisation.id
    registration.role = applicant.role[:ROLE_LENGTH]
    registration.status = status
    registration.queued_at = now
    registration.nonce = secrets.token_hex(16)
    registration.promoted_at = None
    registration.cancelled_at = None
    registration.updated_at = now
    if existing is None:
        session.add(registration)
    session.flush()
    _record_engagement(session, settings, registration, now)
    _queue(session, settings, registration,
           "registration_confirmed" if status is RegistrationStatus.REGISTERED
           else "registration_waiting", mailing, now)
    log.info("registration %s for touchpoint %s: %s", registration.id, settings.touchpoint_id,
             status.value)
    return registration


def _record_engagement(session: DbSession, settings: RegistrationSettings,
                       registration: Registration, now: datetime) -> None:
    """The organisation registered: one ledger row per registration, whatever happens next."""
    ref = ledger_ref(registration.id)
    if session.scalar(select(Engagement.id).where(
            Engagement.source == EngagementSource.REGISTRATION,
            Engagement.source_ref == ref)) is not None:
        return
    touchpoint = settings.touchpoint
    record_reach(session, [Reach(registration.organisation_id, EngagementKind.REGISTERED,
                                 source_ref=ref)],
                 occurred_at=now, channel=touchpoint.channel, touchpoint=touchpoint,
                 source=EngagementSource.REGISTRATION, now=now)


def cancel(session: DbSession, registration: Registration, *, mailing: Mailing,
           now: datetime) -> list[Registration]:
    """Give the place up; the first on the waiting list moves up. Returns who moved up."""
    if registration.status is RegistrationStatus.CANCELLED:
        return []
    settings = session.get(RegistrationSettings, registration.touchpoint_id)
    if settings is not None:
        _lock(session, settings)
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    registration.updated_at = now
    session.flush()
    log.info("registration %s cancelled", registration.id)
    if settings is None:
        return []
    return promote(session, settings, mailing=mailing, now=now)


def promote(session: DbSession, settings: RegistrationSettings, *, mailing: Mailing,
            now: datetime) -> list[Registration]:
    """Move people up from the waiting list, in the order they asked, while there is room.

    Nobody moves up once the event has started or been cancelled: a place then is no use.
    """
    if settings.touchpoint.planned_at is None or settings.touchpoint.planned_at <= now \
            or settings.touchpoint.status.value != "planned":
        return []
    moved: list[Registration] = []
    while has_room(session, settings):
        first = session.scalar(
            select(Registration).where(Registration.touchpoint_id == settings.touchpoint_id,
                                       Registration.status == RegistrationStatus.WAITING)
            .order_by(Registration.queued_at, Registration.id).limit(1))
        if first is None:
            break
        first.status = RegistrationStatus.REGISTERED
        first.promoted_at = now
        first.updated_at = now
        session.flush()
        _queue(session, settings, first, "registration_promoted", mailing, now)
        log.info("registration %s moved up from the waiting list", first.id)
        moved.append(first)
    return moved


def resend(session: DbSession, registration: Registration, *, mailing: Mailing,
           now: datetime) -> bool:
    """Send the confirmation (or waiting-list email) again to the registered address only;
    at most once per RESEND_WINDOW. True if one was queued now."""
    if registration.status not in ACTIVE:
        raise RegistrationError("This registration was cancelled. Register again instead.")
    settings = session.get(RegistrationSettings, registration.touchpoint_id)
    if settings is None:
        raise RegistrationError("This event no longer takes registrations.")
    window = int(now.timestamp() // RESEND_WINDOW.total_seconds())
    template = ("registration_confirmed" if registration.status is RegistrationStatus.REGISTERED
                else "registration_waiting")
    return _queue(session, settings, registration, template, mailing, now,
                  key=f"registration:{registration.id}:resend:{window}")


def _queue(session: DbSession, settings: RegistrationSettings, registration: Registration,
           template: str, mailing: Mailing, now: datetime, key: str | None = None) -> bool:
    touchpoint = settings.touchpoint
    token = cancel_token(mailing.secret, registration.id, registration.nonce)
    attachments = []
    if template != "registration_waiting" and touchpoint.planned_at is not None:
        attachments = [invitation_attachment(touchpoint, mailing.base_url)]
    message = queue_email(session, Email(
        idempotency_key=key or f"registration:{registration.id}:{template}:{registration.nonce}",
        to_email=registration.email,
        to_name=registration.name,
        template=template,
        context={"registration": registration, "touchpoint": touchpoint,
                 "organisation_name": registration.organisation.display_name,
                 "cancel_url": mailing.cancel_url(token), "base_url": mailing.base_url},
        kind="registration",
        organisation_id=registration.organisation_id,
        campaign_id=touchpoint.campaign_id,
        touchpoint_id=touchpoint.id,
        attachments=attachments,
        send_ref=registration_ref(touchpoint.id),
        # The joining details must read as the real address, to paste into Teams or Zoom.
        track_links=False,
    ), now=now)
    return message is not None


def tell_of_cancelled_events(session: DbSession, *, mailing: Mailing, now: datetime) -> int:
    """The scheduler's step: everyone registered or waiting for an event that has been
    cancelled and has not yet happened is told, once (the key names the registration), with a
    calendar update that takes it out of their calendar. Their places are left as they were, so
    the registrants page still shows who had signed up."""
    rows = session.scalars(
        select(Registration).join(Touchpoint, Touchpoint.id == Registration.touchpoint_id)
        .where(Registration.status.in_(ACTIVE), Touchpoint.status == TouchpointStatus.CANCELLED,
               Touchpoint.planned_at > now)
        .order_by(Registration.id)).all()
    told = 0
    for registration in rows:
        settings = session.get(RegistrationSettings, registration.touchpoint_id)
        if settings is not None and _queue(
                session, settings, registration, "registration_cancelled", mailing, now,
                key=f"registration:{registration.id}:event_cancelled"):
            told += 1
    session.commit()
    return told


def registration_by_token(session: DbSession, secret: str, token: str) -> Registration | None:
    """The registration a cancel link names; None for anything garbled, forged or outdated."""
    registration_id = cancel_id(token[:100])
    if registration_id is None:
        return None
    registration = session.get(Registration, registration_id)
    if registration is None or not cancel_token_matches(secret, token, registration.id,
                                                        registration.nonce):
        return None
    return registration
