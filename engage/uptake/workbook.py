"""Opening an uploaded workbook within limits that hold before its cost is paid.

An XLSX file is a zip archive: 300 KB can declare 300 MB of shared strings, or a million rows.
So before openpyxl parses anything, the archive's own entries are checked (each part's
declared uncompressed size, their total, the compression ratio, the shared strings), and the
chosen sheet's rows are counted from its XML as it is inflated in chunks: the declared
`<dimension>` first, then every `<row>` tag, stopping as soon as the limit is passed. A bomb
is refused in well under a second, in little memory. zipfile never returns more bytes than an
entry declares (and checks the CRC at the end), so the declared sizes are the real bound.
"""

from __future__ import annotations

import io
import re
import zipfile

from engage.uptake.errors import UptakeRejected

# Rows in one sheet or CSV file, the header included: the provider's file is designed for
# 200,000 rows (docs/performance.md), so this leaves room and no more.
MAX_ROWS = 250_001
MAX_COLUMNS = 200
# Characters in one cell. No field engage keeps is longer than 120; this leaves room for
# ignored free-text columns while keeping every value, message and preview small.
MAX_CELL_CHARS = 1_000
MAX_ENTRIES = 1_000
# One part of the archive, uncompressed: a 250,000-row sheet written with inline strings by
# openpyxl is about 130 MB; Excel's (shared strings) is smaller.
MAX_PART_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 320 * 1024 * 1024
# Every distinct text of the workbook, which openpyxl holds in memory while reading.
MAX_SHARED_STRINGS_BYTES = 32 * 1024 * 1024
# Sheets compress 10-20 times (text and numbers alike); a bomb compresses hundreds of times.
MAX_RATIO = 100
RATIO_FROM_BYTES = 1024 * 1024  # small parts may compress as they like
CHUNK = 1024 * 1024

