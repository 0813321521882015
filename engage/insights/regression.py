"""Monthly referrals on engagement by channel at lags 0–3, with organisation and month effects.

The model is a Poisson GLM, log E[y_it] = a_i + g_t + sum_{c,l} b_cl x_c(t−l), where x_c is 1
when the organisation had at least one live engagement of channel c in that month. Indicators
rather than counts: one practice visit logged as three rows is still one visit, and a few busy
organisations cannot dominate the slope.

Organisation effects are not estimated as 17,500 dummies. For the Poisson model the
organisation effect has a closed form given the rest (a_i = log(Y_i / sum_t exp(eta_it))), and
putting it back leaves the multinomial (conditional) likelihood of each organisation's monthly
shares; its maximum is exactly the dummy-variable GLM's (checked against statsmodels in the
tests). Newton steps run over organisations in chunks, so memory stays small. Organisations
with no referrals at all in the period carry no information under organisation effects and are
left out (and counted). Standard errors are cluster-robust by organisation (sandwich with the
G/(G−1) correction), so overdispersion and correlation within a practice are allowed for.

A term is reported as "not enough data" instead of a number when fewer than
`MIN_EXPOSED_MONTHS` organisation-months were exposed, fewer than `MIN_ORGANISATIONS`
organisations changed exposure during the period, or its standard error is not finite or wider
than `MAX_SE` on the log scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from engage.campaigns.models import Channel
from engage.insights.panel import Panel

LAGS = (0, 1, 2, 3)
Z = 1.959963984540054
MIN_EXPOSED_MONTHS = 10
MIN_ORGANISATIONS = 5
MAX_SE = 1.5
CHUNK_CELLS = 4_000_000  # organisation-months × terms built at once


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


def fit_fe_poisson(y: np.ndarray, terms: list[np.ndarray], *, max_iter: int = 50,
                   tol: float = 1e-9) -> Fit:
    """Poisson with row (organisation) and column (month) effects; returns the terms' part.

    `y` is organisations × months, each term the same shape; every row must have a positive
    total and every column too. The coefficients returned are the terms' first, then the
    month effects relative to the first month.
    """
    n, months = y.shape
    kb = len(terms)
    k = kb + months - 1
    totals = y.sum(axis=1).astype(float)
    theta = np.zeros(k)
    chunk = max(1, CHUNK_CELLS // max(1, months * max(kb, 1)))

    def design(rows: slice) -> np.ndarray:
        if not kb:
            return np.zeros((rows.stop - rows.start, months, 0))
        return np.stack([t[rows] for t in terms], axis=2).astype(float)

    def pieces(theta: np.ndarray, want: bool) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        b, g = theta[:kb], np.concatenate(([0.0], theta[kb:]))
        loglik = 0.0
        grad = np.zeros(k)
        info = np.zeros((k, k))
        scores = np.zeros((n, k)) if want else np.zeros((0, k))
        for start in range(0, n, chunk):
            rows = slice(start, min(n, start + chunk))
            x = design(rows)
            yc = y[rows].astype(float)
            tc = totals[rows]
            eta = x @ b + g if kb else np.broadcast_to(g, yc.shape).copy()
            eta = eta - eta.max(axis=1, keepdims=True)
            ex = np.exp(eta)
            p = ex / ex.sum(axis=1, keepdims=True)
            with np.errstate(divide="ignore"):
                logp = np.where(yc > 0, np.log(p), 0.0)
            loglik += float((yc * logp).sum())
            resid = yc - tc[:, None] * p  # (c, T)
            w = tc[:, None] * p
            s_b = np.einsum("it,itk->ik", resid, x) if kb else np.zeros((len(yc), 0))
            s_g = resid[:, 1:]
            grad[:kb] += s_b.sum(axis=0)
            grad[kb:] += s_g.sum(axis=0)
            if want:
                scores[rows, :kb] = s_b
                scores[rows, kb:] = s_g
            # Information = sum_i Y_i [sum_t p_it z_it z_it' − zbar_i zbar_i'], z = (x, month).
            if kb:
                x2 = x.reshape(-1, kb)
                xbar = np.einsum("it,itk->ik", p, x)
                info[:kb, :kb] += x2.T @ (x2 * w.reshape(-1, 1)) - (xbar * tc[:, None]).T @ xbar
                cross = np.einsum("it,itk->kt", w, x) - (xbar * tc[:, None]).T @ p
                info[:kb, kb:] += cross[:, 1:]
            info[kb:, kb:] += np.diag(w.sum(axis=0)[1:]) - (p * tc[:, None]).T[1:] @ p[:, 1:]
        info[kb:, :kb] = info[:kb, kb:].T
        return loglik, grad, info, scores

    converged = False
    loglik, grad, info, _ = pieces(theta, False)
    iteration = 0
    for iteration in range(1, max_iter + 1):
        step = np.linalg.lstsq(info, grad, rcond=None)[0]
        scale = 1.0
        for _ in range(30):
            trial = theta + scale * step
            new_loglik, new_grad, new_info, _ = pieces(trial, False)
            if new_loglik >= loglik - 1e-10 * abs(loglik):
                break
            scale /= 2
        theta, change = trial, abs(new_loglik - loglik)
        loglik, grad, info = new_loglik, new_grad, new_info
        if np.max(np.abs(scale * step)) < 1e-7 or change < tol * (1 + abs(loglik)):
            converged = True
            break
    _, _, info, scores = pieces(theta, True)
    bread = np.linalg.pinv(info)
    meat = scores.T @ scores
    cov = bread @ meat @ bread * (n / (n - 1) if n > 1 else 1.0)
    return Fit(coef=theta, cov=cov, converged=converged, iterations=iteration)


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
        if not (math.isfinite(coef) and math.isfinite(se)) or se > MAX_SE or se == 0.0 \
                or not fit.converged:
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
