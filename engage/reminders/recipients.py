"""Who a reminder, follow-up, nudge or bulletin goes to, and who is left out and why."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from engage.campaigns.models import Engagement, EngagementKind, live_engagement
from engage.database import DbSession
from engage.directory.models import Contact, ContactRole, Organisation

# The people at an organisation who decide on referrals: nudges go to them.
REFERRAL_ROLES = (ContactRole.REFERRAL_MANAGER, ContactRole.PRACTICE_MANAGER,
                  ContactRole.PHARMACY_LEAD)


@dataclass(frozen=True)
class Recipient:
    """A contact a message would go to; `excluded` says why it will not, when it will not."""

    contact_id: int
    organisation_id: int
    organisation_name: str  # as people read it
    name: str
    email: str
    excluded: str | None = None


class Addressed:
    """A message's recipients, split into those it goes to and those it does not."""

    recipients: list[Recipient]

    @property
    def included(self) -> list[Recipient]:
        return [r for r in self.recipients if r.excluded is None]

    @property
    def excluded(self) -> list[Recipient]:
        return [r for r in self.recipients if r.excluded is not None]


@lru_cache(maxsize=65536)
def address_problem(address: str | None) -> str | None:
    """Why an address cannot be sent to, or None: checked with email-validator, offline
    (remembered: every tick sees the same addresses, and the check is pure)."""
    from email_validator import EmailNotValidError, validate_email  # not at start-up

    if not address or not address.strip():
        return "No email address"
    try:
        validate_email(address.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        return f"Invalid address: {exc}"
    return None


def exclusion(contact: Contact) -> str | None:
    """Why this contact must not be emailed, or None."""
    if contact.do_not_email:
        return "Marked 'do not email'"
    suppressed_at = getattr(contact, "suppressed_at", None)
    if suppressed_at is not None:
        reason = getattr(contact, "suppression_reason", None)
        return "Suppressed" + (f" ({reason.label.lower()})" if reason is not None else "")
    return address_problem(contact.email)


def as_recipients(contacts: Iterable[Contact]) -> list[Recipient]:
    return [
        Recipient(c.id, c.organisation_id, c.organisation.display_name, c.name,
                  (c.email or "").strip(), exclusion(c))
        for c in contacts
    ]


def _contacts_of(session: DbSession, org_ids: Iterable[int],
                 roles: Iterable[ContactRole] | None = None) -> list[Contact]:
    ids = sorted(set(org_ids))
    found: list[Contact] = []
    for start in range(0, len(ids), 500):
        query = (select(Contact).join(Organisation).options(contains_eager(Contact.organisation))
                 .where(Contact.organisation_id.in_(ids[start:start + 500])))
        if roles is not None:
            query = query.where(Contact.role.in_(list(roles)))
        found.extend(session.scalars(query.order_by(Organisation.sort_key, Organisation.id,
                                                    func.lower(Contact.name), Contact.id)))
    return found


def _orgs_with(session: DbSession, touchpoint_id: int, kind: EngagementKind) -> set[int]:
    return set(session.scalars(
        select(Engagement.organisation_id).where(
            Engagement.touchpoint_id == touchpoint_id, Engagement.kind == kind, live_engagement())
    ))


def invited_organisations(session: DbSession, touchpoint_id: int) -> set[int]:
    """Organisations with a live 'invited' record for the touchpoint."""
    return _orgs_with(session, touchpoint_id, EngagementKind.INVITED)


def attended_organisations(session: DbSession, touchpoint_id: int) -> set[int]:
    return _orgs_with(session, touchpoint_id, EngagementKind.ATTENDED)


def absent_organisations(session: DbSession, touchpoint_id: int) -> set[int]:
    """Invited (or recorded absent), and nobody from them came."""
    invited = invited_organisations(session, touchpoint_id) | _orgs_with(
        session, touchpoint_id, EngagementKind.ABSENT)
    return invited - attended_organisations(session, touchpoint_id)


def invitees(session: DbSession, touchpoint_id: int) -> list[Recipient]:
    """Every contact of every organisation invited to the touchpoint."""
    return as_recipients(_contacts_of(session, invited_organisations(session, touchpoint_id)))


def attendees(session: DbSession, touchpoint_id: int) -> list[Recipient]:
    return as_recipients(_contacts_of(session, attended_organisations(session, touchpoint_id)))


def absentees(session: DbSession, touchpoint_id: int) -> list[Recipient]:
    return as_recipients(_contacts_of(session, absent_organisations(session, touchpoint_id)))


def referral_managers(session: DbSession, org_ids: Iterable[int]) -> list[Recipient]:
    """The referral managers, practice managers and pharmacy leads of these organisations."""
    return as_recipients(_contacts_of(session, org_ids, REFERRAL_ROLES))


def everyone_at(session: DbSession, org_ids: Iterable[int]) -> list[Recipient]:
    """Every contact of these organisations (a bulletin's readers)."""
    return as_recipients(_contacts_of(session, org_ids))
