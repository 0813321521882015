"""UK time, working days and business hours (England bank holidays from the holidays library)."""

from __future__ import annotations

from datetime import date

from engage.reminders.models import OffsetUnit
from engage.reminders.timing import (
    BusinessHours,
    bank_holiday,
    is_working_day,
    next_business_time,
    previous_business_time,
    shift,
)
from tests.reminders.support import utc

HOURS = BusinessHours()


def test_england_bank_holidays_are_not_working_days():
    assert bank_holiday(date(2026, 12, 28)) == "Boxing Day (observed)"
    assert not is_working_day(date(2026, 4, 3))  # Good Friday
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert is_working_day(date(2026, 11, 27))


def test_a_day_before_is_the_same_uk_clock_time_across_the_spring_change():
    # Sunday 29 March 2026 11:00 BST is 10:00 UTC; the day before, 11:00 GMT, is 11:00 UTC.
    assert shift(utc(2026, 3, 29, 10), -1, OffsetUnit.DAYS) == utc(2026, 3, 28, 11)
    assert shift(utc(2026, 3, 29, 10), -24, OffsetUnit.HOURS) == utc(2026, 3, 28, 10)


def test_next_business_time_skips_weekends_and_bank_holidays():
    # Good Friday 2026 noon, then Easter Monday: the next business time is Tuesday 09:00 BST.
    assert next_business_time(utc(2026, 4, 3, 11), HOURS) == utc(2026, 4, 7, 8)
    # Before opening on a working day: that morning at 09:00 GMT.
    assert next_business_time(utc(2026, 11, 24, 6), HOURS) == utc(2026, 11, 24, 9)
    # Within hours: unchanged.
    assert next_business_time(utc(2026, 11, 24, 12), HOURS) == utc(2026, 11, 24, 12)


def test_previous_business_time_goes_early_never_late():
    # A reminder due on Boxing Day observed (Monday 28 December) at 10:00 goes on Thursday 24th.
    assert previous_business_time(utc(2026, 12, 28, 10), HOURS) == utc(2026, 12, 24, 10)
    # 20:00 on a working day: that day's close.
    assert previous_business_time(utc(2026, 11, 24, 20), HOURS) == utc(2026, 11, 24, 17)
    # 07:00 on a Tuesday: Monday's close.
    assert previous_business_time(utc(2026, 11, 24, 7), HOURS) == utc(2026, 11, 23, 17)
