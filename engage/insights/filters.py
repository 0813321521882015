"""The filters every insight page, export and snapshot shares, carried in the URL.

A view is shared by copying its address, so the filters live in the query string and nowhere
else; a bad value gets a message and the default, never a 500. A period the user did not choose
is left out of the URL, so choosing a campaign afterwards brings its dates (`period.py` works
out the default period from the data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from engage.form_fields import REAL_DATE, DateProblem, date_from_parts, typed_parts
from engage.request_values import FIRST_YEAR, LAST_YEAR, bounded_int, parse_day
from engage.timezone import add_months, month_start

DEFAULT_MONTHS = 12


@dataclass(frozen=True)
class InsightFilters:
    """Period (inclusive London dates), and optionally one campaign, service and locality."""

    start: date
    end: date
    campaign_id: int | None = None
    service_id: int | None = None
    locality_id: int | None = None
    problems: tuple[str, ...] = field(default=(), compare=False)
    # Whether `start` or `end` came from the user; otherwise the period is a default.
    period_chosen: bool = field(default=False, compare=False)
    # Why this period is shown, in words, when it is a default.
    period_note: str = field(default="", compare=False)
    # True when nothing was recorded in the period; then the latest months with data, if any.
    period_empty: bool = field(default=False, compare=False)
    suggested_period: tuple[date, date] | None = field(default=None, compare=False)

    @classmethod
    def default(cls, today: date) -> InsightFilters:
        """The last twelve whole months up to today."""
        start = add_months(month_start(today), -(DEFAULT_MONTHS - 1))
        return cls(start=start, end=today)

    @classmethod
    def from_args(cls, args: Mapping[str, Any], *, today: date) -> InsightFilters:
        """Read `start`, `end` (YYYY-MM-DD, or the date input's day, month and year boxes),
        `campaign`, `service`, `locality` from a query."""
        base = cls.default(today)
        problems: list[str] = []

        def read_date(name: str, fallback: date) -> date:
            raw = (args.get(name) or "").strip()
            parts = typed_parts(args, name)
            if parts is not None:
                try:
                    return date_from_parts(parts, f"The {name} date")
                except DateProblem as problem:
                    message = (f"Enter a real {name} date" if str(problem) == REAL_DATE
                               else str(problem).replace("Year", f"The {name} date's year"))
                    problems.append(f"{message}; showing {fallback.isoformat()} instead.")
                    return fallback
            if not raw:
                return fallback
            day = parse_day(raw)
            if day is None:
                problems.append(f"The {name} date {raw[:20]!r} is not a date like 2022-06-30 "
                                f"between {FIRST_YEAR} and {LAST_YEAR}; "
                                f"showing {fallback.isoformat()} instead.")
                return fallback
            return day

        def read_id(name: str) -> int | None:
            raw = (args.get(name) or "").strip()
            if not raw:
                return None
            number = bounded_int(raw, minimum=1)
            if number is not None:
                return number
            problems.append(f"The {name} {raw[:20]!r} is not one of the choices; showing all.")
            return None

        start = read_date("start", base.start)
        end = read_date("end", base.end)
        if end < start:
            problems.append("The period ends before it starts; the dates have been swapped.")
            start, end = end, start
        chosen = any((args.get(name) or "").strip() or typed_parts(args, name) is not None
                     for name in ("start", "end"))
        return cls(start=start, end=end, campaign_id=read_id("campaign"),
                   service_id=read_id("service"), locality_id=read_id("locality"),
                   problems=tuple(problems), period_chosen=chosen)

    def to_args(self, **changes: Any) -> dict[str, str]:
        """Query arguments reproducing these filters (with `changes` applied), for links: the
        dates only when the user chose them, so a default period stays a default."""
        if "start" in changes or "end" in changes:
            changes["period_chosen"] = True
        f = replace(self, **changes) if changes else self
        args = f.period_args()
        if not f.period_chosen:
            del args["start"], args["end"]
        return args

    def period_args(self) -> dict[str, str]:
        """Query arguments with the dates always written: for snapshots, exports and the audit
        log, which must keep the period that was shown."""
        args = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        for name, value in (("campaign", self.campaign_id), ("service", self.service_id),
                            ("locality", self.locality_id)):
            if value is not None:
                args[name] = str(value)
        return args

    def previous(self) -> InsightFilters:
        """The period of the same length just before this one (for "change since")."""
        length = (self.end - self.start).days + 1
        end = self.start - timedelta(days=1)
        return replace(self, start=end - timedelta(days=length - 1), end=end, problems=())
