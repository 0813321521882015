"""The Poisson model with organisation and month effects: right numbers, honest intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm

from engage.campaigns.models import Channel
from engage.insights.regression import (
    MIN_EXPOSED_MONTHS,
    exposure,
    fit_fe_poisson,
    regression,
)
from tests.insights.synthetic import planted_panel

VISIT, WEBINAR = Channel.PRACTICE_VISIT, Channel.WEBINAR


def test_matches_statsmodels_with_dummy_variables() -> None:
    """Concentrating the organisation effects out gives the dummy-variable GLM's estimates and
    its cluster-robust standard errors (without small-sample correction) exactly."""
    panel = planted_panel(1, organisations=50, months=10)
    sl = panel.outcome_slice
    y = panel.referrals[:, sl]
    keep = y.sum(axis=1) > 0
    terms = {f"{c.value}_{lag}": exposure(panel, c, lag)[keep]
             for c in (VISIT, WEBINAR) for lag in range(4)}
    n, months = y[keep].shape
    frame = pd.DataFrame({name: x.ravel().astype(float) for name, x in terms.items()})
    org = np.repeat(np.arange(n), months)
    dummies = pd.get_dummies(pd.DataFrame({"org": org.astype(str),
                                           "month": np.tile(np.arange(months), n).astype(str)}),
                             drop_first=True).astype(float)
    design = pd.concat([frame, dummies], axis=1)
    design.insert(0, "const", 1.0)
    dense = sm.GLM(y[keep].ravel(), design, family=sm.families.Poisson()).fit(
        cov_type="cluster", cov_kwds={"groups": org, "use_correction": False})
    fit = fit_fe_poisson(y[keep], list(terms.values()))
    assert fit.converged
    np.testing.assert_allclose(fit.coef[:8], dense.params[list(terms)].to_numpy(), atol=1e-6)
    ours = np.sqrt(np.diag(fit.cov)[:8] * (n - 1) / n)  # undo the G/(G-1) correction
    np.testing.assert_allclose(ours, dense.bse[list(terms)].to_numpy(), rtol=1e-4)


def test_planted_effect_at_lag_one_is_recovered() -> None:
    panel = planted_panel(7, organisations=400, months=24, effect=1.5, lag=1)
    term = regression(panel, [VISIT, WEBINAR]).term(VISIT, 1)
    assert term is not None and term.estimated
    assert term.low is not None and term.high is not None
    assert term.low <= 1.5 <= term.high
    assert term.low > 1  # enough data to tell it from no effect


def test_planted_effect_interval_covers_the_truth_in_most_repetitions() -> None:
    covered = 0
    for seed in range(20):
        panel = planted_panel(100 + seed, organisations=250, months=18, effect=1.5, lag=1)
        term = regression(panel, [VISIT]).term(VISIT, 1)
        assert term is not None and term.low is not None and term.high is not None
        covered += term.low <= 1.5 <= term.high
    assert covered >= 17  # 95% intervals: 17 of 20 or more (chance of fewer is about 1.6%)


def test_other_lags_and_channels_show_no_effect() -> None:
    panel = planted_panel(8, organisations=400, months=24, effect=1.5, lag=1)
    result = regression(panel, [VISIT, WEBINAR])
    for channel, lag in ((VISIT, 0), (VISIT, 3), (WEBINAR, 0), (WEBINAR, 1)):
        term = result.term(channel, lag)
        assert term is not None and term.low is not None and term.high is not None
        assert term.low <= 1 <= term.high, (channel, lag, term)


def test_no_effect_panel_intervals_cover_one_in_at_least_90_percent() -> None:
    covered = total = 0
    for seed in range(40):
        panel = planted_panel(1000 + seed, organisations=80, months=12, effect=1.0)
        for term in regression(panel, [VISIT, WEBINAR]).terms:
            if term.estimated:
                assert term.low is not None and term.high is not None
                total += 1
                covered += term.low <= 1 <= term.high
    assert total >= 300
    assert covered / total >= 0.90


def test_thin_terms_say_not_enough_data() -> None:
    panel = planted_panel(3, organisations=40, months=12)
    panel.engagement[Channel.PHONE_CALL][:3, 5] = 1  # three calls: far too few
    result = regression(panel, [VISIT, Channel.PHONE_CALL])
    for lag in range(4):
        term = result.term(Channel.PHONE_CALL, lag)
        assert term is not None and not term.estimated and term.irr is None
        assert term.problem and term.problem.startswith("Not enough data")
        assert term.exposed_months < MIN_EXPOSED_MONTHS


def test_organisations_without_referrals_are_left_out_and_counted() -> None:
    panel = planted_panel(4, organisations=60, months=12)
    panel.referrals[:10] = 0
    result = regression(panel, [VISIT])
    assert result.zero_organisations >= 10
    assert result.organisations == 60 - result.zero_organisations


def test_no_referrals_at_all_is_a_problem_not_a_crash() -> None:
    panel = planted_panel(5, organisations=20, months=6)
    panel.referrals[:] = 0
    result = regression(panel)
    assert result.problem and "Not enough data" in result.problem
    assert all(not t.estimated for t in result.terms)


def test_lag_profile_chart_has_one_line_per_estimated_channel() -> None:
    panel = planted_panel(6, organisations=200, months=18)
    chart = regression(panel, [VISIT, WEBINAR]).chart()
    assert chart["labels"] == ["Lag 0", "Lag 1", "Lag 2", "Lag 3"]
    assert [s["label"] for s in chart["series"]] == [VISIT.label, WEBINAR.label]
