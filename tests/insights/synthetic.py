"""Panels with known planted effects, made with numpy's seeded Generator, for the model tests."""

from __future__ import annotations

import numpy as np

from engage.campaigns.models import Channel
from engage.insights.panel import CHANNELS, LEAD_MONTHS, Panel, month_key_of


def _months(count: int) -> list[str]:
    first = 2021 * 12 + 3  # April 2021
    return [month_key_of(first + i) for i in range(count)]


def _firsts(engagement: dict[Channel, np.ndarray]) -> dict[Channel | None, np.ndarray]:
    firsts: dict[Channel | None, np.ndarray] = {}
    overall = np.zeros_like(next(iter(engagement.values())))
    for channel, values in engagement.items():
        firsts[channel] = _first_column(values)
        overall = overall + values
    firsts[None] = _first_column(overall)
    return firsts


def _first_column(values: np.ndarray) -> np.ndarray:
    any_ = values > 0
    first = np.argmax(any_, axis=1).astype(np.int64)
    first[~any_.any(axis=1)] = Panel.NEVER
    return first


def planted_panel(seed: int, *, organisations: int = 300, months: int = 24,
                  effect: float = 1.5, lag: int = 1, channel: Channel = Channel.PRACTICE_VISIT,
                  visit_probability: float = 0.12, base_rate: float = 0.8,
                  dispersion: float | None = 2.0, other_channel: Channel | None = Channel.WEBINAR,
                  ) -> Panel:
    """Referrals multiplied by `effect` `lag` months after a month with a `channel` engagement.

    Organisations differ in size (a gamma frailty) and months in season, so the organisation
    and month effects matter; referrals are negative binomial when `dispersion` is set (gamma
    mixing with that shape), overdispersed like the provider's real counts. An unrelated
    channel (`other_channel`) is engaged at random with no effect.
    """
    rng = np.random.default_rng(seed)
    total_months = months + LEAD_MONTHS
    size = rng.gamma(2.0, 0.5, organisations)  # mean 1
    season = 1 + 0.3 * np.sin(np.arange(total_months) / 12 * 2 * np.pi)
    engagement = {c: np.zeros((organisations, total_months), dtype=np.int64) for c in CHANNELS}
    # Bigger practices are visited a little more often: confounding the FE must absorb.
    p_visit = np.clip(visit_probability * (0.5 + 0.5 * size), 0, 0.9)
    visits = rng.random((organisations, total_months)) < p_visit[:, None]
    engagement[channel] = visits.astype(np.int64) * rng.integers(1, 3, visits.shape)
    if other_channel is not None:
        engagement[other_channel] = (rng.random((organisations, total_months)) < 0.1).astype(
            np.int64)
    exposed = np.zeros_like(visits)
    exposed[:, lag:] = visits[:, :total_months - lag]
    mean = base_rate * size[:, None] * season[None, :] * np.where(exposed, effect, 1.0)
    if dispersion:
        mean = mean * rng.gamma(dispersion, 1 / dispersion, mean.shape)
    referrals = rng.poisson(mean).astype(np.int64)
    return Panel(months=_months(total_months), organisation_ids=np.arange(1, organisations + 1),
                 referrals=referrals, engagement=engagement, first_engaged=_firsts(engagement))


def step_panel(seed: int, *, organisations: int = 120, months: int = 30, before: float = 0.5,
               after: float = 1.5) -> Panel:
    """Each engaged organisation's referral rate steps from `before` to `after` at its first
    engagement; a fifth are never engaged and stay at `before`."""
    rng = np.random.default_rng(seed)
    total_months = months + LEAD_MONTHS
    engagement = {c: np.zeros((organisations, total_months), dtype=np.int64) for c in CHANNELS}
    first = rng.integers(LEAD_MONTHS + 6, total_months - 6, organisations)
    never = rng.random(organisations) < 0.2
    rate = np.full((organisations, total_months), before)
    for i in range(organisations):
        if not never[i]:
            engagement[Channel.WEBINAR][i, first[i]] = 1
            rate[i, first[i]:] = after
    referrals = rng.poisson(rate).astype(np.int64)
    return Panel(months=_months(total_months), organisation_ids=np.arange(1, organisations + 1),
                 referrals=referrals, engagement=engagement, first_engaged=_firsts(engagement))
