"""Which locality an organisation is in: rules over postcodes and post towns, and overrides.

Localities are data: a rule maps a postcode sector (PE7 1), a postcode district (PE13) or a
post town (WISBECH) to a locality, and the most specific rule that matches wins. A person can
pin an organisation to a locality (`locality_locked`); imports and rule changes leave pinned
organisations alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from engage.audit.log import record_event
from engage.database import DbSession
from engage.directory.addresses import normalise_town, town_in_line
from engage.directory.errors import DirectoryError
from engage.directory.models import (
    Locality,
    LocalityRule,
    LocalityRuleKind,
    Organisation,
    OrgStatus,
)
from engage.directory.vocab import organisations

_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
# A sector needs its space: PE13 could be district PE13 or sector PE1 3.
_SECTOR = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ([0-9])$")
_TOWN = re.compile(r"^[A-Z][A-Z '&-]*$")


@dataclass
class LocalityResolver:
    """Rules compiled into dictionaries: an import of thousands of rows asks nothing more of
    the database, and reads a post town out of an address only when no postcode rule matched."""

    sectors: dict[str, int] = field(default_factory=dict)
    districts: dict[str, int] = field(default_factory=dict)
    towns: dict[str, int] = field(default_factory=dict)
    # Address lines repeat ("CAMBRIDGESHIRE", "PETERBOROUGH" ...): each is read once.
    _line_towns: dict[str, str | None] = field(default_factory=dict, repr=False)

    def __bool__(self) -> bool:
        return bool(self.sectors or self.districts or self.towns)

    def resolve(self, postcode: str, address: str) -> int | None:
        """The locality id for a normalised postcode and an address (town last), or None."""
        return self.resolve_lines(postcode, address.split("\n") if address else ())

    def resolve_lines(self, postcode: str, lines: Sequence[str]) -> int | None:
        """As resolve, with the address as its lines (empty lines are skipped)."""
        if len(postcode) > 5 and postcode[-4] == " ":  # a full postcode: "PE7 1AT"
            if self.sectors:
                found = self.sectors.get(postcode[:-2])  # "PE7 1"
                if found is not None:
                    return found
            found = self.districts.get(postcode[:-4])  # "PE7"
            if found is not None:
                return found
        elif postcode:  # a district alone, or something else
            found = self.districts.get(postcode.partition(" ")[0])
            if found is not None:
                return found
        if self.towns:
            return self.towns.get(self._town(lines))
        return None

    def _town(self, lines: Sequence[str]) -> str:
        """post_town_from_lines, remembering each line's reading."""
        known = self._line_towns
        for line in reversed(lines):
            try:
                town = known[line]
            except KeyError:
                town = known[line] = town_in_line(line)
            if town is not None:
                return town
        return ""


def load_resolver(session: DbSession) -> LocalityResolver:
    resolver = LocalityResolver()
    tables = {
        LocalityRuleKind.POSTCODE_SECTOR: resolver.sectors,
        LocalityRuleKind.POSTCODE_DISTRICT: resolver.districts,
        LocalityRuleKind.POST_TOWN: resolver.towns,
    }
    for kind, value, locality_id in session.execute(
        select(LocalityRule.kind, LocalityRule.value, LocalityRule.locality_id)
    ):
        tables[kind][value] = locality_id
    return resolver


def normalise_rule_value(kind: LocalityRuleKind, raw: str) -> str:
    """The stored form of a rule's value, or DirectoryError saying what a valid one looks like."""
    if kind is LocalityRuleKind.POST_TOWN:
        value = normalise_town(raw)
        if not _TOWN.match(value):
            raise DirectoryError(
                f"'{raw.strip()}' is not a post town. Enter a town such as WISBECH."
            )
        return value
    compact = "".join(raw.split()).upper()
    if kind is LocalityRuleKind.POSTCODE_DISTRICT:
        if not _DISTRICT.match(compact):
            raise DirectoryError(
                f"'{raw.strip()}' is not a postcode district. Enter the first half of a postcode, "
                "such as PE13 or CB1."
            )
        return compact
    match = _SECTOR.match(" ".join(raw.upper().split()))
    if not match:
        raise DirectoryError(
            f"'{raw.strip()}' is not a postcode sector. Enter the first half of a postcode, a "
            "space and the next digit, such as PE7 1."
        )
    return f"{match.group(1)} {match.group(2)}"


