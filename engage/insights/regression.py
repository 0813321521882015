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
left out (and counted). Standard errors are cluster-robust by organisation, so overdispersion
and correlation within a practice are allowed for.

A term gets a figure only when it is identified beside the organisation and month effects.
With month effects, only differences between organisations within the same month measure a
channel: a newsletter that reached every organisation in the same months moves exactly with
those months, and no amount of data separates the two. So before fitting, each term's exposure
is two-way demeaned (organisation and month means removed; exact, as the panel is balanced),
and a term whose demeaned exposure is zero, or which is a linear combination of other terms'
(collinear channels or lags), is named with the reason in words and left out of the fit. The
check is done on the within design's Gram matrix in exact integer arithmetic, so "exactly
zero" is exact; collinearity is read off its eigenvalues with a tight tolerance. The Newton
steps and the covariance then solve full-rank systems only: no least-squares or
pseudo-inverse answer for a term the data cannot pin down.

A term is reported as "not enough data" instead of a number when fewer than
`MIN_EXPOSED_MONTHS` organisation-months were exposed, fewer than `MIN_ORGANISATIONS`
organisations changed exposure during the period, fewer than `MIN_ORGANISATIONS` organisations
differed from most others in the same month, no referral came in any exposed
organisation-month, its standard error is not finite, wider than `MAX_SE` or narrower than
`MIN_SE` on the log scale, or the ratio itself has run off beyond e^±`MAX_LOG_IRR`.

Intervals hold their 95% with a county's hundred or so practices, where the plain cluster
sandwich (CR1, G/(G−1)) with 1.96 covers about 93% (bench/model_coverage.py; docs/statistics.md
has the figures): the standard error is the cluster jackknife's (CV3: each organisation left
out in turn, by one Newton step from the full fit), and the quantile is Student's t on the
term's own degrees of freedom (`effective_df`, at most G − 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

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
COLLINEAR_TOLERANCE = 1e-9  # eigenvalue of the within design's correlation matrix read as zero

SAME_MONTHS = ("This channel reached every organisation in the same months, so its effect "
               "cannot be told apart from what else happened in those months.")


@dataclass(frozen=True)
class Term:
    channel: Channel
    lag: int
    exposed_months: int
    organisations: int  # organisations whose exposure changed within the period
    irr: float | None = None
    low: float | None = None
    high: float | None = None
    problem: str | None = None  # why there is no figure, in words
    differing: int = 0  # organisations exposed when most were not in a month, or the reverse
    identified: bool = True  # False: no amount of data would give a figure (see `problem`)
    se: float | None = None  # of log(irr): the cluster jackknife's, which the interval uses
    degrees_of_freedom: float | None = None  # of the interval's t quantile (see `effective_df`)
    plain_se: float | None = None  # of log(irr): the plain cluster sandwich's (CR1), to compare

    @property
    def estimated(self) -> bool:
        return self.irr is not None

    @property
    def name(self) -> str:
        """The term in words, for naming it in another term's reason."""
        return f"{self.channel.label.lower()} ({when_words(self.lag)})"


def when_words(lag: int) -> str:
    if lag == 0:
        return "same month"
    return f"{lag} month{'s' if lag != 1 else ''} before"


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
    degrees_of_freedom: int | None = None  # organisations in the fit − 1: the most a term's
    # interval uses (each term's own is `Term.degrees_of_freedom`)

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
    cov: np.ndarray  # CR1: the cluster sandwich with G/(G−1)
    converged: bool
    iterations: int
    cov_jackknife: np.ndarray | None = None  # CV3: the cluster jackknife, one step per cluster
    deletions: np.ndarray | None = None  # row g: the change from leaving organisation g out


