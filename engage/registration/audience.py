"""Registrants as recipients of other features' email (reminders) and as known attendees
(the attendance import); the only ways other features read registrations."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from engage.database import DbSession
from engage.directory.models import Contact
from engage.registration.models import Registration, RegistrationStatus
from engage.reminders.recipients import Recipient, address_problem, exclusion


@dataclass(frozen=True)
class Registrant(Recipient):
    """A registrant who is not a contact in the directory, addressed like a contact.

    It has no contact id; `recipient_key` stands the registration in for it in idempotency keys.
    """

    contact_id: int | None  # type: ignore[assignment]  # the one field a registrant lacks
    registration_id: int = 0


def recipient_key(recipient: Recipient) -> str:
    """What identifies a recipient in an idempotency key: the contact, or the registration."""
    if isinstance(recipient, Registrant):
        return f"r{recipient.registration_id}"
    return str(recipient.contact_id)


def with_registrants(session: DbSession, touchpoint_id: int,
                     invitees: Iterable[Recipient]) -> list[Recipient]:
    """The invitees, then every registrant (not the waiting list) not already among them.

    Addresses are compared case-folded. A registrant whose address is a contact's is sent to
    as that contact (so the contact's do-not-email and suppression apply, and a later bulletin
    or reminder key is the same); anyone else as a Registrant.
    """
    people: list[Recipient] = list(invitees)
    seen = {r.email.casefold() for r in people if r.email}
    registrations = session.scalars(
        select(Registration).options(joinedload(Registration.organisation))
        .where(Registration.touchpoint_id == touchpoint_id,
               Registration.status == RegistrationStatus.REGISTERED)
        .order_by(Registration.created_at, Registration.id)).all()
    fresh = [r for r in registrations if r.email_key not in seen]
    contacts = _contacts_by_email(session, {r.email_key for r in fresh})
    for registration in fresh:
        if registration.email_key in seen:
            continue  # two registrations cannot share an address, but a contact may be listed
        seen.add(registration.email_key)
        contact = contacts.get(registration.email_key)
        if contact is not None:
            people.append(Recipient(contact.id, contact.organisation_id,
                                    contact.organisation.display_name, contact.name or
                                    registration.name, registration.email, exclusion(contact)))
        else:
            people.append(Registrant(None, registration.organisation_id,
                                     registration.organisation.display_name, registration.name,
                                     registration.email, address_problem(registration.email),
                                     registration_id=registration.id))
    return people


def _contacts_by_email(session: DbSession, emails: set[str]) -> dict[str, Contact]:
    found: dict[str, Contact] = {}
    keys = sorted(emails)
    for start in range(0, len(keys), 500):
        for contact in session.scalars(
                select(Contact).options(joinedload(Contact.organisation))
                .where(func.lower(Contact.email).in_(keys[start:start + 500]))
                .order_by(Contact.id)):
            found.setdefault((contact.email or "").casefold(), contact)
    return found


def registrant_organisations(session: DbSession, touchpoint_id: int) -> dict[str, int]:
    """Case-folded address → organisation of everyone who registered (cancelled included: they
    may have come anyway), for matching an attendee list."""
    rows = session.execute(select(Registration.email_key, Registration.organisation_id)
                           .where(Registration.touchpoint_id == touchpoint_id))
    return {email: organisation_id for email, organisation_id in rows}
