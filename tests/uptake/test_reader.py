"""Reading the provider's file: CSV dialects and encodings, XLSX sheets, and refusals."""

from __future__ import annotations

import io
import zipfile

import pytest

from engage.extensions import db
from engage.uptake.errors import UptakeRejected
from engage.uptake.importer import check_file
from engage.uptake.reader import read_table
from tests.uptake.support import HEADER, PAM, TODAY, csv_bytes, setup_directory, xlsx_bytes


@pytest.fixture()
def directory(app):
    return setup_directory()


@pytest.mark.parametrize(("delimiter", "name"), [(",", "comma"), (";", "semicolon"),
                                                 ("\t", "tab")])
def test_delimiters_are_detected_and_shown(directory, delimiter, name):
    data = csv_bytes([HEADER, ["2022-06-14", "A81001", PAM, 2]], delimiter=delimiter)
    preview, _ = check_file(db.session, data, "f.csv", today=TODAY)
    assert preview.ok and preview.detected["delimiter"] == name


def test_utf8_bom_crlf_and_quoted_fields(directory):
    data = b"\xef\xbb\xbf" + csv_bytes(
        [HEADER + ["reason"], ["2022-06-14", "A81001", f'"{PAM}"', 2, '"Mental, behavioural"']],
        newline="\r\n")
    preview, checked = check_file(db.session, data, "f.csv", today=TODAY)
    assert preview.ok and preview.detected["encoding"] == "UTF-8 with byte-order mark"
    assert preview.detected["line endings"] == "CRLF (Windows)"
    assert checked.rows[0][6] == "Mental, behavioural"


def test_windows_1252_is_read_and_named(directory):
    data = csv_bytes([HEADER + ["reason"], ["2022-06-14", "A81001", PAM, 2, "Stress – work"]],
                     encoding="cp1252")
    preview, checked = check_file(db.session, data, "f.csv", today=TODAY)
    assert preview.detected["encoding"] == "Windows-1252" and checked.rows[0][6] == "Stress – work"


def test_xlsx_first_sheet_by_default_and_a_chosen_sheet(directory):
    data = xlsx_bytes({"Notes": [["nothing here"]],
                       "Referrals": [HEADER, ["2022-06-14", "A81001", PAM, 2]]})
    with pytest.raises(UptakeRejected):
        check_file(db.session, data, "f.xlsx", today=TODAY)  # the first sheet has no columns
    preview, _ = check_file(db.session, data, "f.xlsx", today=TODAY, sheet="Referrals")
    assert preview.ok and preview.sheets == ["Notes", "Referrals"]
    assert preview.detected["sheet"] == "Referrals"


def test_xlsx_date_cells_and_month_formatted_cells(directory):
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append(HEADER)
    ws.append([datetime(2022, 6, 14), "A81001", PAM, 2.0])
    ws.append([datetime(2022, 7, 1), "A81001", PAM, 1])
    ws["A3"].number_format = "mmm-yy"
    out = io.BytesIO()
    book.save(out)
    preview, checked = check_file(db.session, out.getvalue(), "f.xlsx", today=TODAY)
    assert preview.ok
    assert [(r[2], r[5]) for r in checked.rows] == [("day", 2), ("month", 1)]


def test_import_refuses_a_missing_sheet_naming_the_sheets(directory):
    data = xlsx_bytes({"Referrals": [HEADER]})
    with pytest.raises(UptakeRejected) as caught:
        read_table(data, "f.xlsx", "June")
    assert "Referrals" in caught.value.message


def test_import_refuses_macro_enabled_workbooks(directory):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/vbaProject.bin", b"macro")
    with pytest.raises(UptakeRejected) as caught:
        read_table(out.getvalue(), "f.xlsx")
    assert "macros" in caught.value.message


def test_import_refuses_corrupt_workbooks(directory):
    with pytest.raises(UptakeRejected) as caught:
        read_table(b"PK\x03\x04 not really a zip", "f.xlsx")
    assert "cannot be opened" in caught.value.message


def test_import_refuses_encrypted_or_old_excel_files(directory):
    with pytest.raises(UptakeRejected) as caught:
        read_table(b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "f.xlsx")
    assert "password" in caught.value.message


def test_import_refuses_an_empty_file(directory):
    with pytest.raises(UptakeRejected) as caught:
        read_table(b"", "f.csv")
    assert "empty" in caught.value.message
