"""The event study lines organisations up on their first engagement and shows a step."""

from __future__ import annotations

import numpy as np

from engage.campaigns.models import Channel
from engage.insights.event_study import event_study, mean_interval
from tests.insights.synthetic import planted_panel, step_panel


def test_step_change_shows_as_a_step() -> None:
    study = event_study(step_panel(11), Channel.WEBINAR)
    by_offset = {m.offset: m for m in study.months}
    assert sorted(by_offset) == list(range(-6, 7))
    for offset in range(-6, 0):
        assert by_offset[offset].high is not None and by_offset[offset].high < 1.5
    for offset in range(0, 7):
        assert by_offset[offset].low is not None and by_offset[offset].low > 0.5
    diff = study.difference
    assert diff is not None and diff.low is not None and diff.high is not None
    assert diff.low > 0  # post mean above the pre mean, interval and all
    assert diff.low <= 1.0 <= diff.high  # the planted step is 1.5 − 0.5 = 1


def test_pre_period_interval_sits_below_post_period_mean() -> None:
    study = event_study(step_panel(12))
    pre = [m for m in study.months if m.offset < 0]
    post = [m for m in study.months if m.offset >= 0]
    assert max(m.high for m in pre if m.high is not None) < min(
        m.mean for m in post if m.mean is not None)


def test_never_engaged_organisations_are_left_out_and_counted() -> None:
    panel = step_panel(13, organisations=100)
    study = event_study(panel)
    never = int((panel.first_engaged[None] == panel.NEVER).sum())
    assert study.never == never > 0
    assert max(m.organisations for m in study.months) <= 100 - never


def test_no_effect_shows_no_step() -> None:
    study = event_study(step_panel(14, before=1.0, after=1.0))
    diff = study.difference
    assert diff is not None and diff.low is not None and diff.high is not None
    assert diff.low <= 0 <= diff.high


def test_months_outside_the_period_are_not_read() -> None:
    panel = planted_panel(15, organisations=30, months=8)
    study = event_study(panel, Channel.PRACTICE_VISIT)
    for month in study.months:
        assert month.organisations <= 30


def test_all_zero_counts_get_an_exact_poisson_interval() -> None:
    mean, low, high = mean_interval(np.zeros(20))
    assert mean == 0 and low == 0
    assert high is not None and 0.15 < high < 0.2  # 3.69 / 20


def test_a_single_organisation_has_no_interval() -> None:
    mean, low, high = mean_interval(np.array([3.0]))
    assert mean == 3 and low is None and high is None
