"""Community pharmacies from the NHS Business Services Authority's consolidated pharmaceutical
list, published quarterly as CSV under the Open Government Licence.

The list covers England; an import keeps the rows of the area's health and wellbeing boards or
its ICB, adds or updates each pharmacy by its ODS code (the F-code), and closes, in place, the
pharmacies an earlier list brought in that this one no longer has. Generated demo pharmacies
are closed too, once a real list is in: from then on the directory's pharmacies are real ones.
Opening hours are kept as the list writes them, a text per day.
"""

from __future__ import annotations

import calendar
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engage.columns import MatchingError, heading_key, heading_table, match_columns
from engage.database import DbSession
from engage.directory.addresses import is_postcode, normalise_postcode
from engage.directory.errors import ImportRejected, RowProblems
from engage.directory.files import decode_csv_bytes, sniff_dialect, unreadable
from engage.directory.imports import ImportSummary, record_import
from engage.directory.localities import load_resolver
from engage.directory.models import Organisation, OrgKind, OrgSource, OrgStatus
from engage.timezone import uk_day

DAYS = tuple(day.lower() for day in calendar.day_name)  # the keys of opening_hours
HOURS_LENGTH = 120  # the longest day's text kept: a few time ranges

# The published headings, and the spellings of the earlier editions and the contractor
# details file; compared by `heading_key`.
ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("pharmacy ods code (f-code)", "pharmacy ods code f code", "contractor code",
             "ods code", "f-code"),
    "trading_name": ("pharmacy trading name", "trading name"),
    "contractor": ("organisation name", "contractor name"),
    **{f"address_{n}": (f"address field {n}", f"address field{n}") for n in range(1, 5)},
    "postcode": ("post code", "postcode"),
    "phone": ("phone number", "telephone"),
    "hwb": ("health and wellbeing board", "health and wellbeing board name"),
    "icb": ("icb", "icb code"),
    **{day: (f"pharmacy opening hours {day}", f"{day} opening hours", day) for day in DAYS},
}
HEADINGS = heading_table(ALIASES)
FIELDS = tuple(ALIASES)
REQUIRED = ("code", "trading_name", "postcode", "hwb")
ADVICE = ("Check the file is the consolidated pharmaceutical list as the NHS Business Services "
          "Authority publishes it, correct those rows (or remove them) and import it again.")


@dataclass
class _Pharmacy:
    number: int
    code: str
    name: str
    address: str
    postcode: str
    phone: str
    hours: dict[str, str] = field(default_factory=dict)


def import_pharmacy_list(
    session: DbSession,
    data: bytes,
    *,
    now: datetime,
    boards: Sequence[str] = (),
    icb: str = "",
    actor: Any = None,
    filename: str = "",
) -> ImportSummary:
    """Add, update and close the area's community pharmacies from the national list.

    `boards` (health and wellbeing board names, any case) and `icb` (an ICB code) say which
    rows are the area's; at least one is needed. Raises ImportRejected, having written
    nothing, for a file that is not the list, a bad row, or no rows for the area. The caller
    commits.
    """
    wanted_boards = {heading_key(board) for board in boards if board.strip()}
    wanted_icb = icb.strip().upper()
    records = _records(decode_csv_bytes(data, "consolidated pharmaceutical list"))
    try:
        columns = match_columns(records[0], HEADINGS, FIELDS)
    except MatchingError as exc:
        raise ImportRejected(str(exc)) from None
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise ImportRejected(
            "This is not the consolidated pharmaceutical list as published: it has no column "
            f"for {', '.join(name.replace('_', ' ') for name in missing)}. Download the list "
            "again from the NHS Business Services Authority's open data portal (CSV) and "
            "import it as it comes.", [f"Row 1 reads: {', '.join(records[0])[:300]}"])
    if not wanted_boards and not wanted_icb:
        raise ImportRejected(
            "Say which area's pharmacies to keep: give the health and wellbeing boards (for "
            "example Cambridgeshire and Peterborough) or the ICB code. The file lists these "
            f"boards: {_boards_listed(records, columns)}.")
    if wanted_icb and "icb" not in columns:
        listed = _boards_listed(records, columns)
        raise ImportRejected("This edition of the list has no ICB column: choose the area by "
                             f"its health and wellbeing boards ({listed}).")
    kept = _area_rows(records, columns, wanted_boards, wanted_icb)
    if not kept:
        asked = ", ".join([*sorted(boards), *([wanted_icb] if wanted_icb else [])])
        raise ImportRejected(
            f"The list has no pharmacies for {asked}. Check the spelling against the boards "
            f"the file lists: {_boards_listed(records, columns)}.")
    pharmacies = _check(kept, columns)
    summary = ImportSummary("pharmacy", rows_read=len(records) - 1)
    summary.skipped = {"not in the area": len(records) - 1 - len(kept)} \
        if len(records) - 1 > len(kept) else {}
    _write(session, pharmacies, summary, now)
    record_import(session, summary, data=data, now=now, actor=actor, filename=filename,
                  options={"boards": sorted(boards), "icb": wanted_icb})
    return summary


