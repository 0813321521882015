"""Every ratio and bound is written on its own side of 1."""

from __future__ import annotations

import numpy as np
import pytest

from engage.insights.ratios import JUST_ABOVE, JUST_BELOW, interval, ratio, side


@pytest.mark.parametrize(("value", "text"), [
    (0.9976, "0.998"), (1.0024, "1.002"), (0.57, "0.57"), (1.84, "1.8"), (0.723, "0.72"),
    (12.4, "12"), (0.07, "0.070"), (1.04, "1.04"), (0.96, "0.96"), (0.999999, JUST_BELOW),
    (1.000001, JUST_ABOVE), (1.0, "1.0"), (None, "–"), (float("nan"), "–"),
])
def test_ratio_texts(value: float | None, text: str) -> None:
    assert ratio(value) == text


def test_a_bound_below_one_never_prints_as_one_or_above_and_vice_versa() -> None:
    rng = np.random.default_rng(16)
    values = np.concatenate([1 + rng.uniform(-0.06, 0.06, 4000),
                             1 + rng.uniform(-1e-4, 1e-4, 1000), rng.uniform(0.01, 30, 1000)])
    for value in values:
        text = ratio(float(value))
        if text in (JUST_BELOW, JUST_ABOVE):
            assert (text == JUST_BELOW) == (value < 1)
            continue
        assert float(text) != 1 or value == 1
        assert (float(text) < 1) == (value < 1), (value, text)


def test_interval_and_side() -> None:
    assert interval(0.5712, 0.9976) == "0.57 to 0.998"
    assert interval(None, 2.0) == "–"
    assert side(0.57, 0.9976) == "lower"
    assert side(1.01, 2) == "higher"
    assert side(0.9, 1.2) == "unclear"
