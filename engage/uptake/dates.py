"""Reading the provider's dates: a day or a month, strictly, with no silent US-date guessing.

Slashed days (`06/07/2022`) are read day-first or month-first for the whole file: the order is
taken from the values that can only be one way (a 14 before the first slash is a day), or from
what the manager chose; a file that mixes both, or gives no way to tell, is refused.
"""

from __future__ import annotations

import re
from datetime import date

DAY, MONTH = "day", "month"
AUTO, DMY, MDY = "auto", "dmy", "mdy"
DATE_ORDERS = {AUTO: "Work it out from the file", DMY: "Day first (06/07/2022 is 6 July 2022)",
               MDY: "Month first (06/07/2022 is 7 June 2022)"}

_MONTHS = {name: n for n, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")], start=1) for name in names}
_ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_ISO_MONTH = re.compile(r"^(\d{4})[-/](\d{1,2})$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})/(\d{4})$")
_SLASHED = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})$")
_NAMED_DAY = re.compile(r"^(\d{1,2})[ -]([a-z]+)[ -](\d{4}|\d{2})$")
_NAMED_MONTH = re.compile(r"^([a-z]+)[ -](\d{4}|\d{2})$")

FORMATS_HINT = ("Write a day as 2022-06-14 or 14/06/2022, or a month as 2022-06, Jun-22 or "
                "June 2022.")


class DateProblem(ValueError):
    """A value that is not a date engage can read; the message says what to write instead."""


class Slashed:
    """A day written a/b/year whose order is settled once the whole file has been read."""

    __slots__ = ("first", "second", "year")

    def __init__(self, first: int, second: int, year: int) -> None:
        self.first, self.second, self.year = first, second, year

    def resolve(self, order: str) -> date:
        day, month = (self.first, self.second) if order == DMY else (self.second, self.first)
        return _make(self.year, month, day)


def _year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)


def _make(year: int, month: int, day: int = 1) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateProblem(f"there is no such date (day {day}, month {month}, year {year})."
                          ) from None


def _month_number(name: str) -> int:
    number = _MONTHS.get(name)
    if number is None:
        raise DateProblem(f"'{name}' is not a month name. " + FORMATS_HINT)
    return number


def parse_date(value: object) -> tuple[date | Slashed, str]:
    """A value as (date or pending slashed day, precision); DateProblem if unreadable."""
    text = " ".join(str(value if value is not None else "").strip().lower().split())
    if not text:
        raise DateProblem("the date is empty. " + FORMATS_HINT)
    if m := _ISO_DAY.match(text):
        return _make(int(m[1]), int(m[2]), int(m[3])), DAY
    if m := _ISO_MONTH.match(text):
        return _make(int(m[1]), int(m[2])), MONTH
    if m := _MONTH_YEAR.match(text):
        return _make(int(m[2]), int(m[1])), MONTH
    if m := _SLASHED.match(text):
        first, second, year = int(m[1]), int(m[3]), _year(m[4])
        if first > 12 and second > 12:
            raise DateProblem("neither part before the year can be a month. " + FORMATS_HINT)
        return Slashed(first, second, year), DAY
    if m := _NAMED_DAY.match(text):
        return _make(_year(m[3]), _month_number(m[2]), int(m[1])), DAY
    if m := _NAMED_MONTH.match(text):
        return _make(_year(m[2]), _month_number(m[1])), MONTH
    raise DateProblem("this is not a date engage can read. " + FORMATS_HINT)


def slashed_order(values: list[Slashed], chosen: str) -> tuple[str | None, str]:
    """The order to read slashed days in, and how it was decided; None when it cannot be."""
    if chosen in (DMY, MDY):
        return chosen, "as chosen"
    day_first = next((v for v in values if v.first > 12), None)
    month_first = next((v for v in values if v.second > 12), None)
    if day_first and month_first:
        return None, (
            f"the dates mix day-first ({day_first.first}/{day_first.second}/{day_first.year}) "
            f"and month-first ({month_first.first}/{month_first.second}/{month_first.year}) "
            "order. Correct the file so every date is written the same way (best: 2022-06-14)."
        )
    if day_first:
        return DMY, (f"day first, because of {day_first.first}/{day_first.second}/"
                     f"{day_first.year}")
    if month_first:
        return MDY, (f"month first, because of {month_first.first}/{month_first.second}/"
                     f"{month_first.year}")
    example = values[0]
    return None, (
        f"dates such as {example.first:02d}/{example.second:02d}/{example.year} could be day "
        "first or month first, and no date in the file settles it. Choose how the file writes "
        "dates (day first is usual in the UK) and check it again, or write dates as 2022-06-14."
    )


