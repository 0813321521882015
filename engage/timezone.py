"""UK time, in one place: the database stores UTC instants, people count in UK days and months."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def uk_day(instant: datetime) -> date:
    """The UK calendar day an aware instant falls on."""
    return instant.astimezone(LONDON).date()


def day_start(day: date) -> datetime:
    """The UTC instant a UK day starts: 23:00 or 00:00 UTC depending on daylight saving."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def add_months(first: date, months: int) -> date:
    """The first day of the month `months` after (or before) `first`'s."""
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
