"""The words people use for kinds, statuses and roles, read into the directory's own values."""

from __future__ import annotations

import enum
from typing import TypeVar

from engage.directory.models import ContactRole, OrgKind, OrgStatus

E = TypeVar("E", bound=enum.Enum)

_KIND_WORDS = {
    OrgKind.GP_PRACTICE: {"gp practice", "gp", "practice", "gp surgery", "surgery",
                          "general practice"},
    OrgKind.GP_FEDERATION: {"gp federation", "federation", "gp fed", "primary care federation"},
    OrgKind.COMMUNITY_PHARMACY: {"community pharmacy", "pharmacy", "chemist", "pharmacies"},
    OrgKind.OTHER: {"other", "other setting"},
}
_STATUS_WORDS = {
    OrgStatus.ACTIVE: {"active", "a", "open"},
    OrgStatus.CLOSED: {"closed", "c"},
    OrgStatus.DORMANT: {"dormant", "d"},
    OrgStatus.PROPOSED: {"proposed", "p"},
}
_ROLE_WORDS = {
    ContactRole.PRACTICE_MANAGER: {"practice manager", "pm"},
    ContactRole.REFERRAL_MANAGER: {"referral manager", "referrer"},
    ContactRole.PHARMACY_LEAD: {"pharmacy lead", "pharmacist", "lead pharmacist",
                                "pharmacy manager"},
    ContactRole.CLINICAL_LEAD: {"clinical lead", "gp lead", "lead gp"},
    ContactRole.FEDERATION_MANAGER: {"federation manager", "federation lead"},
    ContactRole.OWNER: {"owner", "pharmacy owner", "practice owner"},
    ContactRole.OTHER: {"other"},
}


def _words(raw: str) -> str:
    """`Community_Pharmacy ` → `community pharmacy`."""
    return " ".join(raw.replace("_", " ").replace("-", " ").lower().split())


def _lookup(table: dict[E, set[str]], raw: str) -> E | None:
    words = _words(raw)
    for value, names in table.items():
        if words in names or words == _words(str(value.value)):
            return value
    return None


def parse_kind(raw: str) -> OrgKind | None:
    """An organisation kind from a label such as "Pharmacy" or "GP federation"; None if unknown."""
    return _lookup(_KIND_WORDS, raw)


def parse_status(raw: str) -> OrgStatus | None:
    return _lookup(_STATUS_WORDS, raw)


def parse_role(raw: str) -> ContactRole | None:
    return _lookup(_ROLE_WORDS, raw)


def kind_labels() -> str:
    return ", ".join(kind.label for kind in OrgKind)


def role_labels() -> str:
    return ", ".join(role.label for role in ContactRole)


DEFAULT_ROLE = {
    OrgKind.GP_PRACTICE: ContactRole.PRACTICE_MANAGER,
    OrgKind.GP_FEDERATION: ContactRole.FEDERATION_MANAGER,
    OrgKind.COMMUNITY_PHARMACY: ContactRole.PHARMACY_LEAD,
    OrgKind.OTHER: ContactRole.OTHER,
}


def organisations(n: int) -> str:
    """`1 organisation`, `3 organisations`: for messages."""
    return f"{n} organisation" if n == 1 else f"{n} organisations"
