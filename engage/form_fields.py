"""Date fields typed as the NHS.UK date input: day, month and year boxes (and a time box).

Browsers' own date pickers differ, are hard to use with a screen reader and cannot say which part
of a date is wrong, so every date is asked for as three numbers (`<name>-day`, `<name>-month`,
`<name>-year`), as the NHS.UK design system does. A single ISO value under `<name>` (2025-01-31,
or 2025-01-31T14:30 for a time) is still read, so links, scripts and older bookmarks keep working;
when both are sent the ISO value wins, as links that change a period add it beside the parts.

The years are held to FIRST_YEAR..LAST_YEAR: WTForms reads 9999-12-31 and 0001-01-01 as good
dates, and the day after one, or the month before the other, is beyond what Python's `date` holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any

from wtforms import Field
from wtforms.utils import unset_value
from wtforms.widgets import TextInput

from engage.request_values import FIRST_YEAR, LAST_YEAR

try:  # WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice
    from wtforms.fields.choices import SelectChoice

    def choices(pairs: Iterable[tuple[str, str]]) -> list[Any]:
        return [SelectChoice(value=value, label=label) for value, label in pairs]
except ImportError:  # pragma: no cover - WTForms 3.2

    def choices(pairs: Iterable[tuple[str, str]]) -> list[Any]:
        return list(pairs)

PARTS = ("day", "month", "year")
TIME = "time"
NUMBER = re.compile(r"[0-9]{1,4}")
CLOCK = re.compile(r"([0-9]{1,2})[:.]([0-9]{2})")
REAL_DATE = "Enter a real date"
REAL_TIME = "Enter a real time, for example 14:30"
NO_TIME = "Enter a time, for example 14:30"


class DateProblem(ValueError):
    """A typed date that is not one, with the boxes to mark as wrong."""

    def __init__(self, message: str, parts: tuple[str, ...] = PARTS) -> None:
        super().__init__(message)
        self.parts = parts


def _year_message() -> str:
    return f"Enter a date between {FIRST_YEAR} and {LAST_YEAR}."


def date_from_parts(parts: Mapping[str, str], noun: str = "Date") -> date:
    """The date three typed boxes hold, or DateProblem in the NHS.UK wording."""
    missing = tuple(p for p in PARTS if not parts.get(p, "").strip())
    if missing:
        names = " and ".join(missing) if len(missing) < 3 else "a day, month and year"
        raise DateProblem(f"{noun} must include a {names}", missing)
    values = {p: parts[p].strip() for p in PARTS}
    bad = tuple(p for p in PARTS if not NUMBER.fullmatch(values[p]))
    if bad:
        raise DateProblem(REAL_DATE, bad)
    if len(values["year"]) != 4:
        raise DateProblem("Year must include 4 numbers", ("year",))
    try:
        day = date(int(values["year"]), int(values["month"]), int(values["day"]))
    except ValueError:
        raise DateProblem(REAL_DATE) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise DateProblem(_year_message(), ("year",))
    return day


def typed_parts(formdata: Any, name: str, names: tuple[str, ...] = PARTS) -> dict[str, str] | None:
    """The boxes of `name` as typed, or None when none was (or an ISO value was sent instead)."""
    if formdata is None or (formdata.get(name) or "").strip():
        return None
    parts = {p: formdata.get(f"{name}-{p}") or "" for p in names}
    return parts if any(v.strip() for v in parts.values()) else None


class DayField(Field):
    """A date between FIRST_YEAR and LAST_YEAR, typed in the NHS.UK date input."""

    widget = TextInput()
    part_names: tuple[str, ...] = PARTS
    iso_format = "%Y-%m-%d"

    def __init__(self, label: str | None = None, validators: Any = None, *,
                 noun: str | None = None, format: str | None = None,  # noqa: A002
                 **kwargs: Any) -> None:
        super().__init__(label, validators, **kwargs)
        self.noun = noun or "Date"
        if format:
            self.iso_format = format
        self.parts: dict[str, str] | None = None
        self.wrong_parts: tuple[str, ...] = ()

    @property
    def error_target(self) -> str:
        """The box the error summary links to: the first of the fieldset (the time box when
        only the time is wrong)."""
        if self.wrong_parts == (TIME,):
            return f"{self.id}-{TIME}"
        return f"{self.id}-day"

    def part_values(self) -> dict[str, str]:
        """What each box shows: what was typed, else the field's date."""
        if self.parts is not None:
            return self.parts
        values = dict.fromkeys(self.part_names, "")
        if isinstance(self.data, date):
            values.update(day=str(self.data.day), month=str(self.data.month),
                          year=str(self.data.year))
        if isinstance(self.data, datetime):
            values[TIME] = self.data.strftime("%H:%M")
        elif self.raw_data and self.raw_data[0] and not self.data:
            # An ISO value that was not a date: show it back in the boxes as far as it splits.
            pieces = self.raw_data[0].split("T")[0].split("-")
            if len(pieces) == 3:
                values.update(year=pieces[0], month=pieces[1], day=pieces[2])
        return values

    def _value(self) -> str:
        return self.data.strftime(self.iso_format) if self.data else ""

    def process(self, formdata: Any, data: Any = unset_value,
                extra_filters: Any = None) -> None:
        self.parts = typed_parts(formdata, self.name, self.part_names)
        self.wrong_parts = ()
        super().process(formdata, data, extra_filters)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if self.parts is not None:
            # Validators such as InputRequired and Optional look at raw_data.
            self.raw_data = [" ".join(self.parts.values())]
            self.data = None
            self.data = self._from_parts(self.parts)
            return
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        self.data = None
        try:
            self.data = self._from_iso(" ".join(valuelist).strip())
        except DateProblem as problem:
            self.wrong_parts = problem.parts
            raise

    def _from_parts(self, parts: dict[str, str]) -> Any:
        try:
            return date_from_parts(parts, self.noun)
        except DateProblem as problem:
            self.wrong_parts = problem.parts
            raise

    def _from_iso(self, text: str) -> Any:
        try:
            moment = datetime.strptime(text, self.iso_format)
        except ValueError:
            raise DateProblem(REAL_DATE) from None
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise DateProblem(_year_message(), ("year",))
        return moment if TIME in self.part_names else moment.date()


class LocalTimeField(DayField):
    """A date and time (UK wall clock, naive) between FIRST_YEAR and LAST_YEAR: the date input
    and a 24-hour time box."""

    part_names = (*PARTS, TIME)
    iso_format = "%Y-%m-%dT%H:%M"

    def _from_parts(self, parts: dict[str, str]) -> Any:
        day = super()._from_parts(parts)
        raw = parts.get(TIME, "").strip()
        if not raw:
            self.wrong_parts = (TIME,)
            raise DateProblem(NO_TIME, (TIME,))
        match = CLOCK.fullmatch(raw)
        try:
            if not match:
                raise ValueError(raw)
            clock = time(int(match.group(1)), int(match.group(2)))
        except ValueError:
            self.wrong_parts = (TIME,)
            raise DateProblem(REAL_TIME, (TIME,)) from None
        return datetime.combine(day, clock)
