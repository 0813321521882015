"""The coverage benchmark's machinery, on a few seeds: it runs every design, finds a figure for
each estimable term and none for a newsletter that reached everyone alike. (Coverage itself is
the benchmark's business: a few seeds say nothing about it.)"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np

from engage.campaigns.models import Channel

BENCH = Path(__file__).resolve().parents[2] / "bench" / "model_coverage.py"


def _bench():
    spec = importlib.util.spec_from_file_location("model_coverage", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_every_design_runs_and_the_unidentifiable_newsletter_has_no_figure() -> None:
    bench = _bench()
    for design in bench.DESIGNS:
        tallies = bench.run(design, 3, 88, 24)
        assert set(tallies) == {(c, lag) for c in design.channels for lag in range(4)}
        for (channel, _lag), tally in tallies.items():
            if channel in design.unidentified:
                assert tally.figures == 0
                assert list(tally.problems) == ["This channel reached every organisation in "
                                                "the same months"]
                assert tally.old_guard == 3  # the old guard would have shown a number
            else:
                assert tally.figures == 3, (design.name, channel)
                assert all(math.isfinite(e) for e in tally.errors)
                assert all(df >= 1 for df in tally.dfs)


def test_planted_effects_are_what_the_designs_say() -> None:
    bench = _bench()
    panel, effects = bench.newsletter_to_everyone(np.random.default_rng(1), 88, 24)
    newsletter = panel.engagement[Channel.NEWSLETTER]
    assert (newsletter.min(axis=0) == newsletter.max(axis=0)).all()  # everyone alike
    assert newsletter.any()
    assert effects[Channel.PRACTICE_VISIT][1] == 1.5
    visits = panel.engagement[Channel.PRACTICE_VISIT]
    assert visits.sum(axis=1).max() == 1  # each practice visited at most once
