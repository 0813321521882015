"""Campaign days and form times in UK local time, turned into the UTC instants that are stored."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from engage.timezone import LONDON, day_start


def london_to_utc(local: datetime) -> datetime:
    """A wall-clock time typed in the UK (naive) as an aware UTC instant.

    In the autumn hour that happens twice the first (summer time) reading is taken; a time in
    the spring hour that never happens is read with the offset before the change.
    """
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    return local.replace(tzinfo=LONDON).astimezone(UTC)


def utc_to_london_naive(value: datetime | None) -> datetime | None:
    """A stored instant as the wall-clock time a UK form shows."""
    if value is None:
        return None
    return value.astimezone(LONDON).replace(tzinfo=None)


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """From the first day's start to the start of the day after the last (UK days), in UTC."""
    return day_start(start), day_start(end + timedelta(days=1))