def find_locality(session: DbSession, name: str) -> Locality | None:
    return session.scalar(select(Locality).where(func.lower(Locality.name) == name.strip().lower()))


def add_locality(
    session: DbSession, name: str, description: str = "", *, actor: Any = None
) -> Locality:
    """A new locality; names are unique regardless of case."""
    name = " ".join(name.split())
    if not name:
        raise DirectoryError("Enter a name for the locality.")
    if find_locality(session, name) is not None:
        raise DirectoryError(f"There is already a locality called {name}.")
    locality = Locality(name=name, description=description.strip())
    session.add(locality)
    session.flush()
    record_event(session, actor, "directory.locality_add", f"Added the locality {name}",
                 target=locality)
    return locality


def add_rules(
    session: DbSession, kind: LocalityRuleKind, values: Iterable[str], locality: Locality
) -> list[LocalityRule]:
    """A rule for each value; all are checked before any is added."""
    cleaned: list[str] = []
    for raw in values:
        if raw.strip():
            value = normalise_rule_value(kind, raw)
            if value not in cleaned:
                cleaned.append(value)
    if not cleaned:
        raise DirectoryError(f"Enter at least one {kind.label.lower()}.")
    taken = session.execute(
        select(LocalityRule.value, Locality.name)
        .join(Locality)
        .where(LocalityRule.kind == kind, LocalityRule.value.in_(cleaned))
    ).all()
    if taken:
        listed = "; ".join(f"{value} already goes to {name}" for value, name in taken)
        raise DirectoryError(f"{listed}. Remove the existing rule first to move it.")
    rules = [LocalityRule(kind=kind, value=value, locality=locality) for value in cleaned]
    session.add_all(rules)
    session.flush()
    return rules


def apply_rules(session: DbSession, now: datetime) -> int:
    """Re-derive the locality of every organisation nobody pinned; returns how many moved."""
    resolver = load_resolver(session)
    rows = session.execute(
        select(Organisation.id, Organisation.postcode, Organisation.address,
               Organisation.locality_id)
        .where(Organisation.locality_locked.is_(False))
    ).all()
    changes = [
        {"id": org_id, "locality_id": wanted, "updated_at": now}
        for org_id, postcode, address, current in rows
        if (wanted := resolver.resolve(postcode, address)) != current
    ]
    if changes:
        session.execute(update(Organisation), changes)
    return len(changes)


def rules_added(
    session: DbSession, kind: LocalityRuleKind, values: Iterable[str], locality: Locality, *,
    now: datetime, actor: Any = None,
) -> tuple[list[LocalityRule], int]:
    """Add rules, move the organisations they now match, and log it; returns the rules and moves."""
    rules = add_rules(session, kind, values, locality)
    moved = apply_rules(session, now)
    listed = ", ".join(rule.value for rule in rules)
    record_event(session, actor, "directory.rule_add",
                 f"{kind.label} {listed} → {locality.name}; {organisations(moved)} moved",
                 target=locality)
    return rules, moved


def rule_removed(session: DbSession, rule_id: int, *, now: datetime, actor: Any = None) -> str:
    """Remove a rule and re-place what it matched; returns a sentence saying what happened."""
    rule = session.get(LocalityRule, rule_id)
    if rule is None:
        raise DirectoryError("That rule has already been removed.")
    what = f"{rule.value} → {rule.locality.name}"
    session.delete(rule)
    session.flush()
    moved = apply_rules(session, now)
    record_event(session, actor, "directory.rule_delete",
                 f"Removed the rule {what}; {organisations(moved)} moved",
                 details={"kind": rule.kind.value, "value": rule.value})
    return f"Removed the rule {what}. {organisations(moved)} changed locality."


def rules_reapplied(session: DbSession, *, now: datetime, actor: Any = None) -> int:
    """Apply the rules afresh to every unpinned organisation, and log it."""
    moved = apply_rules(session, now)
    record_event(session, actor, "directory.rules_apply",
                 f"Re-applied the locality rules; {organisations(moved)} moved")
    return moved


def organisations_without_locality(session: DbSession) -> list[Organisation]:
    """Active organisations no rule places, for the rules page to list."""
    return list(
        session.scalars(
            select(Organisation)
            .where(Organisation.locality_id.is_(None), Organisation.status == OrgStatus.ACTIVE)
            .order_by(Organisation.sort_key, Organisation.ods_code)
        )
    )