def _records(text: str) -> list[list[str]]:
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), sniff_dialect(text)))
    except csv.Error as exc:
        raise unreadable(exc) from None
    records = [record for record in records if any(cell.strip() for cell in record)]
    if not records:
        raise ImportRejected("The file has no rows. Import the consolidated pharmaceutical "
                             "list as published, with its header row.")
    return records


def _cell(record: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return record[index].strip() if index is not None and index < len(record) else ""


def _boards_listed(records: list[list[str]], columns: dict[str, int]) -> str:
    boards = sorted({_cell(record, columns, "hwb") for record in records[1:]} - {""},
                    key=str.casefold)
    shown = ", ".join(boards[:12])
    return (shown + f" and {len(boards) - 12} more") if len(boards) > 12 else shown or "none"


def _area_rows(records: list[list[str]], columns: dict[str, int], boards: set[str],
               icb: str) -> list[tuple[int, list[str]]]:
    return [(number, record) for number, record in enumerate(records[1:], start=2)
            if (boards and heading_key(_cell(record, columns, "hwb")) in boards)
            or (icb and _cell(record, columns, "icb").upper() == icb)]


def _check(rows: list[tuple[int, list[str]]], columns: dict[str, int]) -> list[_Pharmacy]:
    problems = RowProblems()
    first_seen: dict[str, int] = {}
    pharmacies: list[_Pharmacy] = []
    for number, record in rows:
        code = _cell(record, columns, "code").upper().replace(" ", "")
        if not (3 <= len(code) <= 10 and code.isascii() and code.isalnum()):
            problems.add(number, f"'{code}' is not an ODS code (3 to 10 letters and digits)."
                         if code else "the ODS code is empty.")
        elif code in first_seen:
            problems.add(number, f"the ODS code {code} appears again (first on row "
                                 f"{first_seen[code]}).")
        else:
            first_seen[code] = number
        name = _cell(record, columns, "trading_name") or _cell(record, columns, "contractor")
        if not name or len(name) > 200:
            problems.add(number, "the trading name is empty." if not name
                         else "the trading name is longer than 200 characters.")
        postcode = normalise_postcode(_cell(record, columns, "postcode"))
        if postcode and not is_postcode(postcode):
            problems.add(number, f"'{postcode}' is not a UK postcode.")
        lines = [_cell(record, columns, f"address_{n}") for n in range(1, 5)]
        hours = {day: _cell(record, columns, day)[:HOURS_LENGTH] for day in DAYS
                 if day in columns}
        pharmacies.append(_Pharmacy(number, code, name, "\n".join(line for line in lines if line),
                                    postcode, _cell(record, columns, "phone")[:40], hours))
    if problems:
        raise problems.reject("pharmacy list rows for the area", ADVICE)
    return pharmacies


def _write(session: DbSession, pharmacies: list[_Pharmacy], summary: ImportSummary,
           now: datetime) -> None:
    codes = {pharmacy.code for pharmacy in pharmacies}
    existing = {org.ods_code: org for org in session.scalars(
        select(Organisation).where(Organisation.ods_code.in_(codes)))}
    resolver = load_resolver(session)
    for pharmacy in pharmacies:
        org = existing.get(pharmacy.code)
        if org is None:
            org = Organisation(ods_code=pharmacy.code, kind=OrgKind.COMMUNITY_PHARMACY,
                               status=OrgStatus.ACTIVE, source=OrgSource.PHARMACY_LIST,
                               locality_locked=False, commissioner="", created_at=now)
            session.add(org)
            summary.added += 1
        elif _unchanged(org, pharmacy):
            summary.unchanged += 1
            continue
        else:
            summary.updated += 1
            org.source = OrgSource.PHARMACY_LIST
        org.name, org.address, org.postcode = pharmacy.name, pharmacy.address, pharmacy.postcode
        org.kind, org.status, org.close_date = OrgKind.COMMUNITY_PHARMACY, OrgStatus.ACTIVE, None
        if pharmacy.phone and not org.phone:
            org.phone = pharmacy.phone  # a number someone recorded beats the list's
        org.opening_hours = pharmacy.hours or None
        if not org.locality_locked:
            org.locality_id = resolver.resolve(org.postcode, org.address)
        org.updated_at = now
    _close_the_rest(session, codes, summary, now)
    session.flush()


def _unchanged(org: Organisation, pharmacy: _Pharmacy) -> bool:
    return (org.name, org.address, org.postcode, org.kind, org.status, org.source,
            org.opening_hours or None) == (
        pharmacy.name, pharmacy.address, pharmacy.postcode, OrgKind.COMMUNITY_PHARMACY,
        OrgStatus.ACTIVE, OrgSource.PHARMACY_LIST, pharmacy.hours or None)


def _close_the_rest(session: DbSession, codes: set[str], summary: ImportSummary,
                    now: datetime) -> None:
    """Pharmacies an earlier list (or the demo) brought in that this list no longer has."""
    leaving = session.scalars(select(Organisation).where(
        Organisation.kind == OrgKind.COMMUNITY_PHARMACY,
        Organisation.status != OrgStatus.CLOSED,
        Organisation.source.in_((OrgSource.PHARMACY_LIST, OrgSource.DEMO)),
        Organisation.ods_code.not_in(codes)))
    for org in leaving:
        org.status, org.close_date, org.updated_at = OrgStatus.CLOSED, uk_day(now), now
        summary.closed += 1
