"""Importing organisations from a simple CSV file with a header row.

For pharmacies, federations and anything else ODS's epraccur file does not list: one row per
organisation, matched to the directory by its code and added or updated. Headers are matched
case-insensitively, with the aliases people use ("ODS code", "Org code", "Type" ...); the
delimiter (comma, semicolon or tab) is detected, and UTF-8 (with or without a byte-order mark)
and Windows-1252 files are read. Every row is checked before anything is written.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from engage.columns import Matching, MatchingError, heading_table, match_columns
from engage.database import DbSession
from engage.directory.addresses import is_postcode, normalise_postcode
from engage.directory.contacts import normalise_email
from engage.directory.errors import DirectoryError, ImportRejected, RowProblems
from engage.directory.files import decode_csv_bytes, sniff_dialect, unreadable
from engage.directory.imports import ImportSummary, record_import
from engage.directory.localities import LocalityResolver, load_resolver
from engage.directory.models import (
    Contact,
    ContactRole,
    Locality,
    Organisation,
    OrgKind,
    OrgSource,
    OrgStatus,
)
from engage.directory.vocab import (
    DEFAULT_ROLE,
    kind_labels,
    parse_kind,
    parse_role,
    parse_status,
    role_labels,
)

# Field → the headings that mean it, compared by their `heading_key` (case, spaces,
# underscores and punctuation aside). The NHS's own spellings are here, so a list published
# by NHS Digital or the NHS Business Services Authority goes in as it comes.
ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "ods code", "ods", "org code", "organisation code", "organization code",
             "practice code", "pharmacy code", "odscode", "organisation data service code",
             "pharmacy ods code (f-code)", "ods code (f-code)", "f-code", "pharmacy ods code",
             "contractor code"),
    "name": ("name", "organisation name", "organization name", "org name", "organisation",
             "practice name", "pharmacy name"),
    # A pharmacy's name on its door; where a file has it, its "organisation name" is the
    # contractor that owns the pharmacy (BOOTS UK LIMITED), not the name people know.
    "trading_name": ("trading name", "pharmacy trading name"),
    "kind": ("kind", "type", "organisation type", "organization type", "org type", "category"),
    "postcode": ("postcode", "post code", "postal code"),
    "locality": ("locality", "area"),
    "email": ("email", "email address", "e mail", "contact email"),
    "phone": ("phone", "telephone", "phone number", "telephone number", "tel"),
    "pcn": ("pcn", "primary care network", "pcn name"),
    "contact_name": ("contact name", "contact", "name of contact"),
    "contact_role": ("contact role", "role"),
    "staff_headcount": ("staff headcount", "headcount", "staff", "staff count", "number of staff"),
    "address": ("address", "street address"),
    **{f"address_{n}": (f"address field {n}", f"address field{n}", f"address line {n}",
                        f"address {n}", f"address{n}") for n in range(1, 5)},
    "town": ("town", "post town", "city"),
    "status": ("status",),
    # Known, so they are not taken for columns engage cannot read; areas come from the
    # locality rules.
    "health_and_wellbeing_board": ("health and wellbeing board", "hwb"),
    "icb": ("icb", "integrated care board", "icb code", "icb name"),
}
ADDRESS_LINES = tuple(f"address_{n}" for n in range(1, 5))
REQUIRED = ("code", "name", "kind")
HEADINGS = heading_table(ALIASES)
FIELDS = tuple(ALIASES)
ADVICE = "Correct those rows (or remove them) and upload the file again."
MAX_HEADCOUNT = 100_000


class MissingColumns(ImportRejected):
    """The header row lacks a field the import needs: a matching can supply it."""


@dataclass
class _Row:
    number: int
    values: dict[str, str]
    kind: OrgKind
    locality: Locality | None
    postcode: str | None
    email: str | None
    role: ContactRole | None
    status: OrgStatus | None
    headcount: int | None


def import_csv(
    session: DbSession, data: bytes, *, now: datetime, actor: Any = None, filename: str = "",
    matching: Matching | None = None,
) -> ImportSummary:
    """Add or update the organisations in a headed CSV file, and their contacts' emails.

    Raises ImportRejected, having written nothing, when the file or any row is not valid.
    Empty cells leave what the directory already holds unchanged. `matching` says which
    column holds a field the headings do not name, or gives a field one value for every row.
    The caller commits.
    """
    matching = matching or Matching()
    records = read_records(data)
    columns = _columns(records[0], matching)
    localities = {loc.name.lower(): loc for loc in session.scalars(select(Locality))}
    rows = _check(records, columns, localities, dict(matching.values))
    summary = ImportSummary("csv", rows_read=len(rows))
    _write(session, rows, summary, now)
    record_import(session, summary, data=data, now=now, actor=actor, filename=filename)
    return summary


def read_records(data: bytes) -> list[list[str]]:
    """The file's rows, header first, without trailing blank lines; ImportRejected if none."""
    text = decode_csv_bytes(data, "CSV file")
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), sniff_dialect(text)))
    except csv.Error as exc:
        raise unreadable(exc) from None
    while records and not any(cell.strip() for cell in records[-1]):
        records.pop()
    if not records:
        raise ImportRejected("The file has no rows. Add a header row and one row per organisation.")
    return records