_ROOT = re.compile(rb"<([A-Za-z_][\w.\-]*:)?worksheet[\s>]")
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["'](\d{1,12})["']""")
_DIMENSION = re.compile(rb"""<(?:[A-Za-z_][\w.\-]*:)?dimension\s[^>]*ref\s*=\s*["']"""
                        rb"""[A-Za-z]*\d*(?::[A-Za-z]*(\d{1,12}))?["']""")
_SHEET_DATA = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?sheetData[\s/>]")

RESAVE = ("Open it in Excel, check it is the right file, save it again as 'Excel Workbook "
          "(.xlsx)' or as CSV UTF-8, and upload that.")


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MB"


def open_archive(data: bytes) -> zipfile.ZipFile:
    """The workbook's archive, once its declared sizes are within the limits."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise UptakeRejected(
            "This Excel file cannot be opened: it is damaged, password-protected or not really "
            "a workbook. " + RESAVE) from None
    if len(entries) > MAX_ENTRIES:
        raise UptakeRejected(
            f"This workbook holds {len(entries):,} parts; engage opens workbooks of at most "
            f"{MAX_ENTRIES:,}. " + RESAVE)
    total = 0
    for entry in entries:
        size = entry.file_size
        total += size
        if entry.filename.lower().endswith("sharedstrings.xml") and (
                size > MAX_SHARED_STRINGS_BYTES):
            raise UptakeRejected(
                f"This workbook's text takes {_mb(size)} when unpacked; engage reads workbooks "
                f"with at most {_mb(MAX_SHARED_STRINGS_BYTES)} of text. Remove the columns "
                "engage does not need (it reads date, organisation code, service, count and a "
                "few details) or save it as CSV UTF-8, and upload that.")
        if size > MAX_PART_BYTES:
            raise UptakeRejected(
                f"This workbook unpacks to more than {_mb(MAX_PART_BYTES)} in one part "
                f"({entry.filename[:100]}, {_mb(size)}); engage reads at most "
                f"{MAX_ROWS - 1:,} rows. Split the file (for example by month), or remove "
                "unused columns, and upload each part.")
        if size > RATIO_FROM_BYTES and size > MAX_RATIO * max(entry.compress_size, 1):
            raise UptakeRejected(
                f"This workbook's part {entry.filename[:100]} unpacks from "
                f"{entry.compress_size:,} bytes to {_mb(size)}, far more than a spreadsheet "
                "does, so engage does not open it. " + RESAVE)
    if total > MAX_TOTAL_BYTES:
        raise UptakeRejected(
            f"This workbook unpacks to {_mb(total)}; engage reads workbooks of at most "
            f"{_mb(MAX_TOTAL_BYTES)} unpacked. Split the file (for example by month), or "
            "remove unused sheets and columns, and upload each part.")
    return archive


def too_many_rows(rows: int, where: str) -> UptakeRejected:
    return UptakeRejected(
        f"{where} has {rows:,} rows or more; engage reads at most {MAX_ROWS - 1:,} rows of "
        "figures in one file. Split it (for example by month or by quarter) and upload each "
        "part; or, if the rows are empty, delete them in Excel and save the file again.")


def sheet_parts(data: bytes) -> list[tuple[str, str]]:
    """Each sheet's name and the part holding its XML, read from the workbook's index only.

    openpyxl's own reader does this first step; `load_workbook` would go on to read the
    shared strings and (for a sheet that does not declare its size) every row.
    """
    from openpyxl.reader.excel import ExcelReader

    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True)
        reader.read_manifest()
        reader.read_workbook()
        return [(sheet.name, rel.target) for sheet, rel in reader.parser.find_sheets()
                if rel.target in reader.valid_files]
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise UptakeRejected(
            "This Excel file cannot be opened: it is damaged, password-protected or not really "
            "a workbook. " + RESAVE) from None


def count_rows(archive: zipfile.ZipFile, path: str, sheet: str, *,
               declared_is_enough: bool = False) -> int | None:
    """About how many rows the sheet has (its last row number), read from its XML.

    The declared `<dimension>` is read first and a sheet declaring more than MAX_ROWS is
    refused; with `declared_is_enough` a declared size is returned as it is (openpyxl trusts
    it too, and the rows are counted again as they are read). Otherwise every `<row>` tag is
    counted, and the `r` number of the last in each chunk read, stopping once past the limit.
    """
    where = f"The sheet '{sheet[:100]}'"
    count = highest = 0
    tail = b""
    row_tag: re.Pattern[bytes] | None = None
    opening = b"<row"
    before_data = True
    try:
        with archive.open(path) as stream:
            while chunk := stream.read(CHUNK):
                buffer = tail + chunk
                cut = buffer.rfind(b"<")
                if cut <= 0:
                    cut = len(buffer)
                body, tail = buffer[:cut], buffer[cut:]
                if row_tag is None:
                    root = _ROOT.search(body)
                    opening = b"<" + (root[1] if root and root[1] else b"") + b"row"
                    row_tag = re.compile(re.escape(opening) + rb"[\s/>]")
                if before_data:
                    declared = _DIMENSION.search(body)
                    if declared and declared[1]:
                        rows = int(declared[1])
                        if rows > MAX_ROWS:
                            raise too_many_rows(rows, where)
                        if declared_is_enough:
                            return rows
                    before_data = _SHEET_DATA.search(body) is None
                    if not before_data and declared_is_enough:
                        return None
                count += len(row_tag.findall(body))
                last = body.rfind(opening)
                if last >= 0:
                    number = _ROW_NUMBER.search(body, last, body.find(b">", last))
                    if number:
                        highest = max(highest, int(number[1]))
                if max(count, highest) > MAX_ROWS:
                    raise too_many_rows(max(count, highest), where)
    except (zipfile.BadZipFile, KeyError, EOFError, OSError):
        raise UptakeRejected(
            "This Excel file cannot be opened: it is damaged. " + RESAVE) from None
    return max(count, highest)


def inspect(data: bytes, sheet: str | None) -> tuple[list[str], str, int]:
    """Check a workbook before it is opened: (its sheets, the sheet to read, its rows).

    The chosen sheet's rows are counted. Another sheet is looked at only for its declared
    size: openpyxl reads every row of a sheet that declares none just to open the workbook,
    so such a sheet is counted too, and refused over the limit like the chosen one.
    """
    archive = open_archive(data)
    if any(name.lower().endswith("vbaproject.bin") for name in archive.namelist()):
        raise UptakeRejected(MACROS)
    parts = sheet_parts(data)
    names = [name for name, _ in parts]
    if not parts:
        raise UptakeRejected("This Excel file has no sheets. " + RESAVE)
    if sheet and sheet not in names:
        raise UptakeRejected(
            f"The workbook has no sheet called '{sheet[:100]}'. Its sheets are: "
            f"{', '.join(names)}. Choose one of those.")
    chosen = sheet or names[0]
    rows = 0
    for name, path in parts:
        if name == chosen:
            rows = count_rows(archive, path, name) or 0
        elif count_rows(archive, path, name, declared_is_enough=True) is None:
            count_rows(archive, path, name)
    return names, chosen, rows


MACROS = ("This workbook contains macros (.xlsm), which engage does not open. Save a copy as "
          "'Excel Workbook (.xlsx)' or as CSV UTF-8 and upload that.")
