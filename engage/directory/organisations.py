"""Finding, counting, adding and editing organisations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import selectinload

from engage.audit.log import record_event
from engage.database import DbSession
from engage.directory.addresses import normalise_postcode
from engage.directory.errors import DirectoryError
from engage.directory.localities import load_resolver
from engage.directory.models import Locality, Organisation, OrgKind, OrgSource, OrgStatus
from engage.directory.names import proper_case

NO_LOCALITY = "none"  # the filter value for "no locality yet"
MAX_NAME = 200  # the name columns' length


@dataclass
class DirectoryFilter:
    """What the list page (and the export beside it) is narrowed to."""

    search: str = ""
    kind: OrgKind | None = None
    status: OrgStatus | None = None
    locality: int | str | None = None  # a locality id, NO_LOCALITY, or None for any
    pcn: str = ""
    demo: bool | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        text = " ".join(self.search.split())
        if text:
            compact = text.replace(" ", "")
            conditions.append(or_(
                Organisation.name.icontains(text, autoescape=True),
                Organisation.preferred_name.icontains(text, autoescape=True),
                Organisation.ods_code.icontains(compact, autoescape=True),
                func.replace(Organisation.postcode, " ", "").icontains(compact, autoescape=True),
            ))
        if self.kind is not None:
            conditions.append(Organisation.kind == self.kind)
        if self.status is not None:
            conditions.append(Organisation.status == self.status)
        if self.locality == NO_LOCALITY:
            conditions.append(Organisation.locality_id.is_(None))
        elif isinstance(self.locality, int):
            conditions.append(Organisation.locality_id == self.locality)
        if self.pcn:
            conditions.append(Organisation.pcn == self.pcn)
        if self.demo is not None:
            conditions.append(Organisation.is_demo.is_(self.demo))
        return conditions

    def query(self) -> Select[Any]:
        return (select(Organisation).options(selectinload(Organisation.locality))
                .where(*self.conditions())
                .order_by(Organisation.sort_key, Organisation.ods_code))

    def describe(self, localities: dict[int, str]) -> str:
        """The filter in words, for the audit log and page titles."""
        parts = []
        if self.search:
            parts.append(f"matching '{self.search}'")
        if self.kind is not None:
            parts.append(self.kind.plural.lower())
        if self.status is not None:
            parts.append(self.status.value)
        if self.locality == NO_LOCALITY:
            parts.append("no locality")
        elif isinstance(self.locality, int):
            parts.append(f"in {localities.get(self.locality, '?')}")
        if self.pcn:
            parts.append(f"PCN {self.pcn}")
        return ", ".join(parts) or "all organisations"


@dataclass
class Counts:
    total: int = 0
    by_kind: dict[OrgKind, int] = field(default_factory=dict)
    by_status: dict[OrgStatus, int] = field(default_factory=dict)
    active_by_kind: dict[OrgKind, int] = field(default_factory=dict)


def count(session: DbSession, where: DirectoryFilter) -> Counts:
    """Organisations matching the filter, by kind and by status, in one query."""
    rows = session.execute(
        select(Organisation.kind, Organisation.status, func.count())
        .where(*where.conditions()).group_by(Organisation.kind, Organisation.status)
    ).all()
    counts = Counts()
    for kind, status, n in rows:
        counts.total += n
        counts.by_kind[kind] = counts.by_kind.get(kind, 0) + n
        counts.by_status[status] = counts.by_status.get(status, 0) + n
        if status is OrgStatus.ACTIVE:
            counts.active_by_kind[kind] = counts.active_by_kind.get(kind, 0) + n
    return counts


def pcn_names(session: DbSession) -> list[str]:
    """Every PCN named in the directory, whatever its case (sorted here: PostgreSQL cannot
    order DISTINCT values by an expression it does not select)."""
    return sorted(session.scalars(
        select(Organisation.pcn).distinct()
        .where(Organisation.pcn.is_not(None), Organisation.pcn != "")
    ), key=lambda pcn: (pcn.casefold(), pcn))


def localities(session: DbSession) -> list[Locality]:
    return list(session.scalars(select(Locality).order_by(func.lower(Locality.name), Locality.id)))


def find_by_code(session: DbSession, code: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.ods_code == code.strip().upper()))


def normalise_code(raw: str) -> str:
    code = "".join(raw.split()).upper()
    if not (3 <= len(code) <= 10 and code.isascii() and code.isalnum()):
        raise DirectoryError(
            f"'{raw.strip()}' is not an ODS code. Use 3 to 10 letters and digits, such as FA123."
        )
    return code


@dataclass
class OrganisationDetails:
    """What a person can set on an organisation; the form fills it, the logic checks it."""

    name: str
    kind: OrgKind
    status: OrgStatus = OrgStatus.ACTIVE
    address: str = ""
    postcode: str = ""
    phone: str = ""
    pcn: str = ""
    staff_headcount: int | None = None
    locality_id: int | None = None  # None: follow the locality rules
    preferred_name: str = ""  # empty: show the name in proper case

    def tidy(self) -> None:
        self.name = " ".join(self.name.split())
        if not self.name:
            raise DirectoryError("Enter the organisation's name.")
        self.preferred_name = " ".join(self.preferred_name.split())
        if len(self.preferred_name) > MAX_NAME:
            raise DirectoryError(f"The name as shown must be {MAX_NAME} characters or fewer.")
        lines = [line.strip() for line in self.address.replace("\r", "").split("\n")]
        self.address = "\n".join(line for line in lines if line)
        self.postcode = normalise_postcode(self.postcode) if self.postcode.strip() else ""
        self.phone = self.phone.strip()
        self.pcn = " ".join(self.pcn.split())
        if self.staff_headcount is not None and self.staff_headcount < 0:
            raise DirectoryError("The staff headcount cannot be negative.")


def add_organisation(
    session: DbSession, code: str, details: OrganisationDetails, *, now: datetime, actor: Any = None
) -> Organisation:
    """A new organisation entered by hand; its code must not be in the directory already."""
    code = normalise_code(code)
    existing = find_by_code(session, code)
    if existing is not None:
        raise DirectoryError(f"{code} is already in the directory as {existing.display_name}.")
    details.tidy()
    org = Organisation(ods_code=code, source=OrgSource.MANUAL, created_at=now, updated_at=now,
                       commissioner="", locality_locked=False)
    session.add(org)
    _apply(session, org, details)
    session.flush()
    record_event(session, actor, "directory.org_add", f"Added {code} {org.display_name} by hand",
                 target=org)
    return org


def update_organisation(
    session: DbSession, org: Organisation, details: OrganisationDetails, *, now: datetime,
    actor: Any = None,
) -> list[str]:
    """Change an organisation; returns the names of the fields that changed."""
    details.tidy()
    before = _fields(org)
    _apply(session, org, details)
    changed = [name for name, value in _fields(org).items() if before[name] != value]
    if changed:
        org.updated_at = now
        record_event(session, actor, "directory.org_edit",
                     f"{org.ods_code}: changed {', '.join(changed)}", target=org,
                     details={"changed": changed})
    session.flush()
    return changed


def stored_preferred_name(name: str, preferred: str) -> str | None:
    """What to keep as a person's spelling: nothing when they left it blank or typed what the
    proper case of the published name shows anyway, so a later correction of that name (or of
    the casing rules) still reaches the page."""
    preferred = " ".join(preferred.split())
    if not preferred or preferred == proper_case(name):
        return None
    return preferred


def _fields(org: Organisation) -> dict[str, Any]:
    names = ("name", "preferred_name", "kind", "status", "address", "postcode", "phone", "pcn",
             "staff_headcount", "locality_id", "locality_locked")
    return {name: getattr(org, name) for name in names}


def _apply(session: DbSession, org: Organisation, details: OrganisationDetails) -> None:
    org.name = details.name
    org.preferred_name = stored_preferred_name(details.name, details.preferred_name)
    org.kind = details.kind
    org.status = details.status
    org.address = details.address
    org.postcode = details.postcode
    org.phone = details.phone
    org.pcn = details.pcn or None
    org.staff_headcount = details.staff_headcount
    if details.locality_id is None:
        org.locality_locked = False
        org.locality_id = load_resolver(session).resolve(org.postcode, org.address)
    else:
        if session.get(Locality, details.locality_id) is None:
            raise DirectoryError("That locality no longer exists. Choose another.")
        org.locality_locked = True
        org.locality_id = details.locality_id
