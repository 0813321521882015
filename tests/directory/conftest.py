"""Fixtures for the directory tests: ODS rows and files, uploads, and the demo localities."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engage.database import utcnow
from engage.demo.context import DemoContext
from engage.demo.directory import localities_and_rules
from engage.directory.models import Organisation
from engage.extensions import db

# A valid epraccur row, by column position (0-based), for tests to vary.
ODS_DEFAULTS = {
    0: "D99001", 1: "TEST SURGERY", 2: "Y61", 3: "Q79", 4: "TEST SURGERY", 5: "1 HIGH STREET",
    6: "WISBECH", 7: "CAMBRIDGESHIRE", 8: "", 9: "PE13 1AA", 10: "19740401", 11: "", 12: "A",
    13: "B", 14: "06H", 15: "20130401", 16: "", 17: "01945 000000", 18: "", 19: "", 20: "",
    21: "0", 22: "", 23: "06H", 24: "", 25: "4", 26: "",
}
FIELDS = {"code": 0, "name": 1, "town": 6, "county": 7, "postcode": 9, "opened": 10,
          "closed": 11, "status": 12, "commissioner": 14, "phone": 17, "setting": 25}


def ods_row(**values: str) -> list[str]:
    """An epraccur row; keyword names are those in FIELDS."""
    row = dict(ODS_DEFAULTS)
    for name, value in values.items():
        row[FIELDS[name]] = value
    return [row[i] for i in range(27)]


def ods_file(*rows: list[str]) -> bytes:
    """Rows written as ODS writes them: every field quoted, CRLF line ends."""
    lines = [",".join(f'"{cell}"' for cell in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def organisation_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Organisation)) or 0


@pytest.fixture()
def epraccur_06h(shared_data: Path) -> bytes:
    return (shared_data / "epraccur-06H.csv").read_bytes()


@pytest.fixture()
def demo_localities(app: Any, shared_data: Path) -> None:
    """The four Cambridgeshire and Peterborough localities and their rules."""
    localities_and_rules(DemoContext(db.session, utcnow(), shared_data))
    db.session.commit()


@pytest.fixture()
def upload() -> Callable[..., Any]:
    """POST a file to an upload form: upload(client, url, data, filename, **other_fields)."""

    def _upload(client: FlaskClient, url: str, data: bytes, filename: str = "file.csv",
                **fields: str) -> Any:
        form: dict[str, Any] = {"file": (io.BytesIO(data), filename), **fields}
        return client.post(url, data=form, content_type="multipart/form-data")

    return _upload
