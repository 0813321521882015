"""The people at each organisation who receive invitations and reminders."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from engage.audit.log import record_event
from engage.database import DbSession
from engage.directory.errors import DirectoryError
from engage.directory.models import Contact, ContactRole, LawfulBasis, Organisation


def normalise_email(raw: str) -> str:
    """A checked, normalised address (the domain in lower case), or DirectoryError saying why."""
    from email_validator import EmailNotValidError, validate_email  # not at start-up

    address = raw.strip()
    try:
        # Deliverability (DNS) is not checked: imports must not depend on the network.
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise DirectoryError(f"'{address}' is not a valid email address: {exc}") from None


def find_contact(session: DbSession, org: Organisation, email: str) -> Contact | None:
    return session.scalar(
        select(Contact).where(
            Contact.organisation_id == org.id, func.lower(Contact.email) == email.lower()
        )
    )


def save_contact(
    session: DbSession,
    org: Organisation,
    *,
    name: str,
    role: ContactRole,
    email: str,
    phone: str = "",
    do_not_email: bool = False,
    lawful_basis: LawfulBasis | None = None,
    contact: Contact | None = None,
    actor: Any = None,
) -> Contact:
    """Add a contact to `org`, or change `contact`; one address appears once per organisation."""
    address = normalise_email(email) if email.strip() else None
    if address is not None:
        same = find_contact(session, org, address)
        if same is not None and same is not contact:
            raise DirectoryError(
                f"{same.name or 'Another contact'} at {org.display_name} already has the email "
                f"{address}. "
                "Edit that contact instead."
            )
    if contact is None:
        contact = Contact(organisation=org)
        session.add(contact)
        action = "directory.contact_add"
    else:
        action = "directory.contact_edit"
    contact.name = " ".join(name.split())
    contact.role = role
    contact.email = address
    contact.phone = phone.strip()
    contact.do_not_email = do_not_email
    if lawful_basis is not None:
        contact.lawful_basis = lawful_basis
    session.flush()
    record_event(session, actor, action, f"{org.ods_code}: contact {contact.name or address}",
                 target=contact)
    return contact


def delete_contact(session: DbSession, contact: Contact, actor: Any = None) -> None:
    """Remove a contact; the audit log keeps who removed whom and from where."""
    org = contact.organisation
    record_event(
        session, actor, "directory.contact_delete",
        f"{org.ods_code}: removed contact {contact.name or contact.email or contact.id}",
        target=contact, details={"role": contact.role.value, "organisation": org.ods_code},
    )
    session.delete(contact)
    session.flush()
