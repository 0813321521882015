"""Request values no page can use are refused at the door, with a 400 or a 404, never a 500.

A NUL byte is valid in a URL and a form but not in a PostgreSQL string, so it would fail deep
inside a query; an id beyond what the column holds overflows the query. Both are refused here
once, for every route, instead of in each view.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import request
from werkzeug.routing import IntegerConverter

from engage.errors import render_error

# The largest value an id column holds on every database: the ids are INTEGER, which is 32 bits
# on PostgreSQL (SQLite's is 64); beyond it PostgreSQL refuses the query instead of finding
# nothing.
MAX_DB_INT = 2**31 - 1
NUL = "\x00"
INTEGER = re.compile(r"-?[0-9]{1,20}")
# The years a date typed into engage may fall in: wide enough for any outreach, narrow enough
# that adding a year or a month to it never leaves what Python and the databases can hold.
FIRST_YEAR, LAST_YEAR = 1900, 2999
# More pages than any list here will have; times a page size it stays within a 64-bit OFFSET.
MAX_PAGE = 1_000_000
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that only matches what a database id column can hold; the rest is a 404."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = MAX_DB_INT, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def has_nul(values: Any) -> bool:
    """Any key or value of a MultiDict holding a NUL byte."""
    return any(NUL in key or NUL in value for key, value in values.items(multi=True))


NUL_TITLE = "The request holds a character engage cannot read"
NUL_MESSAGE = ("The web address, a field or a file name you sent contains a NUL character "
               "(an invisible control character, often pasted from another program). Type the "
               "address or the value again, or rename the file, and try again.")


def reject_nul_bytes() -> tuple[str, int] | None:
    """Before every request: a NUL in the path, the query string or a form field is a 400."""
    nul = NUL in request.path or has_nul(request.args)
    if not nul and request.mimetype in FORM_TYPES:
        nul = has_nul(request.form) or any(NUL in (f.filename or "")
                                           for f in request.files.values())
    return render_error(400, NUL_TITLE, NUL_MESSAGE) if nul else None


def bounded_int(raw: object, *, minimum: int = 0, maximum: int = MAX_DB_INT) -> int | None:
    """`raw` as an int within [minimum, maximum], or None if it is not one."""
    text = str(raw if raw is not None else "").strip()
    if not INTEGER.fullmatch(text):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def in_year_range(day: date) -> bool:
    return FIRST_YEAR <= day.year <= LAST_YEAR


def parse_day(raw: object) -> date | None:
    """`2022-06-30` as a date between FIRST_YEAR and LAST_YEAR, or None if it is not one."""
    text = str(raw if raw is not None else "").strip()
    if len(text) != 10:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if in_year_range(day) else None
