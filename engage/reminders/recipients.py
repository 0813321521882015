"""Who a reminder, follow-up, nudge or bulletin goes to, and who is left out and why."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from engage.campaigns.models import Engagement, EngagementKind, live_engagement
from engage.database import DbSession
from engage.directory.models import Contact, ContactRole, Organisation
from engage.messaging.suppression import refusals_for

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


def with_address_suppressions(session: DbSession, people: list[Recipient]) -> list[Recipient]:
    """Also leave out those whose address is suppressed (unsubscribed or bounced under another
    contact, or before this contact was added): what the outbox would refuse, said beforehand."""
    included = [p for p in people if p.excluded is None]
    refusals: dict[int, str | None] = {}
    for start in range(0, len(included), 500):  # well within every database's parameter limit
        chunk = included[start:start + 500]
        refusals.update(zip((p.contact_id for p in chunk),
                            refusals_for(session, [(p.email, p.contact_id) for p in chunk]),
                            strict=True))
    return [replace(p, excluded=_suppressed(refusals[p.contact_id]))
            if p.excluded is None and refusals.get(p.contact_id) else p for p in people]


def _suppressed(refusal: str | None) -> str | None:
    """'The address is suppressed (unsubscribed).' -> 'Suppressed (unsubscribed)'."""
    if not refusal:
        return None
    if "do not email" in refusal:
        return "Marked 'do not email'"
    start = refusal.find("(")
    return "Suppressed" + (" " + refusal[start:].rstrip(".") if start >= 0 else "")


# Why people are left out, grouped as the manager thinks of it (the reasons above, summed up).
LEFT_OUT_GROUPS = (
    ("do not email", "marked do not email"),
    ("unsubscribed", "unsubscribed"),
    ("spam report", "reported a message as spam"),
    ("bounce", "bounced (or dropped) earlier mail"),
    ("dropped", "bounced (or dropped) earlier mail"),
    ("suppressed (invalid)", "bounced (or dropped) earlier mail"),
    ("no email address", "no email address"),
    ("invalid address", "an invalid email address"),
)


def left_out_group(reason: str) -> str:
    """The group a reason for leaving someone out falls in, for counting."""
    lowered = reason.lower()
    for marker, group in LEFT_OUT_GROUPS:
        if marker in lowered:
            return group
    return "other reasons"


@dataclass
class AudienceCount:
    """How many people at how many organisations a send reaches, and who is left out and why."""

    people: int = 0
    organisations: int = 0
    left_out: Counter[str] = field(default_factory=Counter)  # group -> people
    # Organisations in the audience with no contact of the chosen roles (or none at all) ...
    without_contact: int = 0
    # ... and those with contacts, none of whom may be emailed.
    without_email: int = 0

    @property
    def left_out_people(self) -> int:
        return sum(self.left_out.values())

    def describe_left_out(self) -> str:
        """'3 people left out (2 unsubscribed, 1 marked do not email); 1 organisation has no
        contact of the chosen roles'."""
        parts = []
        if self.left_out:
            reasons = ", ".join(f"{n:,} {group}" for group, n in self.left_out.most_common())
            parts.append(f"{_people(self.left_out_people)} left out ({reasons})")
        if self.without_contact:
            parts.append(f"{_organisations(self.without_contact)} with no contact of the "
                         "chosen roles")
        if self.without_email:
            parts.append(f"{_organisations(self.without_email)} with no contact who may be "
                         "emailed")
        return "; ".join(parts)


def _people(n: int) -> str:
    return f"{n:,} {'person' if n == 1 else 'people'}"


def _organisations(n: int) -> str:
    return f"{n:,} organisation{'' if n == 1 else 's'}"


def count_audience(org_ids: Iterable[int], people: list[Recipient]) -> AudienceCount:
    """Count `people` (the contacts of `org_ids` a send picked) for the page and the refusal."""
    count = AudienceCount()
    reached: set[int] = set()
    with_contacts: set[int] = set()
    for person in people:
        with_contacts.add(person.organisation_id)
        if person.excluded is None:
            count.people += 1
            reached.add(person.organisation_id)
        else:
            count.left_out[left_out_group(person.excluded)] += 1
    orgs = set(org_ids)
    count.organisations = len(reached)
    count.without_contact = len(orgs - with_contacts)
    count.without_email = len(with_contacts - reached)
    return count


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


def everyone_at(session: DbSession, org_ids: Iterable[int],
                roles: Iterable[ContactRole] | None = None) -> list[Recipient]:
    """Every contact of these organisations (a bulletin's readers), or those with these roles."""
    return as_recipients(_contacts_of(session, org_ids, roles))
