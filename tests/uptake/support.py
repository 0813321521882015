"""Helpers for uptake tests: the catalogue, a few practices, and files built from rows."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from engage.catalogue.seed import seed_catalogue
from engage.directory.models import Organisation, OrgKind
from engage.extensions import db
from tests.factories import make_organisation

NOW = datetime(2022, 8, 15, 10, 0, tzinfo=UTC)
TODAY = date(2022, 8, 15)
PAM = "Performance and Attendance Management"


def setup_directory() -> list[Organisation]:
    """The seeded catalogue and three practices, A81001..A81003, and a pharmacy FA001."""
    seed_catalogue(db.session)
    orgs = [make_organisation(ods_code=f"A8100{n}", name=f"Riverside Surgery {n}")
            for n in (1, 2, 3)]
    orgs.append(make_organisation(ods_code="FA001", name="High Street Pharmacy",
                                  kind=OrgKind.COMMUNITY_PHARMACY))
    db.session.flush()
    return orgs


def csv_bytes(rows: list[list[object]], delimiter: str = ",", encoding: str = "utf-8",
              newline: str = "\n") -> bytes:
    text = newline.join(delimiter.join(str(c) for c in row) for row in rows) + newline
    return text.encode(encoding)


def xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    first = True
    for title, rows in sheets.items():
        ws = book.active if first else book.create_sheet()
        ws.title = title
        first = False
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADER = ["date", "organisation_code", "service", "count"]
