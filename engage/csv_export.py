"""Every CSV the app and its commands write goes through `csv_writer`, so none can carry a
spreadsheet formula (CSV injection).

Excel, LibreOffice and Google Sheets run a cell as a formula when its text starts with `=`,
`+`, `-` or `@` (and Excel also with a tab or carriage return, and with the full-width forms
＝ ＋ － ＠ that it folds to ASCII). A name such as `=HYPERLINK("http://evil", "Open")` in the
directory would otherwise become a live link, or worse, on the steering group's machines.

Two more ways in are closed: a cell whose text starts with a run of `;`, `,` or white space
before the trigger (`;=1+1`), which a spreadsheet that trims spaces or splits on another
separator than ours (`;` in much of Europe) reads as a formula; and a trigger after a `;`, `,`,
tab or line break inside the text, which starts a formula in the next column when the file is
split on that character.

Following OWASP's advice, such text gets a single quote (`'`) in front of the cell, and in front
of each trigger that follows a separator inside it: the spreadsheet then shows text, and the
reader can see the apostrophe was added. Real numbers stay numbers: int, float and Decimal
values are written as they are, and so is text that is a plain finite decimal number (`-6`,
`-0.25`, `1e5`), so the event study's month -6 is a number in the spreadsheet, not `'-6`.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

# What a spreadsheet reads as the start of a formula: ASCII and full-width (U+FF1D, U+FF0B,
# U+FF0D, U+FF20), plus tab and carriage return, which Excel treats the same way.
FORMULA_TRIGGERS = "=+-@\t\r\uff1d\uff0b\uff0d\uff20"
_TRIGGER_CLASS = "=+\\-@\uff1d\uff0b\uff0d\uff20"
# A trigger after a leading run of separators or white space (or a tab or CR at the very start).
_STARTS_FORMULA = re.compile(rf"^(?:[;,\s]*[{_TRIGGER_CLASS}]|[\t\r])")
# A trigger after a separator inside the text: it would start the next column when split there.
_SPLIT_FORMULA = re.compile(rf"([;,\t\r\n][;,\s]*)(?=[{_TRIGGER_CLASS}])")
# Text that a spreadsheet reads as a plain number: left as it is.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def csv_cell(value: Any) -> Any:
    """The value as a cell: numbers as they are, text with any formula trigger neutralised."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if (isinstance(value, float) and math.isfinite(value)) or (
            isinstance(value, Decimal) and value.is_finite()):
        return value
    text = str(value)
    if _NUMBER.fullmatch(text):
        return text
    starts_formula = _STARTS_FORMULA.match(text) is not None
    text = _SPLIT_FORMULA.sub(r"\1'", text)
    return "'" + text if starts_formula else text


class SafeCsvWriter:
    """A `csv.writer` whose every cell goes through `csv_cell`."""

    def __init__(self, stream: _Writable, *, lineterminator: str = "\r\n") -> None:
        self._writer = csv.writer(stream, lineterminator=lineterminator)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([csv_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: _Writable, *, lineterminator: str = "\r\n") -> SafeCsvWriter:
    """The one way to write CSV: files and downloads end lines with CRLF, commands with `\\n`."""
    return SafeCsvWriter(stream, lineterminator=lineterminator)


def csv_text(rows: Iterable[Iterable[Any]], *, lineterminator: str = "\r\n") -> str:
    """Rows as CSV text, through `csv_writer`."""
    out = io.StringIO()
    csv_writer(out, lineterminator=lineterminator).writerows(rows)
    return out.getvalue()
