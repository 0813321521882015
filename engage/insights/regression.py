"""Monthly referrals on engagement by channel at lags 0–3, with organisation and month effects.

The model is a Poisson GLM, log E[y_it] = a_i + g_t + sum_{c,l} b_cl x_c(t−l), where x_c is 1
when the organisation had at least one live engagement of channel c in that month. Indicators
rather than counts: one practice visit logged as three rows is still one visit, and a few busy
organisations cannot dominate the slope.

Organisation effects are not estimated as 17,500 dummies. For the Poisson model the
organisation effect has a closed form given the rest (a_i = log(Y_i / sum_t exp(eta_it))), and
putting it back leaves the multinomial (conditional) likelihood of each organisation's monthly
shares; its maximum is exactly the dummy-variable GLM's (checked against statsmodels in the
tests). Newton steps use a sparse design, so memory and time follow the exposures. Organisations
with no referrals at all in the period carry no information under organisation effects and are
left out (and counted). Standard errors are cluster-robust by organisation (sandwich with the
G/(G−1) correction), so overdispersion and correlation within a practice are allowed for.

A term is reported as "not enough data" instead of a number when fewer than
`MIN_EXPOSED_MONTHS` organisation-months were exposed, fewer than `MIN_ORGANISATIONS`
organisations changed exposure during the period, its standard error is not finite, wider than
`MAX_SE` or narrower than `MIN_SE` on the log scale, or the ratio itself has run off beyond
e^±`MAX_LOG_IRR` (a channel whose exposed months had no referrals at all).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from engage.campaigns.models import Channel
from engage.insights.panel import Panel

LAGS = (0, 1, 2, 3)
Z = 1.959963984540054
MIN_EXPOSED_MONTHS = 10
MIN_ORGANISATIONS = 5
MAX_SE = 1.5
MIN_SE = 1e-4  # narrower means no variation left to measure uncertainty from (made-up data)
MAX_LOG_IRR = 7.0  # beyond about ×1,000 or ÷1,000 the fit has run off (no referrals when exposed)


@dataclass(frozen=True)
class Term:
    channel: Channel
    lag: int
    exposed_months: int
    organisations: int  # organisations whose exposure changed within the period
    irr: float | None = None
    low: float | None = None
    high: float | None = None
    problem: str | None = None

    @property
    def estimated(self) -> bool:
        return self.irr is not None


@dataclass
class Regression:
    terms: list[Term] = field(default_factory=list)
    organisations: int = 0  # organisations in the fit
    zero_organisations: int = 0  # left out: no referrals in the period
    months: int = 0
    observations: int = 0
    referrals: int = 0
    converged: bool = True
    problem: str | None = None

    def term(self, channel: Channel, lag: int) -> Term | None:
        for term in self.terms:
            if term.channel is channel and term.lag == lag:
                return term
        return None

    def channels(self) -> list[Channel]:
        seen: list[Channel] = []
        for term in self.terms:
            if term.channel not in seen:
                seen.append(term.channel)
        return seen

    def chart(self) -> dict[str, object]:
        """Data for charts.js: the lag profile, one line per channel with any estimate."""
        series = []
        for channel in self.channels():
            values = [t.irr if (t := self.term(channel, lag)) and t.estimated else None
                      for lag in LAGS]
            if any(v is not None for v in values):
                series.append({"label": channel.label, "data": values})
        return {"type": "line", "labels": [f"Lag {lag}" for lag in LAGS], "series": series}


@dataclass
class Fit:
    coef: np.ndarray
    cov: np.ndarray
    converged: bool
    iterations: int


def _inner(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a' b for tall, narrow arrays. einsum's own loop: a threaded BLAS call of this size
    stalls for most of a second when the machine's cores are busy with other work."""
    return np.einsum("ik,il->kl", a, b)


