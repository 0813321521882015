"""The directory as CSV, for spreadsheets and scripts; safe to open in Excel."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from engage.audit.log import record_export
from engage.csv_export import csv_text
from engage.database import DbSession
from engage.directory.models import Contact, Locality
from engage.directory.organisations import DirectoryFilter
from engage.directory.vocab import organisations

# Headings the CSV import reads back, so an export can be edited and imported again: "name"
# is the published name imports match on; "shown as", the name pages show, is for reading
# (the import ignores it).
HEADINGS = (
    "code", "name", "kind", "status", "locality", "pcn", "address", "town", "postcode", "phone",
    "staff headcount", "open date", "close date", "commissioner", "prescribing setting",
    "contacts", "demo", "shown as",
)


def export_rows(session: DbSession, where: DirectoryFilter) -> Iterator[list[Any]]:
    """The heading row, then one row per organisation matching the filter."""
    names = dict(session.execute(select(Locality.id, Locality.name)).all())
    contacts = dict(session.execute(
        select(Contact.organisation_id, func.count()).group_by(Contact.organisation_id)
    ).all())
    yield list(HEADINGS)
    for org in session.scalars(where.query()):
        yield [
            org.ods_code, org.name, org.kind.label, org.status.value,
            names.get(org.locality_id, "") if org.locality_id else "", org.pcn or "",
            "\n".join(org.address_lines), org.post_town, org.postcode, org.phone,
            org.staff_headcount, org.open_date or "", org.close_date or "", org.commissioner,
            org.prescribing_setting, contacts.get(org.id, 0), "yes" if org.is_demo else "no",
            org.display_name,
        ]


def export_directory(session: DbSession, where: DirectoryFilter, *, now: datetime,
                     actor: Any = None) -> str:
    """The filtered directory as CSV text; the export is written to the audit log (repeats of
    the same export within a minute are counted on one row)."""
    rows = list(export_rows(session, where))
    text, count = csv_text(rows), len(rows) - 1
    names = dict(session.execute(select(Locality.id, Locality.name)).all())
    parameters = {name: getattr(value, "value", value) for name, value in vars(where).items()}
    record_export(session, actor, "directory.export",
                  f"Exported {organisations(count)} ({where.describe(names)}) as CSV",
                  parameters=parameters, now=now,
                  details={"rows": count, "filter": where.describe(names)})
    return text
