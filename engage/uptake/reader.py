"""The provider's file as a header and rows: CSV in any common dialect, or an XLSX sheet.

What was detected (format, encoding, delimiter, sheet) is reported, never guessed silently.
CSV text is decoded by the directory's one decoder (`decode_csv_bytes`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from engage.directory.errors import ImportRejected
from engage.directory.files import decode_csv_bytes, sniff_dialect
from engage.uptake.errors import UptakeRejected
from engage.uptake.workbook import (
    MACROS,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    inspect,
    open_archive,
    sheet_parts,
    too_many_rows,
)

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
    headers = [h.strip() for h in _within_limits(headers, 1)]
    return Table(headers, _csv_rows(reader), detected, estimate)


_HEADER_ADVICE = ("The first row must name the columns (date, organisation_code, service, "
                  "count ...). Add it and upload the file again.")


def _csv_rows(reader: Any) -> Iterator[tuple[int, list[Any]]]:
    number = 1
    try:
        for row in reader:
            number += 1
            if number > MAX_ROWS:
                raise too_many_rows(number, "The file")
            if not any(cell.strip() for cell in row):
                continue
            yield number, _within_limits(row, number)
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

    if filename.lower().endswith(".xlsm"):
        raise UptakeRejected(MACROS)
    # Sizes and rows first, from the archive's entries and the sheet's XML: nothing is parsed
    # before they pass.
    names, chosen, last_row = inspect(data, sheet)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        ws = book[chosen]
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise UptakeRejected(
            "This Excel file cannot be opened: it is damaged, password-protected or not really "
            "a workbook. Open it in Excel, save it again as 'Excel Workbook (.xlsx)' or as CSV "
            "UTF-8, and upload that.") from None
    ws.reset_dimensions()  # counted above; a declared size would pad every row to it
    header_cells = next(iter(ws.iter_rows(max_row=1)), ())
    headers = [str(c.value).strip() if c.value is not None else "" for c in header_cells]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise UptakeRejected(f"The sheet '{chosen}' is empty. " + _HEADER_ADVICE)
    headers = _within_limits(headers, 1)
    detected = {"format": "Excel workbook (.xlsx)", "sheet": chosen + (
        " (the first)" if not sheet else "")}
    # Cells to the right of the header belong to no column, so they are not read.
    rows = ws.iter_rows(min_row=2, max_col=len(headers))
    return Table(headers, _xlsx_rows(rows), detected, max(last_row - 1, 0), names)


def sheet_names(data: bytes) -> list[str]:
    """The sheets of a workbook, or [] when it is not one that can be opened."""
    if not data.startswith(XLSX_MAGIC):
        return []
    try:
        if any(n.lower().endswith("vbaproject.bin") for n in open_archive(data).namelist()):
            return []
        return [name for name, _ in sheet_parts(data)]
    except UptakeRejected:
        return []


def row_estimate(data: bytes, filename: str = "", sheet: str | None = None) -> int:
    """About how many rows the file has, without parsing them; 0 when it cannot be read."""
    try:
        if data.startswith(XLSX_MAGIC) or filename.lower().endswith((".xlsx", ".xlsm")):
            return max(inspect(data, sheet)[2] - 1, 0)
        return read_table(data, filename, sheet).estimated_rows
    except UptakeRejected:
        return 0


def cell_name(row: int, column: int) -> str:
    """A cell as a spreadsheet names it (C5), counting columns from 0."""
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column + 1)}{row}"


def _within_limits(values: list[Any], row: int) -> list[Any]:
    """The row's values, or UptakeRejected naming the first cell over a limit."""
    if len(values) > MAX_COLUMNS:
        raise UptakeRejected(
            f"Row {row:,} has {len(values):,} columns; engage reads files of at most "
            f"{MAX_COLUMNS} columns. Delete the columns engage does not need and upload the "
            "file again.")
    for column, value in enumerate(values):
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            raise UptakeRejected(
                f"Cell {cell_name(row, column)} holds {len(value):,} characters; engage reads "
                f"at most {MAX_CELL_CHARS:,} in one cell, and no figure it keeps is that long. "
                "Shorten the cell, or delete the column if engage does not need it, and upload "
                "the file again.")
    return values


def _xlsx_rows(rows: Iterator[Any]) -> Iterator[tuple[int, list[Any]]]:
    number = 1
    for cells in rows:
        number += 1
        if number > MAX_ROWS:  # the XML was counted, but openpyxl also makes up missing rows
            raise too_many_rows(number, "The sheet")
        values = [_cell_value(c) for c in cells]
        if not any(v not in (None, "") and str(v).strip() for v in values):
            continue
        yield number, _within_limits(values, number)


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
