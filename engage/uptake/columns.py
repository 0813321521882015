"""Which column of the provider's file means what, and refusing columns that identify people."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engage.columns import (
    Matching,
    MatchingError,
    heading_key,
    heading_keys,
    heading_table,
    match_columns,
)
from engage.uptake.errors import UptakeRejected


class MissingFields(UptakeRejected):
    """The header lacks a field the import needs, or a matching does not fit it: matching the
    columns on the page can put it right."""

# Field → the headings that mean it, compared by their `heading_key`.
ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("date", "referral date", "month", "period"),
    "organisation_code": ("organisation code", "ods code", "practice code", "org code",
                          "organization code", "ods"),
    "service": ("service", "service name", "referral type"),
    "count": ("count", "referrals", "number", "n"),
    "reason": ("reason", "referral reason", "reason for referral"),
    "route": ("route", "referral route"),
    "reference": ("reference", "referral reference", "ref", "referral id", "case reference"),
    "staff_group": ("staff group",),
    "age_band": ("age band", "age group"),
    "sex": ("sex", "gender"),
    "ethnicity": ("ethnicity", "ethnic group"),
    "disability": ("disability",),
}
REQUIRED = ("date", "service")
CHARACTERISTICS = ("staff_group", "age_band", "sex", "ethnicity", "disability")
HEADINGS = heading_table(ALIASES)
# Headings naming an organisation (not a person): used to suggest codes, never refused.
ORG_NAME_HEADINGS = heading_keys("practice name", "organisation name", "organization name",
                                 "org name", "pharmacy name", "surgery name", "site name")
_ORG_WORDS = ("practice", "organisation", "organization", "org", "pharmacy", "surgery", "site",
              "service", "pcn", "ccg", "icb", "federation", "provider", "team", "locality",
              "network", "file", "sheet", "referral type")

# Headings that identify a person, and what each is.
_PERSONAL = (
    (re.compile(r"\bnhs (no|number|num)\b|\bnhsno\b|\bnhs ?number\b|\bchi number\b"),
     "an NHS number"),
    (re.compile(r"\b(dob|date of birth|birth ?date|d o b)\b"), "a date of birth"),
    (re.compile(r"\be ?mail\b"), "an email address"),
    (re.compile(r"\bnational insurance\b|\bni (no|number)\b"), "a National Insurance number"),
    (re.compile(r"\b(post ?code|home address|address)\b"), "an address"),
    (re.compile(r"\b(phone|mobile|telephone)\b"), "a telephone number"),
    (re.compile(r"\b(employee|staff|payroll|patient) (id|number|no)\b"), "a personal identifier"),
    (re.compile(r"\b(first ?name|surname|last ?name|forename|given name|full ?name|initials)\b"),
     "a person's name"),
)


def norm(text: object) -> str:
    """A service name or value in the form the catalogue's names and saved aliases are compared
    in (headings are compared by `heading_key`)."""
    return " ".join(str(text or "").replace("_", " ").replace("-", " ").casefold().split())


@dataclass
class ColumnMap:
    """Where each field is in a row, and the headings that were not used."""

    index: dict[str, int]
    ignored: list[str] = field(default_factory=list)
    org_name_index: int | None = None

    def has(self, name: str) -> bool:
        return name in self.index


def personal_reason(heading: str) -> str | None:
    """What personal data a heading looks like it holds, or None."""
    h = heading_key(heading)
    if not h or h in HEADINGS or h in ORG_NAME_HEADINGS:
        return None
    for pattern, what in _PERSONAL:
        if pattern.search(h):
            return what
    if re.search(r"\bname\b", h) and not any(word in h for word in _ORG_WORDS):
        return "a person's name"
    return None


def map_columns(headers: list[str], matching: Matching | None = None) -> ColumnMap:
    """Match headings to fields (the matching's choices first); refuse personal-data columns,
    missing or repeated fields."""
    personal = [(h, what) for h in headers if (what := personal_reason(h))]
    if personal:
        listed = "; ".join(f"'{h}' looks like {what}" for h, what in personal)
        raise UptakeRejected(
            f"This file has columns that identify people: {listed}. engage keeps only counts "
            "with aggregated characteristics, never names or personal identifiers. Delete those "
            "columns from the file (or ask the provider for the counts without them) and upload "
            "it again. An organisation's name, such as 'Practice Name', is fine.", status=422)
    matching = matching or Matching()
    try:
        index = match_columns(headers, HEADINGS, tuple(ALIASES), matching)
    except MatchingError as exc:
        raise MissingFields(str(exc), status=422) from None
    used = set(index.values())
    ignored: list[str] = []
    org_name: int | None = None
    for position, heading in enumerate(headers):
        key = heading_key(heading)
        if position in used or not key:
            continue
        if key in ORG_NAME_HEADINGS and org_name is None:
            org_name = position
        ignored.append(str(heading).strip())
    missing = [name for name in REQUIRED if name not in index and name not in matching.values]
    if missing:
        wanted = "; ".join(f"{name} (or {', '.join(repr(a) for a in ALIASES[name][1:])})"
                           for name in missing)
        found = ", ".join(f"'{h}'" for h in headers if str(h).strip()) or "none"
        raise MissingFields(
            f"The file has no column for: {wanted}. The header row has {found}. Add the column "
            "(or rename it to one of those names) and upload the file again.", status=422)
    return ColumnMap(index, ignored, org_name)
