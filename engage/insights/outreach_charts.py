"""What the outreach page's charts draw, as data for `static/js/charts.js`.

Each chart carries its own title and axis titles, so what is drawn says what it shows; the
page puts the same figures in a table beside it. A channel's chart plots each lag's ratio with
its interval against a "no difference" line at 1, on a scale where halving and doubling are the
same distance (ratios of 0.5 and 2 are equally far from 1).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from engage.insights.bottom_line import UNESTIMABLE, ChannelAnswer

if TYPE_CHECKING:  # loads numpy and scipy.stats: only when a study is computed
    from engage.insights.event_study import EventStudy

# Ticks a reader can say out loud: half, the same, double, ...
TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 0.67, 1, 1.5, 2, 4, 5, 10, 20, 50, 100)
RATIO_AXIS = "Times the referral rate of months without"
SHORT_WHEN = {0: "Same month", 1: "A month later"}


def _range(values: list[float]) -> tuple[float, float]:
    """Axis ends a little past the widest interval, always showing 1."""
    low = min([*values, 1.0])
    high = max([*values, 1.0])
    return low / 1.25, high * 1.25


def _ticks(low: float, high: float) -> list[float]:
    inside = [t for t in TICKS if low <= t <= high]
    # A narrow axis gets the in-between ticks too; a wide one only the round ones.
    if math.log(high / low) > math.log(16):
        inside = [t for t in inside if t not in (0.25, 0.67, 1.5, 4)]
    return inside


def forest(answer: ChannelAnswer) -> dict[str, Any]:
    """One channel: each lag's ratio and likely range, against no difference at 1."""
    shown = [a for a in answer.lags if a.verdict != UNESTIMABLE]
    bounds = [v for a in shown for v in (a.term.low, a.term.high) if v is not None]
    low, high = _range(bounds)
    labels = [SHORT_WHEN.get(a.lag, f"{a.lag} months later")
              + (" (cannot be estimated)" if a.verdict == UNESTIMABLE else "")
              for a in answer.lags]
    return {
        "type": "forest",
        "title": f"{answer.channel.label}: referral rate compared with months without",
        "labels": labels,
        "estimates": [a.term.irr if a.verdict != UNESTIMABLE else None for a in answer.lags],
        "intervals": [[a.term.low, a.term.high] if a.verdict != UNESTIMABLE else None
                      for a in answer.lags],
        "texts": [f"about {a.ratio} times, likely {a.interval}" if a.verdict != UNESTIMABLE
                  else f"cannot be estimated: {a.reason}" for a in answer.lags],
        "reference": {"value": 1, "label": "No difference"},
        "log": True, "min": low, "max": high, "ticks": _ticks(low, high),
        "axes": {"x": RATIO_AXIS, "y": "When, after the outreach"},
        "series": [{"label": "Estimate"}, {"label": "Likely range (95% interval)"}],
    }


def event_chart(study: EventStudy) -> dict[str, Any]:
    """Mean referrals per organisation by month from the first engagement, with a band."""
    months = study.months
    return {
        "type": "line",
        "title": "Referrals per organisation, 6 months before to 6 months after the first "
                 "engagement",
        "labels": [f"{m.offset:+d}" if m.offset else "0" for m in months],
        "series": [{"label": "Mean referrals per organisation",
                    "data": [m.mean for m in months]}],
        "band": {"label": "Likely range (95% interval)", "low": [m.low for m in months],
                 "high": [m.high for m in months]},
        "marker": {"index": next((i for i, m in enumerate(months) if m.offset == 0), None),
                   "label": "First engagement"},
        "axes": {"x": "Months from the first engagement (0 = the month it happened)",
                 "y": "Referrals per organisation in the month"},
        "decimals": True,
    }
