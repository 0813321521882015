"""The campaigns feature's domain exception."""

from __future__ import annotations


class CampaignError(ValueError):
    """A campaign, target or reach change that cannot be made; the message says how to fix it."""
