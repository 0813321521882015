"""Workbooks written straight with zipfile: a normal small one, and the bombs the limits refuse.

Each is built at test time from highly compressible parts, so it is small on disk and in the
repository (nothing is stored) yet declares hundreds of megabytes or a million rows.
"""

from __future__ import annotations

import io
import itertools
import zipfile
from collections.abc import Iterable

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>'
    "</Types>")
ROOT_RELS = (
    f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
    f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (
    f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
    '<sheet name="Referrals" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    f'<Relationships xmlns="{PKG_REL}">'
    f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>")

HEADER_ROW = ('<row r="1">' + "".join(
    f'<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>'
    for col, name in zip("ABCD", ("date", "organisation_code", "service", "count"), strict=True)
) + "</row>").encode()
BLOCK = 10_000


def figures_row(number: int) -> bytes:
    """A row of figures numbered as Excel writes it (row and cell references)."""
    return (f'<row r="{number}" spans="1:4"><c r="A{number}" t="inlineStr"><is><t>2022-06'
            f'</t></is></c><c r="B{number}" t="inlineStr"><is><t>A8100{number % 3 + 1}</t>'
            f'</is></c><c r="C{number}" t="inlineStr"><is><t>Medical Helpline</t></is></c>'
            f'<c r="D{number}"><v>{number % 7}</v></c></row>').encode()


def workbook(sheet_rows: Iterable[bytes], *, dimension: str | None = None,
             shared_strings: Iterable[bytes] = (), before_rows: bytes = b"") -> bytes:
    """An XLSX file whose sheet XML and shared strings are written from the chunks given."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<worksheet xmlns="{MAIN}">'.encode())
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(before_rows + b"<sheetData>")
            for chunk in sheet_rows:
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
            strings.write(f'<sst xmlns="{MAIN}">'.encode())
            for chunk in shared_strings:
                strings.write(chunk)
            strings.write(b"</sst>")
    return out.getvalue()


def rows_of_figures(count: int) -> Iterable[bytes]:
    """The header and `count` identical rows of figures, in blocks."""
    yield HEADER_ROW
    for start in range(2, count + 2, BLOCK):
        yield b"".join(figures_row(n) for n in range(start, min(start + BLOCK, count + 2)))


def many_rows(count: int, *, declare: bool = True) -> bytes:
    """A workbook of `count` rows of figures; the sheet declares its size unless told not to."""
    return workbook(rows_of_figures(count), dimension=f"A1:D{count + 1}" if declare else None)


def many_identical_rows(count: int) -> bytes:
    """The probe's bomb: `count` identical unnumbered rows under a header, declared."""
    row = (b'<row><c t="inlineStr"><is><t>2022-06</t></is></c><c t="inlineStr"><is><t>'
           b'A81001</t></is></c><c t="inlineStr"><is><t>Medical Helpline</t></is></c>'
           b"<c><v>1</v></c></row>")
    blocks = (row * min(BLOCK, count - start) for start in range(0, count, BLOCK))
    return workbook(itertools.chain([HEADER_ROW], blocks), dimension=f"A1:D{count + 1}")


def shared_string_bomb(megabytes: int) -> bytes:
    """A workbook whose one shared string, the first heading, unpacks to `megabytes` MB."""
    mib = b"A" * (1024 * 1024)
    text = (mib for _ in range(megabytes))
    header = b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    return workbook([header], shared_strings=[b"<si><t>", *text, b"</t></si>"])


def padded_sheet(megabytes: int) -> bytes:
    """A two-row sheet padded with blank space: nothing a spreadsheet writes compresses so."""
    blank = b" " * (1024 * 1024)
    return workbook(rows_of_figures(1), before_rows=b"".join([blank] * megabytes))
