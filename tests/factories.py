"""`make_<model>(**overrides)`: valid objects with defaults, added to the session."""

from __future__ import annotations

import itertools
from typing import Any

from engage.auth.accounts import create_user
from engage.auth.models import Role, User
from engage.directory.models import Contact, ContactRole, Locality, Organisation, OrgKind, OrgStatus
from engage.extensions import db

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def make_user(role: Role = Role.MANAGER, email: str | None = None, password: str = PASSWORD,
              **overrides: Any) -> User:
    n = next(_seq)
    user = create_user(db.session, email or f"user{n}@example.org", password, role,
                       name=overrides.pop("name", f"Test User {n}"))
    for key, value in overrides.items():
        setattr(user, key, value)
    db.session.flush()
    return user


def make_locality(name: str | None = None, **overrides: Any) -> Locality:
    locality = Locality(name=name or f"Locality {next(_seq)}", **overrides)
    db.session.add(locality)
    db.session.flush()
    return locality


def make_organisation(**overrides: Any) -> Organisation:
    n = next(_seq)
    values: dict[str, Any] = {
        "ods_code": f"Z{n:05d}",
        "name": f"Test Surgery {n}",
        "kind": OrgKind.GP_PRACTICE,
        "status": OrgStatus.ACTIVE,
        "postcode": "CB1 1AA",
        "post_town": "CAMBRIDGE",
    }
    values.update(overrides)
    org = Organisation(**values)
    db.session.add(org)
    db.session.flush()
    return org


def make_contact(organisation: Organisation | None = None, **overrides: Any) -> Contact:
    n = next(_seq)
    values: dict[str, Any] = {
        "name": f"Contact {n}",
        "role": ContactRole.PRACTICE_MANAGER,
        "email": f"contact{n}@example.org",
    }
    values.update(overrides)
    contact = Contact(organisation=organisation or make_organisation(), **values)
    db.session.add(contact)
    db.session.flush()
    return contact
