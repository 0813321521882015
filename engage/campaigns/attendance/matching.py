"""Which organisation each attendee came from: by the address they registered with, then by
contact email, then by email domain."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from engage.campaigns.attendance.files import Attendee
from engage.database import DbSession
from engage.directory.models import Contact, Organisation, OrgStatus

# Addresses at these domains belong to people at many unrelated employers (see is_shared_domain).
SHARED_DOMAINS = frozenset({
    # NHS-wide mail: NHSmail, and its equivalents in the other nations.
    "nhs.net", "nhs.uk", "nhs.scot", "wales.nhs.uk", "hscni.net",
    # Personal mail.
    "gmail.com", "googlemail.com", "outlook.com", "outlook.co.uk", "hotmail.com",
    "hotmail.co.uk", "live.com", "live.co.uk", "msn.com", "yahoo.com", "yahoo.co.uk",
    "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com", "aol.co.uk", "btinternet.com",
    "btopenworld.com", "sky.com", "virginmedia.com", "ntlworld.com", "blueyonder.co.uk",
    "talktalk.net", "tiscali.co.uk", "protonmail.com", "proton.me", "gmx.com", "gmx.co.uk",
    "mail.com", "zoho.com",
})
CHUNK = 500
CODE_IN_LABEL = re.compile(r"\(([A-Za-z0-9]{3,10})\)\s*$")

BY_REGISTRATION = "registration email"
BY_CONTACT = "contact email"
BY_DOMAIN = "email domain"


def is_shared_domain(domain: str) -> bool:
    """Whether an email domain is used by staff of many employers, so it cannot name one.

    nhs.net (NHSmail) is the address of nearly every GP practice and pharmacy in England: if
    only one contact in the directory happened to use it, matching by domain would credit
    every NHSmail attendee to that one practice. Personal mail (gmail.com, outlook.com ...)
    says nothing about the employer either. Only a contact's exact address can match these.
    """
    return domain in SHARED_DOMAINS


@dataclass(frozen=True)
class Match:
    organisation_id: int
    how: str  # BY_REGISTRATION, BY_CONTACT or BY_DOMAIN


@dataclass
class Matching:
    """Attendees matched to an organisation (by key), and the rest with the reason why not."""

    matched: dict[str, Match] = field(default_factory=dict)
    unmatched: list[tuple[Attendee, str]] = field(default_factory=list)


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].lower()


def _orgs_by_email(session: DbSession, emails: list[str]) -> dict[str, set[int]]:
    found: dict[str, set[int]] = defaultdict(set)
    for start in range(0, len(emails), CHUNK):
        rows = session.execute(
            select(func.lower(Contact.email), Contact.organisation_id)
            .join(Organisation, Organisation.id == Contact.organisation_id)
            .where(func.lower(Contact.email).in_(emails[start:start + CHUNK]),
                   Organisation.status != OrgStatus.CLOSED)
        )
        for email, org_id in rows:
            found[email].add(org_id)
    return found


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _orgs_by_domain(session: DbSession, domains: list[str]) -> dict[str, set[int]]:
    found: dict[str, set[int]] = defaultdict(set)
    for start in range(0, len(domains), 50):
        batch = domains[start:start + 50]
        patterns = [func.lower(Contact.email).like(f"%@{_escape_like(d)}", escape="\\")
                    for d in batch]
        rows = session.execute(
            select(func.lower(Contact.email), Contact.organisation_id)
            .join(Organisation, Organisation.id == Contact.organisation_id)
            .where(or_(*patterns), Organisation.status != OrgStatus.CLOSED)
        )
        for email, org_id in rows:
            found[domain_of(email)].add(org_id)
    return found


def _names(session: DbSession, ids: Iterable[int]) -> str:
    names = [org.display_name for org in session.scalars(
        select(Organisation).where(Organisation.id.in_(list(ids)))
        .order_by(Organisation.sort_key, Organisation.ods_code)
    )]
    shown = ", ".join(names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def match_attendees(session: DbSession, attendees: Iterable[Attendee],
                    touchpoint_id: int | None = None) -> Matching:
    """Match by the exact address (any case) someone registered for the touchpoint with, then
    by a contact's exact address, then by a domain only one organisation uses.

    Closed organisations are left out. An attendee no way matches is returned with the
    reason, for a person to assign.
    """
    people = list(attendees)
    registered: dict[str, int] = {}
    if touchpoint_id is not None:
        from engage.registration.audience import registrant_organisations

        registered = registrant_organisations(session, touchpoint_id)
    emails = sorted({a.email for a in people if a.email})
    by_email = _orgs_by_email(session, emails)
    domains = sorted({domain_of(e) for e in emails if not is_shared_domain(domain_of(e))})
    by_domain = _orgs_by_domain(session, domains)
    matching = Matching()
    for attendee in people:
        if not attendee.email:
            matching.unmatched.append((attendee, "The file gives no email address."))
            continue
        if attendee.email.casefold() in registered:
            matching.matched[attendee.key] = Match(registered[attendee.email.casefold()],
                                                   BY_REGISTRATION)
            continue
        orgs = by_email.get(attendee.email, set())
        if len(orgs) == 1:
            matching.matched[attendee.key] = Match(next(iter(orgs)), BY_CONTACT)
            continue
        if len(orgs) > 1:
            matching.unmatched.append((attendee, f"A contact at {len(orgs)} organisations: "
                                                 f"{_names(session, orgs)}."))
            continue
        domain = domain_of(attendee.email)
        if is_shared_domain(domain):
            matching.unmatched.append((attendee, f"Not a contact, and {domain} addresses are "
                                                 "used by many organisations."))
            continue
        orgs = by_domain.get(domain, set())
        if len(orgs) == 1:
            matching.matched[attendee.key] = Match(next(iter(orgs)), BY_DOMAIN)
        elif orgs:
            matching.unmatched.append((attendee, f"Not a contact, and contacts at {len(orgs)} "
                                                 f"organisations use {domain}: "
                                                 f"{_names(session, orgs)}."))
        else:
            matching.unmatched.append((attendee, f"No contact in the directory has this address "
                                                 f"or uses {domain}."))
    return matching


class OrganisationNotFound(ValueError):
    """Typed text that names no organisation, or several; the message says what to type."""


def find_organisation(session: DbSession, text: str) -> Organisation:
    """The organisation a person typed: an ODS code, "Name (CODE)" from the list, or a name."""
    typed = " ".join(text.split())
    labelled = CODE_IN_LABEL.search(typed)
    code = (labelled.group(1) if labelled else typed).upper().replace(" ", "")
    if code.isalnum() and len(code) <= 12:
        org = session.scalar(select(Organisation).where(Organisation.ods_code == code))
        if org is not None:
            return org
    pattern = f"%{_escape_like(typed)}%"
    for condition in (or_(func.lower(Organisation.name) == typed.lower(),
                          func.lower(Organisation.preferred_name) == typed.lower()),
                      or_(Organisation.name.ilike(pattern, escape="\\"),
                          Organisation.preferred_name.ilike(pattern, escape="\\"))):
        found = session.scalars(
            select(Organisation).where(condition)
            .order_by(Organisation.sort_key, Organisation.ods_code).limit(6)
        ).all()
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            listed = ", ".join(f"{o.display_name} ({o.ods_code})" for o in found[:5])
            raise OrganisationNotFound(
                f"More than one organisation matches '{typed}': {listed}. Enter the ODS code."
            )
    raise OrganisationNotFound(
        f"No organisation has the ODS code or name '{typed}'. Check the spelling, or look the "
        "code up in the directory."
    )
