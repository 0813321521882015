"""Event study: referrals per organisation per month, lined up on each one's first engagement.

Month 0 is the London month of an organisation's first live engagement (of any channel, or of
a chosen one), ever; months -6 to +6 around it are read where they fall inside the period.
Organisations never engaged have no event time and are left out. Within one relative month
every organisation contributes at most one value, so the organisations are independent and a
t interval over them is honest; the pre/post comparison is made within each organisation
(its mean after minus its mean before), which keeps the clustering by organisation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from engage.campaigns.models import Channel
from engage.insights.panel import Panel

WINDOW = 6
MIN_ORGANISATIONS = 2


@dataclass(frozen=True)
class RelativeMonth:
    offset: int
    organisations: int
    referrals: int
    mean: float | None
    low: float | None
    high: float | None

    @property
    def label(self) -> str:
        if self.offset == 0:
            return "Month of first engagement"
        return f"{abs(self.offset)} month{'s' if abs(self.offset) != 1 else ''} " \
               f"{'before' if self.offset < 0 else 'after'}"


@dataclass(frozen=True)
class Difference:
    """Mean of (after − before) per organisation with both, and its 95% interval."""

    organisations: int
    before: float | None
    after: float | None
    change: float | None
    low: float | None
    high: float | None


@dataclass
class EventStudy:
    channel: Channel | None
    months: list[RelativeMonth] = field(default_factory=list)
    engaged: int = 0  # organisations with a first engagement inside the window's reach
    never: int = 0  # organisations in scope never engaged (left out)
    difference: Difference | None = None

    def chart(self) -> dict[str, object]:
        """Data for charts.js: the mean with its interval as three lines."""
        labels = [f"{m.offset:+d}" if m.offset else "0" for m in self.months]
        return {"type": "line", "labels": labels, "series": [
            {"label": "Mean referrals per organisation", "data": [m.mean for m in self.months]},
            {"label": "95% interval, lower", "data": [m.low for m in self.months]},
            {"label": "95% interval, upper", "data": [m.high for m in self.months]},
        ]}


def mean_interval(values: np.ndarray) -> tuple[float | None, float | None, float | None]:
    """Mean of per-organisation counts with a 95% interval (t; exact Poisson if all equal)."""
    n = len(values)
    if n < MIN_ORGANISATIONS:
        return (float(values.mean()) if n else None), None, None
    mean = float(values.mean())
    sd = float(values.std(ddof=1))
    if sd == 0.0:
        # Every organisation had the same count (often all 0): the t interval would have no
        # width, so fall back to the exact Poisson interval for the total.
        total = float(values.sum())
        low = 0.0 if total == 0 else stats.chi2.ppf(0.025, 2 * total) / 2
        high = stats.chi2.ppf(0.975, 2 * total + 2) / 2
        return mean, float(low) / n, float(high) / n
    half = float(stats.t.ppf(0.975, n - 1)) * sd / np.sqrt(n)
    return mean, max(0.0, mean - half), mean + half


def event_study(panel: Panel, channel: Channel | None = None, *,
                window: int = WINDOW) -> EventStudy:
    """Mean referrals per organisation for each month from −window to +window."""
    first = panel.first_engaged[channel]
    outcome = panel.referrals
    lo, hi = panel.outcome_slice.start, panel.outcome_slice.stop
    result = EventStudy(channel=channel)
    engaged = first != panel.NEVER
    result.never = int((~engaged).sum())
    rows = np.flatnonzero(engaged)
    reach = np.zeros(len(rows), dtype=bool)
    for offset in range(-window, window + 1):
        cols = first[rows] + offset
        ok = (cols >= lo) & (cols < hi)
        reach |= ok
        values = outcome[rows[ok], cols[ok]]
        mean, low, high = mean_interval(values.astype(float))
        result.months.append(RelativeMonth(offset, int(ok.sum()), int(values.sum()),
                                           mean, low, high))
    result.engaged = int(reach.sum())
    result.difference = _difference(panel, rows, first[rows], window)
    return result


def _difference(panel: Panel, rows: np.ndarray, first: np.ndarray, window: int) -> Difference:
    lo, hi = panel.outcome_slice.start, panel.outcome_slice.stop
    before_sum = np.zeros(len(rows))
    before_n = np.zeros(len(rows))
    after_sum = np.zeros(len(rows))
    after_n = np.zeros(len(rows))
    for offset in range(-window, window + 1):
        cols = first + offset
        ok = (cols >= lo) & (cols < hi)
        values = np.zeros(len(rows))
        values[ok] = panel.referrals[rows[ok], cols[ok]]
        if offset < 0:
            before_sum += values
            before_n += ok
        else:
            after_sum += values
            after_n += ok
    both = (before_n > 0) & (after_n > 0)
    n = int(both.sum())
    if n < MIN_ORGANISATIONS:
        return Difference(n, None, None, None, None, None)
    before = before_sum[both] / before_n[both]
    after = after_sum[both] / after_n[both]
    change = after - before
    mean = float(change.mean())
    sd = float(change.std(ddof=1))
    half = float(stats.t.ppf(0.975, n - 1)) * sd / np.sqrt(n)
    return Difference(n, float(before.mean()), float(after.mean()), mean, mean - half,
                      mean + half)
