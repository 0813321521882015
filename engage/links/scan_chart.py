"""A link's scans as bars drawn on the server (SVG), so the chart needs no script and keeps to
the Content-Security-Policy; its table on the page is the accessible source of the figures."""

from __future__ import annotations

from dataclasses import dataclass

from engage.links.stats import Period, ScanSeries

WIDTH = 600  # the SVG's own units; it scales to the width of its box
HEIGHT = 200


@dataclass(frozen=True)
class Bar:
    period: Period
    x: float
    width: float
    people_y: float
    people_height: float
    bots_y: float
    bots_height: float


def bars(series: ScanSeries, width: int = WIDTH, height: int = HEIGHT) -> list[Bar]:
    """One bar per period, people at the bottom and bots stacked above, scaled to the peak."""
    if not series.periods:
        return []
    peak = max(series.peak, 1)
    slot = width / len(series.periods)
    gap = min(slot * 0.2, 4.0)
    drawn = []
    for index, period in enumerate(series.periods):
        people = height * period.people / peak
        bots = height * period.bots / peak
        drawn.append(Bar(period, x=round(index * slot + gap / 2, 2), width=round(slot - gap, 2),
                         people_y=round(height - people, 2), people_height=round(people, 2),
                         bots_y=round(height - people - bots, 2), bots_height=round(bots, 2)))
    return drawn
