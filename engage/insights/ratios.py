"""How every ratio and interval bound on the insights pages is written.

One function, so the page, the report and the readings can never disagree: a bound of 0.9976
rounded to "1.0" would contradict the words "a lower rate" beside it, so a ratio is rounded to
two significant figures and then given more digits until it stays on its own side of 1, or,
past four decimals, written "just below 1" / "just above 1".
"""

from __future__ import annotations

import math

MAX_DECIMALS = 4
JUST_BELOW = "just below 1"
JUST_ABOVE = "just above 1"


def plain(value: float) -> str:
    """Two significant figures, the way people read ratios ("1.8", "0.72", "12")."""
    if abs(value) >= 10:
        return f"{value:.0f}"
    if abs(value) >= 1:
        return f"{value:.1f}"
    return f"{value:#.2g}"  # 0.72, 0.070, 0.0034: small ratios do not read as zero


def ratio(value: float | None) -> str:
    """A ratio or bound as text that is below 1 exactly when the value is (a dash for none)."""
    if value is None or not math.isfinite(value):
        return "–"
    if value == 1:
        return "1.0"
    text = plain(value)
    decimals = len(text.partition(".")[2])
    while (float(text) < 1) != (value < 1) or float(text) == 1:
        decimals += 1
        if decimals > MAX_DECIMALS:
            return JUST_BELOW if value < 1 else JUST_ABOVE
        text = f"{value:.{decimals}f}"
    return text


def interval(low: float | None, high: float | None) -> str:
    """"0.57 to 0.998": an interval's bounds, each written by `ratio`."""
    if low is None or high is None:
        return "–"
    return f"{ratio(low)} to {ratio(high)}"


def side(low: float, high: float) -> str:
    """Which side of 1 an interval lies: "higher", "lower", or "unclear" when it holds 1."""
    if low > 1:
        return "higher"
    if high < 1:
        return "lower"
    return "unclear"
