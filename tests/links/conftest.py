"""Fixtures for the links tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engage.links.visitors import forget_cached_salts


@pytest.fixture(autouse=True)
def fresh_salts() -> Iterator[None]:
    """Each test empties the database, salts included: drop the per-process copy too."""
    forget_cached_salts()
    yield
    forget_cached_salts()
