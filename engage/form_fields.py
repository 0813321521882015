"""Date fields that refuse years no outreach falls in, before a view adds a day to them.

WTForms reads 9999-12-31 and 0001-01-01 as good dates; the first day after one, or the month
before the other, is beyond what Python's `date` holds, so pages showing them would fail.
"""

from __future__ import annotations

from typing import Any

from wtforms import DateField, DateTimeLocalField

from engage.request_values import FIRST_YEAR, LAST_YEAR


def _check_year(field: Any) -> None:
    if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        field.data = None
        raise ValueError(f"Enter a date between {FIRST_YEAR} and {LAST_YEAR}.")


class DayField(DateField):
    """A date between FIRST_YEAR and LAST_YEAR."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        _check_year(self)


class LocalTimeField(DateTimeLocalField):
    """A date and time (UK wall clock) between FIRST_YEAR and LAST_YEAR."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        _check_year(self)
