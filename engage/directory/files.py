"""Turning an uploaded file into text, or saying plainly why it is not a CSV file."""

from __future__ import annotations

import codecs
import csv
import hashlib

from engage.directory.errors import ImportRejected

# Signatures of files people upload by mistake, and what to do instead.
_SAVE_AS_CSV = (
    "Open it in Excel or another spreadsheet, choose File > Save As > "
    "'CSV UTF-8 (Comma delimited)' and upload the .csv file."
)
KNOWN_BINARIES = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another zipped file", _SAVE_AS_CSV),
    (b"\xd0\xcf\x11\xe0", "an old-style Excel workbook (.xls)", _SAVE_AS_CSV),
    (b"\x89PNG", "a PNG image", "Upload the CSV file itself rather than a picture of it."),
    (b"\xff\xd8\xff", "a JPEG image", "Upload the CSV file itself rather than a picture of it."),
    (b"GIF8", "a GIF image", "Upload the CSV file itself rather than a picture of it."),
    (b"%PDF", "a PDF document", "Upload the CSV file the report was made from."),
)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_csv_bytes(data: bytes, what: str) -> str:
    """The file's text: UTF-16 (as Teams writes), UTF-8 (with or without a mark) or Windows-1252.

    Raises ImportRejected for an empty file or one that is not text at all, naming what it
    looks like so the person knows which file to pick instead.
    """
    if not data.strip(b" \t\r\n\x00") or data in (
        codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8
    ):
        raise ImportRejected(
            f"The file is empty. Choose the {what} and upload it again; if it came from an "
            "email or a download, check the download finished."
        )
    for magic, looks_like, advice in KNOWN_BINARIES:
        if data.startswith(magic):
            raise ImportRejected(f"This is {looks_like}, not a CSV file. {advice}")
    encoding = _utf16_encoding(data)
    if encoding is not None:
        try:
            return _without_nul(data.decode(encoding))
        except UnicodeDecodeError:
            raise ImportRejected(
                "The file starts like UTF-16 text but its characters cannot be read; it may be "
                "damaged. " + _SAVE_AS_CSV
            ) from None
    if b"\x00" in data[:65536]:
        raise ImportRejected(
            "This is not a CSV text file (it contains binary data). " + _SAVE_AS_CSV
        )
    try:
        return _without_nul(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        pass
    try:
        # Excel's plain "CSV (Comma delimited)" on Windows writes this code page.
        return _without_nul(data.decode("cp1252"))
    except UnicodeDecodeError:
        raise ImportRejected(
            "The file's characters cannot be read: it is not UTF-16, UTF-8 or Windows-1252 "
            "text. " + _SAVE_AS_CSV
        ) from None


def _without_nul(text: str) -> str:
    """The text, if it holds no NUL anywhere: the first 64 KB are not the whole file, and a NUL
    would be stored in a name or refused by PostgreSQL half-way through the import."""
    at = text.find("\x00")
    if at >= 0:
        line = text.count("\n", 0, at) + 1
        raise ImportRejected(
            f"Line {line} of the file contains a NUL character (a zero byte), which CSV text "
            "never holds; the file may be damaged or not a CSV file. Remove that character, "
            "or " + _SAVE_AS_CSV[0].lower() + _SAVE_AS_CSV[1:]
        )
    return text


def _utf16_encoding(data: bytes) -> str | None:
    """UTF-16 by its byte-order mark, or by the zero bytes ASCII text has in every other place."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # reads the mark and drops it
    sample = data[:4096]
    if len(sample) < 4:
        return None
    half = len(sample) // 2
    even_zeros = sample[0::2].count(0)
    odd_zeros = sample[1::2].count(0)
    if odd_zeros > half * 0.6 and even_zeros < half * 0.05:
        return "utf-16-le"
    if even_zeros > half * 0.6 and odd_zeros < half * 0.05:
        return "utf-16-be"
    return None


def sniff_dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    """The delimiter and quoting of a CSV file with a header: comma, semicolon or tab."""
    sample = text[:65536]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        # A single-column file has no delimiter to find; the header check then says what is missing.
        return csv.excel


def unreadable(exc: csv.Error) -> ImportRejected:
    """What to say when the csv module gives up on a file (a huge field, a stray NUL ...)."""
    return ImportRejected(
        f"The file cannot be read as CSV ({exc}). Check it is the right file, saved as CSV "
        "text, and upload it again."
    )
