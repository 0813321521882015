"""Referral rates of organisations reached and not reached in the period, and their ratio.

Rate = referrals / organisation-months. The interval for the rate ratio is the Poisson one
(log RR ± 1.96 × SE) with a robust (sandwich) standard error computed over organisations:
referral counts vary between practices far more than a Poisson count would, and the plain
sqrt(1/a + 1/b) interval would be too narrow. This equals a Poisson GLM of each organisation's
total on "reached" with log(months) as offset and HC0 standard errors (checked in the tests);
the plain Poisson standard error is kept as a floor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engage.campaigns.models import Channel
from engage.insights.panel import Panel

Z = 1.959963984540054
MIN_REFERRALS = 5
MIN_ORGANISATIONS = 5


@dataclass(frozen=True)
class Group:
    organisations: int
    organisation_months: int
    referrals: int

    @property
    def rate(self) -> float | None:
        return self.referrals / self.organisation_months if self.organisation_months else None


@dataclass(frozen=True)
class ReachedComparison:
    channel: Channel | None
    reached: Group
    not_reached: Group
    ratio: float | None
    low: float | None
    high: float | None
    problem: str | None = None  # why there is no ratio, in words


def reached_comparison(panel: Panel, channel: Channel | None = None) -> ReachedComparison:
    """Compare referral rates in the period's months by whether any engagement reached them."""
    sl = panel.outcome_slice
    months = sl.stop - sl.start
    exposed = panel.engaged(channel)[:, sl].sum(axis=1) > 0
    totals = panel.referrals[:, sl].sum(axis=1).astype(float)
    groups = []
    for mask in (exposed, ~exposed):
        groups.append(Group(int(mask.sum()), int(mask.sum()) * months, int(totals[mask].sum())))
    reached, not_reached = groups
    problem = None
    if reached.organisations < MIN_ORGANISATIONS or not_reached.organisations < MIN_ORGANISATIONS:
        problem = (f"Too few organisations to compare: {reached.organisations} reached and "
                   f"{not_reached.organisations} not reached (at least {MIN_ORGANISATIONS} "
                   f"of each are needed).")
    elif reached.referrals < MIN_REFERRALS or not_reached.referrals < MIN_REFERRALS:
        problem = (f"Too few referrals to estimate a ratio: {reached.referrals} from organisations "
                   f"reached and {not_reached.referrals} from those not reached (at least "
                   f"{MIN_REFERRALS} in each group are needed).")
    if problem:
        return ReachedComparison(channel, reached, not_reached, None, None, None, problem)
    log_rr, se = log_rate_ratio(totals[exposed], totals[~exposed], months)
    return ReachedComparison(channel, reached, not_reached, math.exp(log_rr),
                             math.exp(log_rr - Z * se), math.exp(log_rr + Z * se))


def log_rate_ratio(a: np.ndarray, b: np.ndarray, months: int) -> tuple[float, float]:
    """log(rate a / rate b) and its sandwich standard error, clustered by organisation."""
    variances = []
    for counts in (a, b):
        total = counts.sum()
        rate = total / (len(counts) * months)
        residuals = counts - rate * months
        variances.append(float((residuals ** 2).sum()) / total ** 2)
    log_rr = math.log((a.sum() / len(a)) / (b.sum() / len(b)))
    # Never narrower than the plain Poisson interval: counts with less spread than chance
    # (or none, as in made-up data) must not buy a falsely exact ratio.
    poisson = 1 / a.sum() + 1 / b.sum()
    return log_rr, math.sqrt(max(sum(variances), poisson))