def _inner(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a' b for tall, narrow arrays. einsum's own loop: a threaded BLAS call of this size
    stalls for most of a second when the machine's cores are busy with other work."""
    return np.einsum("ik,il->kl", a, b)


@dataclass(frozen=True)
class Identification:
    """Which terms the organisation and month effects leave anything to estimate from."""

    zero: list[int]  # exposure moves exactly with the months (or is fixed per organisation)
    collinear: dict[int, list[int]]  # term → the other terms it moves exactly with
    redundant: list[int] = field(default_factory=list)  # one per relation: the rest span it

    @property
    def full_rank(self) -> bool:
        return not self.zero and not self.collinear


def within_gram(terms: list[np.ndarray]) -> np.ndarray:
    """N·T times the Gram matrix of the terms after removing organisation and month means.

    On a balanced panel the two-way demeaned exposure is x_it − x̄_i· − x̄_·t + x̄, and
    N T Σ x̃ x̃' = N T X'X − N Σ_i R_i R_i' − T Σ_t C_t C_t' + S S' with R, C and S the row,
    column and grand sums: all integers, so a term with nothing left after demeaning has an
    exactly zero diagonal, never a rounding error's worth. X'X is counted on the exposures
    packed eight to a byte (a sparse product cost six times as much at England scale), and
    no demeaned (dense) copy of the design is ever made.
    """
    n, months = terms[0].shape
    packed = np.stack([np.packbits(t.ravel().astype(bool)) for t in terms])
    cross = np.empty((len(terms), len(terms)), dtype=np.int64)
    for i in range(len(terms)):
        cross[i, i:] = np.bitwise_count(packed[i] & packed[i:]).sum(axis=1, dtype=np.int64)
        cross[i:, i] = cross[i, i:]
    rows = np.stack([t.sum(axis=1) for t in terms], axis=1).astype(np.int64)
    cols = np.stack([t.sum(axis=0) for t in terms], axis=1).astype(np.int64)
    total = rows.sum(axis=0)
    return (n * months * cross - n * (rows.T @ rows) - months * (cols.T @ cols)
            + np.outer(total, total))


def _echelon(basis: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """The null space's basis in reduced row echelon form, and its pivot columns: each
    relation then names few terms (two channels that always come together pair up lag by lag,
    instead of one mixed list), and each pivot is a combination of the other columns."""
    rows = basis.copy()
    pivots: list[int] = []
    pivot_row = 0
    for col in range(rows.shape[1]):
        if pivot_row == rows.shape[0]:
            break
        best = pivot_row + int(np.argmax(np.abs(rows[pivot_row:, col])))
        if abs(rows[best, col]) < 1e-6:
            continue
        rows[[pivot_row, best]] = rows[[best, pivot_row]]
        rows[pivot_row] /= rows[pivot_row, col]
        others = np.arange(rows.shape[0]) != pivot_row
        rows[others] -= np.outer(rows[others, col], rows[pivot_row])
        pivots.append(col)
        pivot_row += 1
    return rows, pivots


def identification(terms: list[np.ndarray]) -> Identification:
    """Terms with no variation left beside the two sets of effects, and collinear sets.

    Collinearity is read off the eigenvalues of the within design's correlation matrix (unit
    diagonal, so the tolerance means the same whatever the exposure counts): every term with
    weight in an eigenvector of a (numerically) zero eigenvalue is part of an exact linear
    relation. All of them are left out, not just one: which of two channels that always come
    together "did it" is exactly what the data cannot say. What remains is of full rank (a
    relation among the remaining terms would be a null vector without support on the removed
    ones). `redundant` lists one term per relation: the fit can keep the others of a collinear
    set as controls (their joint effect must not leak into other terms), reporting none of
    them, and still solve a full-rank system.
    """
    if not terms:
        return Identification([], {})
    gram = within_gram(terms)
    diagonal = np.diag(gram)
    zero = [j for j in range(len(terms)) if diagonal[j] <= 0]
    rest = [j for j in range(len(terms)) if diagonal[j] > 0]
    collinear: dict[int, list[int]] = {}
    redundant: list[int] = []
    if len(rest) > 1:
        sub = gram[np.ix_(rest, rest)].astype(float)
        scale = 1 / np.sqrt(np.diag(sub))
        values, vectors = np.linalg.eigh(sub * scale[:, None] * scale[None, :])
        relations, pivots = _echelon(vectors[:, values < COLLINEAR_TOLERANCE].T)
        redundant = [rest[j] for j in pivots]
        for vector in relations:
            involved = [rest[j] for j in np.flatnonzero(np.abs(vector) > 1e-6)]
            for j in involved:
                partners = collinear.setdefault(j, [])
                partners.extend(i for i in involved if i != j and i not in partners)
    return Identification(zero, collinear, redundant)


def fit_fe_poisson(y: np.ndarray, terms: list[np.ndarray], *, max_iter: int = 50,
                   tol: float = 1e-10, checked: bool = False) -> Fit:
    """Poisson with row (organisation) and column (month) effects; returns the terms' part.

    `y` is organisations × months, each term a 0/1 array of the same shape; every row must have
    a positive total, and every column too. The coefficients are the terms' first, then the
    month effects relative to the first month. Exposures are sparse (most organisations are
    not visited in most months), so the design is a sparse matrix and each Newton step costs
    time in proportion to the exposed organisation-months, not to organisations × terms.

    Terms must be identified beside the effects (`identification`); a design that is not is
    refused rather than given an arbitrary answer (`checked`: the caller has just made sure).
    If the information matrix still cannot be solved (a coefficient running off to infinity),
    the fit stops, unconverged, with NaN variances, so every term reads as too uncertain.
    """
    found = identification([] if checked else terms)
    if not found.full_rank:
        bad = sorted({*found.zero, *found.redundant})
        raise ValueError(f"Terms {bad} cannot be estimated beside the organisation and month "
                         "effects; leave them out (see identification()).")
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
        try:
            step = np.linalg.solve(information(p), gradient(p))
        except np.linalg.LinAlgError:
            break
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
    try:
        bread = np.linalg.inv(information(p))
    except np.linalg.LinAlgError:
        return Fit(coef=theta, cov=np.full((k, k), np.nan), converged=False,
                   iterations=iterations, cov_jackknife=np.full((k, k), np.nan))
    meat = _inner(scores, scores)
    cov = bread @ meat @ bread * (n / (n - 1) if n > 1 else 1.0)
    x_coo = x.tocoo()
    deleted = _deletion_steps(scores, bread, p, totals, x_coo.row, x_coo.col, x_coo.data, kb)
    jackknife = _inner(deleted, deleted) * ((n - 1) / n if n > 1 else 1.0)
    return Fit(coef=theta, cov=cov, converged=converged, iterations=iterations,
               cov_jackknife=jackknife, deletions=deleted)


def _deletion_steps(scores: np.ndarray, bread: np.ndarray, p: np.ndarray, totals: np.ndarray,
                    cells: np.ndarray, cols: np.ndarray, values: np.ndarray, kb: int, *,
                    max_iter: int = 200, tol: float = 1e-10) -> np.ndarray:
    """Row g: (I − I_g)⁻¹ s_g, the change in the estimates if organisation g were left out
    (one Newton step from the full fit), for the cluster jackknife (CV3).

    I is the information, I_g organisation g's own part of it and s_g its score. Solving
    G systems of (terms + months) unknowns would cost seconds at England scale; instead the
    fixed point δ_g = I⁻¹ (s_g + I_g δ_g) is iterated for all organisations at once, each
    step costing what one score computation does (I_g δ_g needs only g's own cells). It
    converges because I_g is part of I (the rate is the organisation's leverage, far below 1
    when at least five organisations identify every term).
    """
    n, months = p.shape
    orgs = cells // months
    delta = scores @ bread
    for _ in range(max_iter):
        eta = np.zeros(n * months)
        if kb:
            eta += np.bincount(cells, weights=values * delta[orgs, cols], minlength=n * months)
        eta = eta.reshape(n, months)
        eta[:, 1:] += delta[:, kb:]
        r = totals[:, None] * p * (eta - (p * eta).sum(axis=1, keepdims=True))
        own = np.empty_like(scores)
        if kb:
            own[:, :kb] = np.bincount(orgs * kb + cols, weights=values * r.ravel()[cells],
                                      minlength=n * kb).reshape(n, kb)
        own[:, kb:] = r[:, 1:]
        updated = (scores + own) @ bread
        change = float(np.max(np.abs(updated - delta))) if updated.size else 0.0
        delta = updated
        if change <= tol * (1.0 + float(np.max(np.abs(delta)))):
            break
    return delta


def exposure(panel: Panel, channel: Channel, lag: int) -> np.ndarray:
    """1 where the organisation had live engagement of `channel` `lag` months before."""
    sl = panel.outcome_slice
    had = panel.engagement[channel] > 0
    return had[:, sl.start - lag:sl.stop - lag]


def differing(x: np.ndarray) -> int:
    """Organisations exposed in a month when most were not, or not exposed when most were.

    With month effects these are the organisations a term is measured from: a channel that
    reached everyone alike in every month has none.
    """
    most = 2 * x.sum(axis=0) > x.shape[0]
    return int((x != most[None, :]).any(axis=1).sum())


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _screen(x: np.ndarray, y: np.ndarray, channel: Channel, lag: int) -> Term:
    """The term's counts, and its problem if it is thin or moves with the months alone."""
    exposed = int(x.sum())
    varying = int((x.any(axis=1) & ~x.all(axis=1)).sum())
    apart = differing(x)
    term = Term(channel, lag, exposed, varying, differing=apart)
    if varying and not apart:
        return replace(term, problem=SAME_MONTHS, identified=False)
    if exposed < MIN_EXPOSED_MONTHS or varying < MIN_ORGANISATIONS:
        return replace(term, problem=(
            f"Not enough data: {exposed} exposed organisation-months and {varying} "
            f"organisations whose exposure changed (needs {MIN_EXPOSED_MONTHS} and "
            f"{MIN_ORGANISATIONS})."))
    if apart < MIN_ORGANISATIONS:
        return replace(term, problem=(
            f"Not enough data: only {apart} organisations were reached in a month when most "
            f"others were not, or missed one that most others had (needs {MIN_ORGANISATIONS}); "
            "with month effects, only differences between organisations in the same month "
            "measure a channel's effect."))
    if not y[x].any():
        return replace(term, problem=(
            f"Not enough data: none of the {exposed} exposed organisation-months had a "
            "referral, so there is no ratio to measure."))
    return term


def effective_df(deletions: np.ndarray) -> float:
    """Degrees of freedom for a term's t interval: G − 1 at most, fewer when a few
    organisations carry most of the variance estimate.

    The jackknife variance is a sum over organisations of c_g², c_g the change in the
    estimate from leaving g out. Satterthwaite's approximation matches its spread to a
    chi-squared's: df = 2 (Σ c_g²)² / Var(Σ c_g²), the variance estimated from the c_g²
    themselves. Equal, normal contributions give G; overdispersed counts (a few practices
    with most of the referrals in their visited months) give far fewer, which is what a
    plain t with G − 1 misses (bench/model_coverage.py: about 93% coverage with G − 1 and 88
    practices, a median of about 24 degrees of freedom here).
    """
    g = len(deletions)
    squares = deletions ** 2
    spread = g / max(g - 1, 1) * float(((squares - squares.mean()) ** 2).sum())
    if g < 2 or spread <= 0:
        return float(max(g - 1, 1))
    return float(min(max(2 * float(squares.sum()) ** 2 / spread, 1.0), g - 1))


def t_quantile(degrees_of_freedom: float) -> float:
    """The 97.5% point of Student's t (scipy imported here, not at app start)."""
    from scipy import stats  # noqa: PLC0415

    return float(stats.t.ppf(0.975, degrees_of_freedom))


def regression(panel: Panel, channels: list[Channel] | None = None,
               lags: tuple[int, ...] = LAGS) -> Regression:
    """Fit the model over the panel's period; thin or unidentified terms are named, with the
    reason, not estimated."""
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
    terms: dict[tuple[Channel, int], Term] = {}
    exposures: dict[tuple[Channel, int], np.ndarray] = {}
    for channel in channels:
        for lag in lags:
            x = exposure(panel, channel, lag)[keep][:, month_keep]
            terms[(channel, lag)] = _screen(x, y, channel, lag)
            exposures[(channel, lag)] = x
    if result.organisations < 2 or result.months < 2:
        result.problem = ("Not enough data for the model: it needs referrals from at least two "
                          "organisations in at least two months of the period.")
        for key, term in terms.items():
            if term.problem is None:
                terms[key] = replace(term, problem="Not enough data for the model.")
    candidates = [key for key, term in terms.items() if term.problem is None]
    found = identification([exposures[key] for key in candidates])
    for j in found.zero:  # a linear mix of organisation and month effects, not the months alone
        terms[candidates[j]] = replace(terms[candidates[j]], identified=False, problem=(
            "Its exposure is explained entirely by which organisations were reached and when "
            "everyone was, so its effect cannot be told apart from those."))
    for j, partners in found.collinear.items():
        names = _join([terms[candidates[i]].name for i in partners])
        terms[candidates[j]] = replace(terms[candidates[j]], identified=False, problem=(
            f"Its exposure moves exactly with that of {names}, so their effects cannot be "
            "told apart."))
    # Collinear terms stay in the fit as controls, one of each relation left out; none of them
    # is reported.
    left_out = {candidates[j] for j in (*found.zero, *found.redundant)}
    fitted = [key for key in candidates if key not in left_out]
    if fitted:
        # Full rank: what remains of each relation spans what was left out.
        fit = fit_fe_poisson(y, [exposures[key] for key in fitted], checked=True)
        result.converged = fit.converged
        result.degrees_of_freedom = result.organisations - 1
        for j, key in enumerate(fitted):
            if terms[key].problem is not None:
                continue
            assert fit.cov_jackknife is not None
            coef, variance = float(fit.coef[j]), float(fit.cov_jackknife[j, j])
            se = math.sqrt(max(variance, 0.0)) if math.isfinite(variance) else math.nan
            plain = float(fit.cov[j, j])
            if not (math.isfinite(coef) and math.isfinite(se)) or se > MAX_SE or se < MIN_SE \
                    or abs(coef) > MAX_LOG_IRR or not fit.converged:
                terms[key] = replace(terms[key], problem=(
                    "Not enough data: the estimate is too uncertain to report."))
            else:
                assert fit.deletions is not None
                df = effective_df(fit.deletions[:, j])
                q = t_quantile(df)
                terms[key] = replace(terms[key], irr=math.exp(coef), low=math.exp(coef - q * se),
                                     high=math.exp(coef + q * se), se=se,
                                     plain_se=math.sqrt(plain) if plain >= 0 else None,
                                     degrees_of_freedom=df)
    result.terms = [terms[(channel, lag)] for channel in channels for lag in lags]
    return result
