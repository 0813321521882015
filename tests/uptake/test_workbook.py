"""Spreadsheets read within limits that hold before the cost is paid: bombs refused unparsed.

The bomb workbooks are written at test time (tests/uptake/bombs.py): a few hundred kilobytes
that unpack to tens of megabytes or declare hundreds of thousands of rows. Memory is measured
with tracemalloc (what Python allocated while refusing), never time.
"""

from __future__ import annotations

import io
import random
import string
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.uptake import workbook
from engage.uptake.errors import UptakeRejected
from engage.uptake.models import PendingUpload
from engage.uptake.pending import MAX_MESSAGE
from engage.uptake.reader import read_table, row_estimate
from tests.uptake import bombs
from tests.uptake.support import HEADER, PAM, csv_bytes, setup_directory, xlsx_bytes

MIB = 1024 * 1024
# Far below what parsing any of these files costs (tens to hundreds of megabytes).
REFUSAL_MEMORY = 16 * MIB


def refusal(data: bytes, filename: str = "figures.xlsx") -> str:
    """Read the file as a check does, every row; the refusal's message."""
    with pytest.raises(UptakeRejected) as caught:
        table = read_table(data, filename)
        for _ in table.rows:
            pass
    return caught.value.message


def peak_memory(action: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        action()
    except UptakeRejected:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_a_shared_strings_bomb_is_refused_from_its_declared_size():
    data = bombs.shared_string_bomb(workbook.MAX_SHARED_STRINGS_BYTES // MIB + 1)
    assert len(data) < 100_000
    message = refusal(data)
    assert "text takes 33 MB when unpacked" in message and "at most 32 MB" in message
    assert peak_memory(lambda: read_table(data, "figures.xlsx")) < REFUSAL_MEMORY


def test_the_probes_million_row_workbook_is_refused_unparsed():
    data = bombs.many_identical_rows(1_000_000)
    assert len(data) < 1_000_000
    message = refusal(data)
    assert "xl/worksheets/sheet1.xml unpacks from" in message
    assert peak_memory(lambda: read_table(data, "figures.xlsx")) < REFUSAL_MEMORY


def test_a_sheet_declaring_a_million_rows_is_refused_from_its_dimension():
    data = bombs.workbook(bombs.rows_of_figures(2), dimension="A1:K1000000")
    message = refusal(data)
    assert "The sheet 'Referrals' has 1,000,000 rows or more" in message
    assert "at most 250,000 rows" in message


@pytest.fixture()
def thousand_rows(monkeypatch):
    """A row limit of 1,000, so a sheet over it is quick to write; the counting is the same."""
    from engage.uptake import reader

    monkeypatch.setattr(workbook, "MAX_ROWS", 1001)
    monkeypatch.setattr(reader, "MAX_ROWS", 1001)


def test_rows_are_counted_in_the_xml_when_the_sheet_declares_no_size(thousand_rows):
    data = bombs.many_rows(1500, declare=False)
    assert "rows or more; engage reads at most 1,000 rows" in refusal(data)
    assert peak_memory(lambda: read_table(data, "figures.xlsx")) < REFUSAL_MEMORY


def test_a_sheet_that_understates_its_size_is_still_counted(thousand_rows):
    data = bombs.workbook(bombs.rows_of_figures(1500), dimension="A1:D2")
    assert "rows or more; engage reads at most 1,000 rows" in refusal(data)


def test_one_row_numbered_a_million_is_refused_before_empty_rows_are_made_up():
    row = b'<row r="1000000"><c r="A1000000"><v>1</v></c></row>'
    data = bombs.workbook([bombs.HEADER_ROW, row])
    assert "has 1,000,000 rows or more" in refusal(data)


def test_a_part_that_compresses_like_a_bomb_is_refused():
    message = refusal(bombs.padded_sheet(5))
    assert "xl/worksheets/sheet1.xml unpacks from" in message
    assert "far more than a spreadsheet does" in message


def test_a_part_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(workbook, "MAX_PART_BYTES", 2 * MIB)
    data = bombs.many_rows(20_000)
    assert "in one part (xl/worksheets/sheet1.xml" in refusal(data)


def test_a_normal_workbook_is_still_read_and_its_rows_counted_in_advance():
    data = bombs.many_rows(3)
    table = read_table(data, "figures.xlsx")
    assert table.headers == HEADER and table.estimated_rows == 3
    assert [number for number, _ in table.rows] == [2, 3, 4]


def test_a_long_cell_in_a_workbook_is_refused_naming_the_cell():
    data = xlsx_bytes({"Referrals": [HEADER, ["2022-06", "A81001", PAM, 1],
                                     ["2022-06", "A81001", "x" * 1001, 1]]})
    message = refusal(data)
    assert message.startswith("Cell C3 holds 1,001 characters; engage reads at most 1,000")


def test_a_long_shared_string_heading_is_refused_naming_the_cell():
    text = "".join(random.Random(15).choices(string.ascii_letters, k=5000)).encode()
    header = b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    data = bombs.workbook([header], shared_strings=[b"<si><t>", text, b"</t></si>"])
    assert refusal(data).startswith("Cell A1 holds 5,000 characters")


def test_a_long_cell_in_a_csv_file_is_refused_naming_the_cell():
    data = csv_bytes([HEADER + ["reason"], ["2022-06", "A81001", PAM, 1, "y" * 5000]])
    assert refusal(data, "figures.csv").startswith("Cell E2 holds 5,000 characters")


def test_a_csv_file_over_the_row_limit_is_refused():
    data = b"date,organisation_code,service,count\n" + (
        b"2022-06,A81001,Medical Helpline,1\n" * workbook.MAX_ROWS)
    assert "The file has 250,002 rows or more" in refusal(data, "figures.csv")


def test_too_many_columns_are_refused():
    data = csv_bytes([[f"c{n}" for n in range(workbook.MAX_COLUMNS + 1)]])
    assert refusal(data, "figures.csv").startswith("Row 1 has 201 columns")


def test_rows_are_estimated_from_the_xml_not_the_compressed_size():
    data = bombs.many_rows(20_000, declare=False)
    assert len(data) < 500_000
    assert row_estimate(data, "figures.xlsx") == 20_000
    refused = bombs.workbook(bombs.rows_of_figures(2), dimension="A1:D1000000")
    assert row_estimate(refused, "figures.xlsx") == 0  # refused at once, in the request


@pytest.fixture()
def directory(app):
    setup_directory()
    db.session.commit()


def test_uploading_the_million_row_bomb_is_refused_in_the_request_and_not_kept(
        manager_client, directory):
    data = bombs.many_identical_rows(1_000_000)
    response = manager_client.post("/uptake/import", data={
        "file": (io.BytesIO(data), "bomb.xlsx"), "date_order": "auto"},
        content_type="multipart/form-data")
    assert response.status_code == 302
    record = db.session.scalar(select(PendingUpload))
    assert record.status == "failed" and "far more than a spreadsheet does" in record.message
    assert record.data == b""
    page = manager_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "far more than a spreadsheet does" in page and "has not kept the file" in page


def test_a_stored_refusal_is_bounded_in_size(manager_client, directory):
    headers = [f"{n:03d}" + "h" * 900 for n in range(150)]  # 150 long headings, none known
    response = manager_client.post("/uptake/import", data={
        "file": (io.BytesIO(csv_bytes([headers])), "wide.csv"), "date_order": "auto"},
        content_type="multipart/form-data")
    record = db.session.scalar(select(PendingUpload))
    assert record.status == "failed" and "has no column for" in record.message
    assert len(record.message) <= MAX_MESSAGE and record.message.endswith("…")
    page = manager_client.get(response.headers["Location"]).get_data(as_text=True)
    assert len(page) < 40_000