def _columns(header: list[str], matching: Matching) -> dict[str, int]:
    """Which column holds each field; rejects a header without the required ones."""
    try:
        columns = match_columns(header, HEADINGS, FIELDS, matching)
    except MatchingError as exc:
        raise ImportRejected(str(exc)) from None
    if "trading_name" in columns:
        trading = columns.pop("trading_name")
        if "name" not in matching.columns:  # a person's choice of the name column stands
            columns["name"] = trading
    missing = [field for field in REQUIRED if field not in columns and field not in matching.values]
    if missing:
        wanted = "; ".join(f"{field} (or {', '.join(ALIASES[field][1:4])})" for field in missing)
        raise MissingColumns(
            f"The header row (row 1) has no column for: {wanted}. The first row must name the "
            "columns: at least code, name and kind, and optionally postcode, locality, email, "
            "phone, pcn, contact name, contact role and staff headcount. Add the missing "
            "headings and upload the file again.",
            [f"Row 1 reads: {', '.join(header)[:300]}"],
        )
    return columns


def _check(
    records: list[list[str]], columns: dict[str, int], localities: dict[str, Locality],
    constants: dict[str, str],
) -> list[_Row]:
    problems = RowProblems()
    width = len(records[0])
    first_seen: dict[str, int] = {}
    rows: list[_Row] = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank lines are ignored
        if len(record) < width or any(cell.strip() for cell in record[width:]):
            problems.add(number, f"expected {width} columns, as in the header row, but found "
                                 f"{len(record)}. Check for a missing or extra delimiter.")
            continue
        values = {field: record[index].strip() for field, index in columns.items()} | constants
        code = values["code"].upper().replace(" ", "")
        values["code"] = code
        if not code:
            problems.add(number, "the code is empty.")
        elif not (3 <= len(code) <= 10 and code.isascii() and code.isalnum()):
            problems.add(number, f"'{code}' is not an ODS code (3 to 10 letters and digits).")
        elif code in first_seen:
            problems.add(number, f"the code {code} appears again (first on row "
                                 f"{first_seen[code]}).")
        else:
            first_seen[code] = number
        if not values["name"]:
            problems.add(number, f"the name of {code or 'the organisation'} is empty.")
        elif len(values["name"]) > 200:
            problems.add(number, "the name is longer than 200 characters.")
        kind = parse_kind(values["kind"])
        if kind is None:
            problems.add(number, f"'{values['kind']}' is not a kind engage knows. Use one of: "
                                 f"{kind_labels()}.")
        row = _Row(number, values, kind or OrgKind.OTHER, None, None, None, None, None, None)
        _check_optional(row, problems, localities)
        rows.append(row)
    if problems:
        raise problems.reject("file", ADVICE)
    if not rows:
        raise ImportRejected("The file has a header row but no organisations under it.")
    return rows


def _check_optional(row: _Row, problems: RowProblems, localities: dict[str, Locality]) -> None:
    values, number = row.values, row.number
    if values.get("postcode"):
        postcode = normalise_postcode(values["postcode"])
        if is_postcode(postcode):
            row.postcode = postcode
        else:
            problems.add(number, f"'{values['postcode']}' is not a UK postcode.")
    if values.get("locality"):
        row.locality = localities.get(values["locality"].lower())
        if row.locality is None:
            known = ", ".join(loc.name for loc in localities.values()) or "none yet"
            problems.add(number, f"there is no locality called '{values['locality']}' (known: "
                                 f"{known}). Leave it empty to use the locality rules.")
    if values.get("email"):
        try:
            row.email = normalise_email(values["email"])
        except DirectoryError as exc:
            problems.add(number, str(exc))
    if values.get("contact_role"):
        row.role = parse_role(values["contact_role"])
        if row.role is None:
            problems.add(number, f"'{values['contact_role']}' is not a contact role engage knows. "
                                 f"Use one of: {role_labels()}.")
    if values.get("status"):
        row.status = parse_status(values["status"])
        if row.status is None:
            problems.add(number, f"'{values['status']}' is not a status. Use active, closed, "
                                 "dormant or proposed.")
    if values.get("staff_headcount"):
        raw = values["staff_headcount"].replace(",", "")
        if raw.isdigit() and int(raw) <= MAX_HEADCOUNT:
            row.headcount = int(raw)
        else:
            problems.add(number, f"the staff headcount '{values['staff_headcount']}' is not a "
                                 "whole number of people.")
    for field, limit in (("phone", 40), ("pcn", 120), ("contact_name", 120)):
        if len(values.get(field, "")) > limit:
            problems.add(number, f"the {field.replace('_', ' ')} is longer than {limit} "
                                 "characters.")


