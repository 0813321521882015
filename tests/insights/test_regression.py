"""The Poisson model with organisation and month effects: right numbers, honest intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from engage.campaigns.models import Channel
from engage.insights.regression import (
    MIN_EXPOSED_MONTHS,
    MIN_ORGANISATIONS,
    SAME_MONTHS,
    exposure,
    fit_fe_poisson,
    identification,
    regression,
    within_gram,
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


def _with_newsletter_to_everyone(panel, months=(2, 9, 14, 20, 27)):
    for month in months:
        panel.engagement[Channel.NEWSLETTER][:, month] = 1
    return panel


def test_newsletter_to_everyone_has_no_figure_and_says_why() -> None:
    """Month effects absorb a channel that reached everyone in the same months: the old guard
    (organisations whose exposure changed) let it through with a narrow interval."""
    panel = _with_newsletter_to_everyone(planted_panel(11, organisations=88, months=24))
    result = regression(panel, [VISIT, Channel.NEWSLETTER])
    for lag in range(4):
        term = result.term(Channel.NEWSLETTER, lag)
        assert term is not None and not term.estimated and not term.identified
        assert term.irr is None and term.low is None and term.high is None
        assert term.organisations >= MIN_ORGANISATIONS  # what the old guard counted
        assert term.differing == 0
        assert term.problem == SAME_MONTHS
    visit = result.term(VISIT, 1)
    assert visit is not None and visit.estimated


def test_newsletter_to_everyone_but_a_few_is_not_enough_data() -> None:
    panel = _with_newsletter_to_everyone(planted_panel(12, organisations=88, months=24))
    panel.engagement[Channel.NEWSLETTER][:3, 9] = 0  # three practices missed one issue
    term = regression(panel, [VISIT, Channel.NEWSLETTER]).term(Channel.NEWSLETTER, 0)
    assert term is not None and not term.estimated and term.identified
    assert term.differing == 3
    assert term.problem is not None and term.problem.startswith("Not enough data: only 3")


def test_newsletters_to_random_halves_are_estimated() -> None:
    panel = planted_panel(13, organisations=88, months=24)
    rng = np.random.default_rng(13)
    for month in (3, 8, 12, 17, 21, 26):
        panel.engagement[Channel.NEWSLETTER][:, month] = rng.random(88) < 0.5
    term = regression(panel, [VISIT, Channel.NEWSLETTER]).term(Channel.NEWSLETTER, 0)
    assert term is not None and term.estimated and term.identified
    assert term.low is not None and term.high is not None and term.low < 1 < term.high * 2


def test_collinear_channels_are_caught_and_named() -> None:
    panel = planted_panel(14, organisations=88, months=24)
    panel.engagement[Channel.TRAINING] = panel.engagement[WEBINAR].copy()  # always together
    result = regression(panel, [VISIT, WEBINAR, Channel.TRAINING])
    for lag in range(4):
        for channel, other in ((WEBINAR, "training or support session"),
                               (Channel.TRAINING, "webinar")):
            term = result.term(channel, lag)
            assert term is not None and not term.estimated and not term.identified
            assert term.problem is not None
            assert term.problem.startswith(f"Its exposure moves exactly with that of {other} (")
            assert "cannot be told apart" in term.problem
        visit = result.term(VISIT, lag)
        assert visit is not None and visit.estimated


def test_a_channel_that_is_the_sum_of_two_others_is_caught() -> None:
    """Exposure to C exactly when exposed to A or to B (never both): C = A + B, a relation
    no single pair shows."""
    panel = planted_panel(15, organisations=88, months=24, other_channel=None)
    rng = np.random.default_rng(15)
    which = rng.random(panel.referrals.shape)
    a, b = which < 0.1, (which >= 0.1) & (which < 0.2)
    panel.engagement[WEBINAR] = a.astype(np.int64)
    panel.engagement[Channel.PHONE_CALL] = b.astype(np.int64)
    panel.engagement[Channel.TRAINING] = (a | b).astype(np.int64)
    found = identification([exposure(panel, c, 0) for c in
                            (VISIT, WEBINAR, Channel.PHONE_CALL, Channel.TRAINING)])
    assert found.zero == []
    assert sorted(found.collinear) == [1, 2, 3]
    assert sorted(found.collinear[3]) == [1, 2]
    assert len(found.redundant) == 1
    result = regression(panel, [VISIT, WEBINAR, Channel.PHONE_CALL, Channel.TRAINING], lags=(0,))
    assert [t.estimated for t in result.terms] == [True, False, False, False]


def test_the_fitter_refuses_an_unidentified_design() -> None:
    panel = _with_newsletter_to_everyone(planted_panel(16, organisations=40, months=12),
                                         months=(4, 9, 14))
    y = panel.referrals[:, panel.outcome_slice]
    with pytest.raises(ValueError, match="cannot be estimated"):
        fit_fe_poisson(y, [exposure(panel, VISIT, 0), exposure(panel, Channel.NEWSLETTER, 0)])


def test_within_gram_is_exact_two_way_demeaning() -> None:
    panel = planted_panel(17, organisations=30, months=10)
    terms = [exposure(panel, c, lag) for c in (VISIT, WEBINAR) for lag in (0, 2)]
    n, months = terms[0].shape
    demeaned = []
    for x in terms:
        x = x.astype(float)
        demeaned.append((x - x.mean(axis=1, keepdims=True) - x.mean(axis=0, keepdims=True)
                         + x.mean()).ravel())
    d = np.column_stack(demeaned)
    np.testing.assert_allclose(within_gram(terms) / (n * months), d.T @ d, atol=1e-9)


def test_jackknife_standard_errors_match_leaving_each_organisation_out() -> None:
    """The one-step deletions give the refit-by-refit cluster jackknife (CV3)."""
    panel = planted_panel(18, organisations=30, months=10)
    y = panel.referrals[:, panel.outcome_slice]
    keep = y.sum(axis=1) > 0
    terms = [exposure(panel, c, lag)[keep] for c in (VISIT, WEBINAR) for lag in (0, 1)]
    y = y[keep]
    fit = fit_fe_poisson(y, terms)
    assert fit.cov_jackknife is not None
    n = len(y)
    changes = np.array([fit.coef[:4] - fit_fe_poisson(
        y[np.arange(n) != g], [t[np.arange(n) != g] for t in terms]).coef[:4]
        for g in range(n)])
    exact = np.sqrt((n - 1) / n * (changes ** 2).sum(axis=0))
    np.testing.assert_allclose(np.sqrt(np.diag(fit.cov_jackknife)[:4]), exact, rtol=0.05)


def test_staggered_visits_with_a_planted_effect_are_estimated_close_to_the_truth() -> None:
    rng = np.random.default_rng(19)
    panel = planted_panel(19, organisations=400, months=24, effect=1.0, other_channel=None)
    total = panel.referrals.shape[1]
    month = rng.integers(3, total, 400)
    visits = np.zeros_like(panel.referrals, dtype=bool)
    visits[np.arange(400), month] = True
    panel.engagement[VISIT] = visits.astype(np.int64)
    after = np.zeros_like(visits)
    after[:, 1:] = visits[:, :-1]
    size = rng.gamma(2.0, 0.5, 400)[:, None]
    panel.referrals = rng.poisson(1.5 * size * np.where(after, 1.5, 1.0)
                                  * rng.gamma(2.0, 0.5, visits.shape))
    result = regression(panel, [VISIT])
    term = result.term(VISIT, 1)
    assert term is not None and term.irr is not None
    assert abs(np.log(term.irr) - np.log(1.5)) < 0.12
    assert term.low is not None and term.high is not None and term.low <= 1.5 <= term.high
    assert term.se is not None and term.plain_se is not None and term.se >= term.plain_se * 0.9
    assert result.degrees_of_freedom == result.organisations - 1
