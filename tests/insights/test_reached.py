"""Referral rates of organisations reached and not reached, with a robust rate ratio."""

from __future__ import annotations

import math

import numpy as np
import statsmodels.api as sm

from engage.campaigns.models import CHANNEL_LABELS, Channel
from engage.insights.reached import log_rate_ratio, reached_comparison
from tests.insights.synthetic import planted_panel


def test_matches_poisson_glm_with_robust_errors() -> None:
    rng = np.random.default_rng(21)
    a = rng.negative_binomial(2, 0.4, 80).astype(float)
    b = rng.negative_binomial(2, 0.6, 120).astype(float)
    months = 12
    log_rr, se = log_rate_ratio(a, b, months)
    assert se ** 2 > 1 / a.sum() + 1 / b.sum()  # overdispersed: the robust error is the wider
    y = np.concatenate([a, b])
    x = sm.add_constant(np.concatenate([np.ones(len(a)), np.zeros(len(b))]))
    glm = sm.GLM(y, x, family=sm.families.Poisson(),
                 offset=np.full(len(y), math.log(months))).fit(cov_type="HC0")
    assert math.isclose(log_rr, glm.params[1], rel_tol=1e-9)
    assert math.isclose(se, glm.bse[1], rel_tol=1e-6)


def test_reached_have_the_higher_rate_when_outreach_raises_referrals() -> None:
    panel = planted_panel(22, organisations=400, months=12, effect=2.0, lag=0,
                          visit_probability=0.05)
    result = reached_comparison(panel, Channel.PRACTICE_VISIT)
    assert result.ratio is not None and result.low is not None
    assert result.low > 1
    assert result.reached.organisations + result.not_reached.organisations == 400
    assert result.reached.organisation_months == result.reached.organisations * 12


def test_no_effect_interval_covers_one_in_at_least_90_percent() -> None:
    covered = 0
    for seed in range(40):
        panel = planted_panel(300 + seed, organisations=150, months=6, effect=1.0,
                              visit_probability=0.05)
        # Reached at random, not by size, so the true rate ratio is 1.
        rng = np.random.default_rng(seed)
        panel.engagement[Channel.PHONE_CALL] = (rng.random(panel.referrals.shape) < 0.05
                                                ).astype(np.int64)
        result = reached_comparison(panel, Channel.PHONE_CALL)
        assert result.low is not None and result.high is not None
        covered += result.low <= 1 <= result.high
    assert covered >= 36


def test_interval_is_never_narrower_than_poisson() -> None:
    a, b = np.full(20, 3.0), np.full(20, 1.0)  # no spread at all
    _, se = log_rate_ratio(a, b, 6)
    assert math.isclose(se, math.sqrt(1 / 60 + 1 / 20))


def test_too_few_referrals_is_said_not_estimated() -> None:
    panel = planted_panel(23, organisations=40, months=6)
    panel.referrals[:] = 0
    panel.referrals[0, 4] = 1
    result = reached_comparison(panel)
    assert result.ratio is None and result.low is None
    assert result.problem and result.problem.startswith("Too few referrals")


def test_too_few_organisations_in_a_group_is_said() -> None:
    panel = planted_panel(24, organisations=40, months=6)
    result = reached_comparison(panel, Channel.GATEWAY)  # nobody reached this way
    assert result.ratio is None
    assert result.problem and "Too few organisations" in result.problem
    assert Channel.GATEWAY in CHANNEL_LABELS
