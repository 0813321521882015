"""When a message may go: UK local time, working days and business hours.

Days are calendar days in Europe/London ("1 day before a 10:00 webinar" is 10:00 the day
before, summer time or not); hours are exact elapsed hours. Working days are Monday to Friday
less the bank holidays in England, from the maintained `holidays` calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from engage.reminders.models import OffsetUnit
from engage.timezone import LONDON

if TYPE_CHECKING:  # the calendars are imported when a date is first checked, not at start-up
    import holidays

# How far a search for a working day may go: more than any run of holidays and weekends.
_MAX_DAYS_SEARCHED = 30


@dataclass(frozen=True)
class BusinessHours:
    """The part of a working day messages may go in, UK time: [start, end]."""

    start: time = time(9)
    end: time = time(17)

    @classmethod
    def from_config(cls, config: dict[str, object]) -> BusinessHours:
        return cls(time(int(config.get("BUSINESS_HOURS_START", 9))),  # type: ignore[call-overload]
                   time(int(config.get("BUSINESS_HOURS_END", 17))))  # type: ignore[call-overload]


@lru_cache(maxsize=16)
def _england_holidays(year: int) -> holidays.HolidayBase:
    import holidays

    return holidays.country_holidays("GB", subdiv="ENG", years=year)


def bank_holiday(day: date) -> str | None:
    """The name of the bank holiday in England on `day`, if it is one."""
    return _england_holidays(day.year).get(day)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and bank_holiday(day) is None


def _at(day: date, clock: time) -> datetime:
    # Through UTC and back, so a wall time in the spring gap lands on a real instant.
    return datetime.combine(day, clock, tzinfo=LONDON).astimezone(UTC)


def shift(moment: datetime, amount: int, unit: OffsetUnit) -> datetime:
    """`moment` moved by `amount` hours (elapsed) or days (UK calendar, same clock time)."""
    if unit is OffsetUnit.HOURS:
        return moment + timedelta(hours=amount)
    local = moment.astimezone(LONDON)
    return _at(local.date() + timedelta(days=amount), local.time().replace(tzinfo=None))


def next_business_time(moment: datetime, hours: BusinessHours) -> datetime:
    """`moment` if it is in business hours on a working day, else the next start of them."""
    local = moment.astimezone(LONDON)
    day, clock = local.date(), local.time().replace(tzinfo=None)
    if is_working_day(day) and hours.start <= clock <= hours.end:
        return moment
    if is_working_day(day) and clock < hours.start:
        return _at(day, hours.start)
    for _ in range(_MAX_DAYS_SEARCHED):
        day += timedelta(days=1)
        if is_working_day(day):
            return _at(day, hours.start)
    return moment


def previous_business_time(moment: datetime, hours: BusinessHours) -> datetime:
    """The latest time in business hours at or before `moment` (a reminder may go early, never
    late): a Sunday 10:00 reminder goes on Friday at 10:00, a 20:00 one at the day's close."""
    local = moment.astimezone(LONDON)
    day, clock = local.date(), local.time().replace(tzinfo=None)
    if is_working_day(day):
        if hours.start <= clock <= hours.end:
            return moment
        if clock > hours.end:
            return _at(day, hours.end)
        clock = hours.end  # before opening: the previous working day's close
    else:
        clock = min(max(clock, hours.start), hours.end)
    for _ in range(_MAX_DAYS_SEARCHED):
        day -= timedelta(days=1)
        if is_working_day(day):
            return _at(day, clock)
    return moment