def fit_fe_poisson(y: np.ndarray, terms: list[np.ndarray], *, max_iter: int = 50,
                   tol: float = 1e-10) -> Fit:
    """Poisson with row (organisation) and column (month) effects; returns the terms' part.

    `y` is organisations × months, each term a 0/1 array of the same shape; every row must have
    a positive total, and every column too. The coefficients are the terms' first, then the
    month effects relative to the first month. Exposures are sparse (most organisations are
    not visited in most months), so the design is a sparse matrix and each Newton step costs
    time in proportion to the exposed organisation-months, not to organisations × terms.
    """
    n, months = y.shape
    kb = len(terms)
    k = kb + months - 1
    cells = n * months
    totals = y.sum(axis=1).astype(float)
    yf = y.astype(float)
    x = sparse.csr_matrix(np.column_stack([t.ravel() for t in terms]).astype(float)) if kb \
        else sparse.csr_matrix((cells, 0))
    org_of = np.repeat(np.arange(n), months)
    month_of = np.tile(np.arange(months), n)
    group = sparse.csr_matrix((np.ones(cells), (org_of, np.arange(cells))), shape=(n, cells))
    month_cols = sparse.csr_matrix((np.ones(cells), (np.arange(cells), month_of)),
                                   shape=(cells, months))

    def shares(theta: np.ndarray) -> np.ndarray:
        g = np.concatenate(([0.0], theta[kb:]))
        eta = (x @ theta[:kb]).reshape(n, months) + g if kb else np.tile(g, (n, 1))
        eta -= eta.max(axis=1, keepdims=True)
        ex = np.exp(eta)
        return ex / ex.sum(axis=1, keepdims=True)

    def loglik(p: np.ndarray) -> float:
        with np.errstate(divide="ignore"):
            return float(np.where(yf > 0, yf * np.log(np.where(yf > 0, p, 1.0)), 0.0).sum())

    def gradient(p: np.ndarray) -> np.ndarray:
        resid = yf - totals[:, None] * p
        return np.concatenate((x.T @ resid.ravel(), resid.sum(axis=0)[1:]))

    def information(p: np.ndarray) -> np.ndarray:
        # sum_i Y_i [sum_t p_it z_it z_it' - zbar_i zbar_i'], z = (exposures, month dummies).
        w = (totals[:, None] * p).ravel()
        info = np.zeros((k, k))
        xbar = np.asarray((group @ x.multiply(p.ravel()[:, None])).todense()) if kb \
            else np.zeros((n, 0))
        weighted_xbar = xbar * totals[:, None]
        if kb:
            info[:kb, :kb] = np.asarray((x.T @ x.multiply(w[:, None])).todense()) \
                - _inner(weighted_xbar, xbar)
            cross = np.asarray((x.T @ month_cols.multiply(w[:, None])).todense()) \
                - _inner(weighted_xbar, p)
            info[:kb, kb:] = cross[:, 1:]
            info[kb:, :kb] = cross[:, 1:].T
        info[kb:, kb:] = np.diag(w.reshape(n, months).sum(axis=0)[1:]) \
            - _inner(p[:, 1:] * totals[:, None], p[:, 1:])
        return info

    theta = np.zeros(k)
    p = shares(theta)
    current = loglik(p)
    converged = False
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        step = np.linalg.lstsq(information(p), gradient(p), rcond=None)[0]
        scale = 1.0
        for _ in range(30):
            trial = theta + scale * step
            trial_p = shares(trial)
            trial_loglik = loglik(trial_p)
            if trial_loglik >= current - 1e-12 * abs(current):
                break
            scale /= 2
        change = abs(trial_loglik - current)
        theta, p, current = trial, trial_p, trial_loglik
        if np.max(np.abs(scale * step)) < 1e-8 or change < tol * (1 + abs(current)):
            converged = True
            break
    resid = (yf - totals[:, None] * p)
    scores = np.hstack((np.asarray((group @ x.multiply(resid.ravel()[:, None])).todense())
                        if kb else np.zeros((n, 0)), resid[:, 1:]))
    bread = np.linalg.pinv(information(p))
    meat = _inner(scores, scores)
    cov = bread @ meat @ bread * (n / (n - 1) if n > 1 else 1.0)
    return Fit(coef=theta, cov=cov, converged=converged, iterations=iterations)


def exposure(panel: Panel, channel: Channel, lag: int) -> np.ndarray:
    """1 where the organisation had live engagement of `channel` `lag` months before."""
    sl = panel.outcome_slice
    had = panel.engagement[channel] > 0
    return had[:, sl.start - lag:sl.stop - lag]


def regression(panel: Panel, channels: list[Channel] | None = None,
               lags: tuple[int, ...] = LAGS) -> Regression:
    """Fit the model over the panel's period; thin terms are named, not estimated."""
    sl = panel.outcome_slice
    y_all = panel.referrals[:, sl]
    keep = y_all.sum(axis=1) > 0
    result = Regression(zero_organisations=int((~keep).sum()))
    month_keep = y_all[keep].sum(axis=0) > 0
    y = y_all[keep][:, month_keep]
    result.organisations, result.months = y.shape
    result.observations = y.size
    result.referrals = int(y.sum())
    if channels is None:
        channels = [c for c in panel.engagement if panel.engagement[c][:, :sl.stop].any()]
    candidates: list[tuple[Channel, int, np.ndarray]] = []
    thin: dict[tuple[Channel, int], Term] = {}
    for channel in channels:
        for lag in lags:
            x = exposure(panel, channel, lag)[keep][:, month_keep]
            exposed = int(x.sum())
            varying = int((x.any(axis=1) & ~x.all(axis=1)).sum())
            if exposed < MIN_EXPOSED_MONTHS or varying < MIN_ORGANISATIONS:
                thin[(channel, lag)] = Term(
                    channel, lag, exposed, varying,
                    problem=f"Not enough data: {exposed} exposed organisation-months and "
                            f"{varying} organisations whose exposure changed (needs "
                            f"{MIN_EXPOSED_MONTHS} and {MIN_ORGANISATIONS}).")
            else:
                candidates.append((channel, lag, x))
    if result.organisations < 2 or result.months < 2:
        result.problem = ("Not enough data for the model: it needs referrals from at least two "
                          "organisations in at least two months of the period.")
        candidates = []
    fit = fit_fe_poisson(y, [x for _, _, x in candidates]) if candidates else None
    if fit is not None:
        result.converged = fit.converged
    estimated: dict[tuple[Channel, int], Term] = {}
    for j, (channel, lag, x) in enumerate(candidates):
        assert fit is not None
        coef, se = float(fit.coef[j]), math.sqrt(max(float(fit.cov[j, j]), 0.0))
        exposed = int(x.sum())
        varying = int((x.any(axis=1) & ~x.all(axis=1)).sum())
        if not (math.isfinite(coef) and math.isfinite(se)) or se > MAX_SE or se < MIN_SE \
                or abs(coef) > MAX_LOG_IRR or not fit.converged:
            estimated[(channel, lag)] = Term(
                channel, lag, exposed, varying,
                problem="Not enough data: the estimate is too uncertain to report.")
        else:
            estimated[(channel, lag)] = Term(channel, lag, exposed, varying, math.exp(coef),
                                             math.exp(coef - Z * se), math.exp(coef + Z * se))
    for channel in channels:
        for lag in lags:
            result.terms.append(estimated.get((channel, lag)) or thin[(channel, lag)])
    return result
