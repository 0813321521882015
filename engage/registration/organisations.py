"""Which organisation a person registering works for: what they typed, or their known address."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from engage.campaigns.attendance.matching import OrganisationNotFound, find_organisation
from engage.database import DbSession
from engage.directory.models import Contact, Organisation, OrgStatus
from engage.registration.errors import UnknownOrganisation

POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}")
LISTED = 5


def _postcode(typed: str) -> str | None:
    squeezed = typed.upper().replace(" ", "")
    return squeezed if POSTCODE.fullmatch(squeezed) else None


def _by_postcode(session: DbSession, postcode: str) -> list[Organisation]:
    return list(session.scalars(
        select(Organisation)
        .where(func.replace(func.upper(Organisation.postcode), " ", "") == postcode,
               Organisation.status != OrgStatus.CLOSED)
        .order_by(Organisation.sort_key, Organisation.ods_code).limit(LISTED + 1)))


def _listed(orgs: list[Organisation]) -> str:
    return ", ".join(f"{o.display_name} ({o.ods_code})" for o in orgs[:LISTED])


def organisation_for(session: DbSession, typed: str, email: str) -> Organisation:
    """The organisation from an ODS code, a name or a postcode; left blank, from the address.

    Raises UnknownOrganisation saying what to type instead.
    """
    typed = " ".join(typed.split())[:200]
    if not typed:
        return _from_contact(session, email)
    postcode = _postcode(typed)
    if postcode is not None:
        found = _by_postcode(session, postcode)
        if len(found) == 1:
            return found[0]
        if found:
            raise UnknownOrganisation(
                f"More than one organisation is at {typed.upper()}: {_listed(found)}. "
                "Enter the name or ODS code of yours.")
    try:
        org = find_organisation(session, typed)
    except OrganisationNotFound as exc:
        raise UnknownOrganisation(
            f"We could not find '{typed}'. Enter your organisation's ODS code (for example "
            "D81001 or FA123), its name, or its postcode." if "No organisation" in str(exc)
            else str(exc)) from exc
    if org.status is OrgStatus.CLOSED:
        raise UnknownOrganisation(
            f"{org.display_name} ({org.ods_code}) is closed. Enter the organisation you work "
            "for now.")
    return org


def _from_contact(session: DbSession, email: str) -> Organisation:
    """A blank field: the organisation of the one open organisation this address is known at."""
    # Ids, not rows: DISTINCT over the organisation's JSON column fails on PostgreSQL.
    ids = list(session.scalars(
        select(Organisation.id).join(Contact, Contact.organisation_id == Organisation.id)
        .where(func.lower(Contact.email) == email.strip().lower(),
               Organisation.status != OrgStatus.CLOSED).distinct().limit(2)))
    if len(ids) == 1:
        found = session.get(Organisation, ids[0])
        if found is not None:
            return found
    raise UnknownOrganisation(
        "Enter your organisation: its ODS code (for example D81001 or FA123), its name, or its "
        "postcode.")
