"""Importing the NHS ODS "epraccur" file (GP practices and other prescribing settings).

The file is checked in full before anything is written: one bad row and nothing changes.
It is written in bulk: existing organisations are read once into a dictionary, differences are
worked out in Python, and the new and changed rows go to the database as two executemany
statements (see bulk.py), so the 14,357 rows of the England file take a fraction of a second.

What ODS owns is refreshed on every import (name, address, postcode, status, dates,
commissioner, prescribing setting); what people in engage maintain is kept: the PCN, staff
headcount, contacts, a pinned locality, and a phone number once one is recorded. Organisations
missing from a newer file are left alone: ODS keeps closed practices in the file with status C,
so a missing row usually means the file was cut to another commissioner.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

from engage.collector import collector_paused
from engage.database import DbSession
from engage.directory.addresses import normalise_postcode
from engage.directory.bulk import BulkTable
from engage.directory.errors import ImportRejected, RowProblems
from engage.directory.files import decode_csv_bytes, unreadable
from engage.directory.imports import ImportSummary, record_import
from engage.directory.localities import LocalityResolver, load_resolver
from engage.directory.models import Organisation, OrgKind, OrgSource, OrgStatus

ODS_COLUMNS = 27
GP_PRACTICE_SETTING = 4
STATUS_CODES = {
    "A": OrgStatus.ACTIVE,
    "C": OrgStatus.CLOSED,
    "D": OrgStatus.DORMANT,
    "P": OrgStatus.PROPOSED,
}
# ODS prescribing settings (column 26), for saying why a row was skipped.
PRESCRIBING_SETTINGS = {
    0: "other", 1: "walk-in centre", 2: "out of hours service", 3: "walk-in and out of hours",
    4: "GP practice", 8: "public health service", 9: "community health service",
    10: "hospital service", 11: "optometry service", 12: "urgent and emergency care",
    13: "hospice", 14: "care home or nursing home", 15: "border force",
    16: "young offender institution", 17: "secure training centre", 18: "secure children's home",
    19: "immigration removal centre", 20: "court", 21: "police custody",
    22: "sexual assault referral centre", 24: "other justice estate", 25: "prison",
}
# Columns ODS owns, in this order in each kept row after the code: refreshed on each import and
# compared to tell "updated" from "unchanged". The locality comes from the rules.
ODS_FIELDS = (
    "name", "kind", "status", "locality_id", "address", "postcode", "phone", "open_date",
    "close_date", "commissioner", "prescribing_setting",
)
KIND, STATUS, LOCALITY, PHONE, SETTING = 1, 2, 3, 6, 10  # positions in ODS_FIELDS
HEADER_NAMES = {"organisation code", "org code", "code", "ods code", "practice code"}
HEADER_MESSAGE = (
    "Row 1 is a header row, so this is not the ODS epraccur file as published (it has no "
    "header). For a spreadsheet of your own with headed columns, use the CSV import instead."
)
ADVICE = (
    "Use the epraccur file exactly as ODS publishes it (no header row, 27 columns, every field "
    "quoted), not a copy re-saved from a spreadsheet, and upload it again."
)
_MISSING: Any = object()

Progress = Callable[[int], None]


def import_ods(
    session: DbSession,
    data: bytes,
    *,
    now: datetime,
    commissioner: str | None = None,
    include_other: bool = False,
    actor: Any = None,
    filename: str = "",
    progress: Progress | None = None,
) -> ImportSummary:
    """Import an epraccur file; `commissioner` (e.g. 06H) limits it to one commissioner's rows.

    Only prescribing setting 4 rows become GP practices; other settings become kind "other"
    when `include_other`, and are skipped otherwise. Raises ImportRejected, having written
    nothing, when the file or any row in it is not valid. `progress(n)` hears of every 1,000
    rows read. The caller commits.
    """
    text = decode_csv_bytes(data, "NHS ODS epraccur file")
    wanted = (commissioner or "").strip().upper() or None
    bulk = BulkTable(session, Organisation.__table__)
    with collector_paused():
        check = _Check(bulk, load_resolver(session), wanted, include_other)
        try:
            check.run(csv.reader(io.StringIO(text, newline="")), progress)
        except csv.Error as exc:
            raise unreadable(exc) from None
        summary = ImportSummary("ods", rows_read=check.rows_read, skipped=dict(check.skipped))
        _write(bulk, check.rows, summary, now)
        del check  # freed now, by reference counting, rather than by the collector later
    record_import(
        session, summary, data=data, now=now, actor=actor, filename=filename,
        commissioner=wanted or "", options={"include_other": include_other},
    )
    return summary


def _no_locality(_postcode: str, _lines: list[str]) -> None:
    return None


class _Check:
    """Checks every row (a damaged file is never half-trusted) and keeps the chosen ones.

    A kept row is the code then the ODS_FIELDS values, in database form. The loop runs once per
    row of files of 14,000 rows, so each distinct date, status and commissioner is worked out
    once and looked up after that.
    """

    def __init__(
        self, bulk: BulkTable, resolver: LocalityResolver, wanted: str | None, include_other: bool
    ) -> None:
        self.bulk = bulk
        # With no rules at all (a first national import) there is nothing to look up.
        self.resolve = resolver.resolve_lines if resolver else _no_locality
        self.wanted = wanted
        self.include_other = include_other
        self.problems = RowProblems()
        self.rows: list[tuple[Any, ...]] = []
        self.skipped: Counter[str] = Counter()
        self.rows_read = 0
        self.statuses = {code: bulk.db_value("status", s) for code, s in STATUS_CODES.items()}
        self.gp_kind = bulk.db_value("kind", OrgKind.GP_PRACTICE)
        self.other_kind = bulk.db_value("kind", OrgKind.OTHER)
        self.dates: dict[str, Any] = {"": None}
        self.commissioners: dict[str, str] = {}

    def run(self, reader: Iterator[list[str]], progress: Progress | None) -> None:
        problems, rows, skipped, resolve = self.problems, self.rows, self.skipped, self.resolve
        wanted, include_other, statuses = self.wanted, self.include_other, self.statuses
        dates, commissioners = self.dates.get, self.commissioners.get
        gp_kind, other_kind = self.gp_kind, self.other_kind
        first_seen: dict[str, int] = {}
        matched_commissioner = False
        number = 0
        for number, record in enumerate(reader, start=1):
            if not number % 1000 and progress is not None:
                progress(1000)
            if len(record) != ODS_COLUMNS:
                self.wrong_length(number, record)
                continue
            code = record[0]
            if not (code.isalnum() and code.isupper() and code.isascii() and 3 <= len(code) <= 10):
                tidied = self.other_code(number, code)  # or None, with the problem noted
                if tidied is None:
                    continue
                code = tidied
            if code in first_seen:
                problems.add(number, f"the code {code} appears again (first on row "
                                     f"{first_seen[code]}).")
                continue
            first_seen[code] = number
            name = record[1].strip()
            if not name:
                problems.add(number, f"the name (column 2) of {code} is empty.")
            open_date = dates(record[10], _MISSING)
            if open_date is _MISSING:
                open_date = self.date(record[10], number, "open date (column 11)")
            close_date = dates(record[11], _MISSING)
            if close_date is _MISSING:
                close_date = self.date(record[11], number, "close date (column 12)")
            status = statuses.get(record[12])
            if status is None:
                problems.add(number, f"the status (column 13) '{record[12]}' is not A, C, D or P.")
            raw = record[25]
            if raw == "4":
                setting, kind = GP_PRACTICE_SETTING, gp_kind
            else:
                try:
                    setting = int(raw)
                except ValueError:
                    problems.add(number, f"the prescribing setting (column 26) '{raw}' is not a "
                                         "number.")
                    continue
                kind = gp_kind if setting == GP_PRACTICE_SETTING else other_kind
            row_commissioner = commissioners(record[14]) or self.commissioner(record[14])
            if wanted is not None:
                if row_commissioner != wanted:
                    skipped[f"commissioner is not {wanted}"] += 1
                    continue
                matched_commissioner = True
            if kind is other_kind and not include_other:
                label = PRESCRIBING_SETTINGS.get(setting, "unknown setting")
                skipped[f"not a GP practice: {label} (prescribing setting {setting})"] += 1
                continue
            lines = record[4:9]
            postcode = record[9]
            if not (len(postcode) in (6, 7, 8) and postcode[-4] == " " and postcode.isupper()):
                postcode = normalise_postcode(postcode)
            rows.append((
                code, name, kind, status, resolve(postcode, lines), "\n".join(filter(None, lines)),
                postcode,
                record[17].strip(), open_date, close_date, row_commissioner, setting,
            ))
        self.rows_read = number
        self.finish(matched_commissioner)

    def finish(self, matched_commissioner: bool) -> None:
        if not self.rows_read:
            raise ImportRejected(
                "The file has no rows. Choose the epraccur CSV file from ODS and upload it again."
            )
        if self.problems:
            raise self.problems.reject("file", ADVICE)
        if self.wanted is not None and not matched_commissioner:
            raise ImportRejected(
                f"No rows in the file have the commissioner code {self.wanted}, so nothing was "
                "imported. Check the code (Cambridgeshire and Peterborough is 06H), or leave it "
                "empty to import every row."
            )

    def wrong_length(self, number: int, record: list[str]) -> None:
        if number == 1 and record and record[0].strip().lower() in HEADER_NAMES:
            raise ImportRejected(HEADER_MESSAGE)
        if any(record):  # blank lines are ignored
            self.problems.add(number, f"expected {ODS_COLUMNS} columns but found {len(record)}.")

    def other_code(self, number: int, raw: str) -> str | None:
        """A code that is not plain upper-case letters and digits: tidied if it can be."""
        code = raw.strip().upper()
        if 3 <= len(code) <= 10 and code.isascii() and code.isalnum():
            return code
        if number == 1 and code.lower() in HEADER_NAMES:
            raise ImportRejected(HEADER_MESSAGE)
        if not code:
            self.problems.add(number, "the organisation code (column 1) is empty.")
        else:
            self.problems.add(
                number, f"'{raw}' in column 1 is not an ODS code (3 to 10 letters and digits)."
            )
        return None

    def date(self, raw: str, number: int, what: str) -> Any:
        """A YYYYMMDD date in database form, remembered for the rows after."""
        value = raw.strip()
        try:
            if len(value) != 8 or not value.isdigit():
                raise ValueError(value)
            parsed = date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            self.problems.add(number, f"the {what} '{raw}' is not a date written as YYYYMMDD.")
            return None
        self.dates[raw] = result = self.bulk.db_value("open_date", parsed)
        return result

    def commissioner(self, raw: str) -> str:
        self.commissioners[raw] = value = raw.strip().upper()
        return value


def _write(bulk: BulkTable, rows: list[tuple[Any, ...]], summary: ImportSummary,
           now: datetime) -> None:
    """Insert the new, update the changed, count the rest: two bulk statements in all."""
    existing: dict[str, list[Any]] = {
        row[0]: list(row[1:])
        for row in bulk.read(("ods_code", "id", "locality_locked", *ODS_FIELDS))
    }
    if not existing:
        inserts = rows  # a first import: nothing to compare with
    else:
        inserts, updates = [], []
        closed = bulk.db_value("status", OrgStatus.CLOSED)
        stamp = bulk.db_value("updated_at", now)
        for row in rows:
            current = existing.get(row[0])
            if current is None:
                inserts.append(row)
                continue
            org_id, locked, *before = current
            values = list(row[1:])
            if locked:
                values[LOCALITY] = before[LOCALITY]
            if before[PHONE]:
                values[PHONE] = before[PHONE]  # a number someone recorded beats the switchboard's
            if values[SETTING] != GP_PRACTICE_SETTING:
                values[KIND] = before[KIND]  # someone may have said what this setting really is
            if values == before:
                summary.unchanged += 1
                continue
            if values[STATUS] == closed and before[STATUS] != closed:
                summary.closed += 1
            else:
                summary.updated += 1
            updates.append((*values, stamp, org_id))
        bulk.update((*ODS_FIELDS, "updated_at"), updates)
    summary.added = len(inserts)
    constants = {"source": OrgSource.ODS, "created_at": now, "updated_at": now}
    bulk.insert(("ods_code", *ODS_FIELDS), inserts, constants)
