"""The directory as CSV, for spreadsheets and scripts; safe to open in Excel."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engage.audit.log import record_event
from engage.directory.models import Contact, Locality
from engage.directory.organisations import DirectoryFilter
from engage.directory.vocab import organisations

# Headings the CSV import reads back, so an export can be edited and imported again.
HEADINGS = (
    "code", "name", "kind", "status", "locality", "pcn", "address", "town", "postcode", "phone",
    "staff headcount", "open date", "close date", "commissioner", "prescribing setting",
    "contacts", "demo",
)
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """A cell's text, with an apostrophe before anything a spreadsheet would run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export_rows(session: Session, where: DirectoryFilter) -> Iterator[list[str]]:
    """The heading row, then one row per organisation matching the filter."""
    names = dict(session.execute(select(Locality.id, Locality.name)).all())
    contacts = dict(session.execute(
        select(Contact.organisation_id, func.count()).group_by(Contact.organisation_id)
    ).all())
    yield list(HEADINGS)
    for org in session.scalars(where.query()):
        yield [neutralise(value) for value in (
            org.ods_code, org.name, org.kind.label, org.status.value,
            names.get(org.locality_id, "") if org.locality_id else "", org.pcn or "",
            "\n".join(org.address_lines), org.post_town, org.postcode, org.phone,
            org.staff_headcount, org.open_date or "", org.close_date or "", org.commissioner,
            org.prescribing_setting, contacts.get(org.id, 0), "yes" if org.is_demo else "no",
        )]


def to_csv(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue()


def export_directory(session: Session, where: DirectoryFilter, *, actor: Any = None) -> str:
    """The filtered directory as CSV text; the export is written to the audit log."""
    rows = list(export_rows(session, where))
    text, count = to_csv(rows), len(rows) - 1
    names = dict(session.execute(select(Locality.id, Locality.name)).all())
    record_event(session, actor, "directory.export",
                 f"Exported {organisations(count)} ({where.describe(names)}) as CSV",
                 details={"rows": count, "filter": where.describe(names)})
    return text
