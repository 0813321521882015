"""The provider's file as a header and rows: CSV in any common dialect, or an XLSX sheet.

What was detected (format, encoding, delimiter, sheet) is reported, never guessed silently.
CSV text is decoded by the directory's one decoder (`decode_csv_bytes`).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from engage.directory.errors import ImportRejected
from engage.directory.files import decode_csv_bytes, sniff_dialect
from engage.uptake.errors import UptakeRejected

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old .xls, and also encrypted (password-protected) .xlsx
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
WHAT = "provider's referral export"


@dataclass
class Table:
    """A file's header row and an iterator over its other rows (numbered as a person counts)."""

    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    detected: dict[str, str]
    estimated_rows: int = 0
    sheets: list[str] = field(default_factory=list)


def read_table(data: bytes, filename: str = "", sheet: str | None = None) -> Table:
    """Open an upload as a table; UptakeRejected says why a file cannot be read."""
    if data.startswith(XLSX_MAGIC) or filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data, filename, sheet)
    if data.startswith(OLE_MAGIC):
        raise UptakeRejected(
            "This is an old-style Excel workbook (.xls) or a password-protected workbook, which "
            "engage cannot open. Remove the password (File > Info > Protect Workbook) and save it "
            "as an Excel Workbook (.xlsx) or as CSV UTF-8, then upload it again.")
    return _read_csv(data)


def _read_csv(data: bytes) -> Table:
    try:
        text = decode_csv_bytes(data, WHAT)
    except ImportRejected as exc:
        raise UptakeRejected(exc.message) from None
    encoding = _encoding_label(data)
    dialect = sniff_dialect(text)
    delimiter = getattr(dialect, "delimiter", ",")
    if delimiter not in DELIMITERS:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                        quotechar=getattr(dialect, "quotechar", '"') or '"',
                        doublequote=True, skipinitialspace=False)
    try:
        headers = next(reader)
    except StopIteration:
        raise UptakeRejected("The file has no header row. " + _HEADER_ADVICE) from None
    except csv.Error as exc:
        raise UptakeRejected(f"The file cannot be read as CSV ({exc}).") from None
    line_ending = "CRLF (Windows)" if "\r\n" in text[:65536] else "LF"
    detected = {"format": "CSV", "encoding": encoding,
                "delimiter": DELIMITERS[delimiter], "line endings": line_ending}
    estimate = max(text.count("\n") - 1, 0)
    return Table([h.strip() for h in headers], _csv_rows(reader), detected, estimate)


_HEADER_ADVICE = ("The first row must name the columns (date, organisation_code, service, "
                  "count ...). Add it and upload the file again.")


def _csv_rows(reader: Any) -> Iterator[tuple[int, list[Any]]]:
    number = 1
    try:
        for row in reader:
            number += 1
            if not any(cell.strip() for cell in row):
                continue
            yield number, row
    except csv.Error as exc:
        raise UptakeRejected(
            f"Row {number + 1} cannot be read as CSV ({exc}). Check the file and upload it again."
        ) from None


def _encoding_label(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        return "UTF-16"
    if data.startswith(b"\xef\xbb\xbf"):
        return "UTF-8 with byte-order mark"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "Windows-1252"
    return "UTF-8"


def _read_xlsx(data: bytes, filename: str, sheet: str | None) -> Table:
    from openpyxl import load_workbook

    if filename.lower().endswith(".xlsm") or _has_macros(data):
        raise UptakeRejected(
            "This workbook contains macros (.xlsm), which engage does not open. Save a copy as "
            "'Excel Workbook (.xlsx)' or as CSV UTF-8 and upload that.")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise UptakeRejected(
            "This Excel file cannot be opened: it is damaged, password-protected or not really "
            "a workbook. Open it in Excel, save it again as 'Excel Workbook (.xlsx)' or as CSV "
            "UTF-8, and upload that.") from None
    names = list(book.sheetnames)
    if sheet and sheet not in names:
        raise UptakeRejected(
            f"The workbook has no sheet called '{sheet}'. Its sheets are: "
            f"{', '.join(names)}. Choose one of those.")
    chosen = sheet or names[0]
    ws = book[chosen]
    rows = ws.iter_rows()
    try:
        header_cells = next(rows)
    except StopIteration:
        raise UptakeRejected(f"The sheet '{chosen}' is empty. " + _HEADER_ADVICE) from None
    headers = [str(c.value).strip() if c.value is not None else "" for c in header_cells]
    detected = {"format": "Excel workbook (.xlsx)", "sheet": chosen + (
        " (the first)" if not sheet else "")}
    estimate = max((ws.max_row or 1) - 1, 0)
    return Table(headers, _xlsx_rows(rows), detected, estimate, names)


def sheet_names(data: bytes) -> list[str]:
    """The sheets of a workbook, or [] when it is not one that can be opened."""
    if not data.startswith(XLSX_MAGIC) or _has_macros(data):
        return []
    from openpyxl import load_workbook

    try:
        return list(load_workbook(io.BytesIO(data), read_only=True).sheetnames)
    except Exception:  # noqa: BLE001 - a damaged file has no sheets to offer
        return []


def _has_macros(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return any(name.lower().endswith("vbaproject.bin") for name in archive.namelist())
    except zipfile.BadZipFile:
        return False


def _xlsx_rows(rows: Iterator[Any]) -> Iterator[tuple[int, list[Any]]]:
    number = 1
    for cells in rows:
        number += 1
        values = [_cell_value(c) for c in cells]
        if not any(v not in (None, "") and str(v).strip() for v in values):
            continue
        yield number, values


def _cell_value(cell: Any) -> Any:
    """Dates become ISO text (a month when the cell is formatted without a day); text stripped."""
    value = cell.value
    if isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        number_format = (getattr(cell, "number_format", "") or "").lower()
        if "y" in number_format and "d" not in number_format:
            return day.strftime("%Y-%m")
        return day.isoformat()
    if isinstance(value, str):
        return value.strip()
    return value