def _write(session: DbSession, rows: list[_Row], summary: ImportSummary, now: datetime) -> None:
    codes = [row.values["code"] for row in rows]
    existing: dict[str, Organisation] = {}
    for start in range(0, len(codes), 500):
        query = (select(Organisation).options(selectinload(Organisation.contacts))
                 .where(Organisation.ods_code.in_(codes[start:start + 500])))
        existing.update((org.ods_code, org) for org in session.scalars(query))
    resolver = load_resolver(session)
    for row in rows:
        org = existing.get(row.values["code"])
        if org is None:
            org = Organisation(ods_code=row.values["code"], source=OrgSource.CSV, created_at=now,
                               status=OrgStatus.ACTIVE, locality_locked=False, address="",
                               postcode="", phone="", commissioner="")
            session.add(org)
            summary.added += 1
            _apply(org, row, resolver)
            org.updated_at = now
        else:
            before = _snapshot(org)
            _apply(org, row, resolver)
            after = _snapshot(org)
            if after == before:
                summary.unchanged += 1
            else:
                org.updated_at = now
                if org.status is OrgStatus.CLOSED and before[-1] is not OrgStatus.CLOSED:
                    summary.closed += 1
                else:
                    summary.updated += 1
        if row.email:
            _save_email(org, row, summary)
    session.flush()


def _apply(org: Organisation, row: _Row, resolver: LocalityResolver) -> None:
    """Copy a row's non-empty cells onto the organisation, then place it in its locality."""
    values = row.values
    org.name = values["name"]
    org.kind = row.kind
    if row.postcode:
        org.postcode = row.postcode
    lines = _address_lines(values)
    if lines:
        org.address = "\n".join(lines)
    if values.get("town"):
        org.post_town = values["town"]
    for field in ("phone", "pcn"):
        if values.get(field):
            setattr(org, field, values[field])
    if row.headcount is not None:
        org.staff_headcount = row.headcount
    if row.status is not None:
        org.status = row.status
    if row.locality is not None:
        org.locality_id = row.locality.id
        org.locality_locked = True  # someone chose it in the file
    elif not org.locality_locked:
        org.locality_id = resolver.resolve(org.postcode, org.address)


def _address_lines(values: dict[str, str]) -> list[str]:
    """One address from an "address" cell (lines split by newlines or commas) followed by
    "address line 1" to "4" cells, as the NHS lists give it."""
    raw = values.get("address", "").replace("\r", "")
    lines = raw.split("\n") if "\n" in raw else raw.split(",")
    lines += [values.get(field, "") for field in ADDRESS_LINES]
    return [line.strip() for line in lines if line.strip()]


def _snapshot(org: Organisation) -> tuple[Any, ...]:
    return (org.name, org.kind, org.postcode, org.locality_id, org.locality_locked, org.address,
            org.phone, org.pcn, org.staff_headcount, org.status)


def _save_email(org: Organisation, row: _Row, summary: ImportSummary) -> None:
    """The row's email becomes a contact of the organisation, matched on the address."""
    email = row.email or ""
    contact = next((c for c in org.contacts if (c.email or "").lower() == email.lower()), None)
    name = row.values.get("contact_name", "")
    if contact is None:
        org.contacts.append(Contact(email=email, name=name, phone="",
                                    role=row.role or DEFAULT_ROLE[org.kind]))
        summary.contacts_added += 1
        return
    changed = False
    if name and contact.name != name:
        contact.name, changed = name, True
    if row.role is not None and contact.role is not row.role:
        contact.role, changed = row.role, True
    summary.contacts_updated += changed
