"""The scan endpoint's limit per client address, counted in Flask-Limiter's own storage.

Not the `@limiter.limit` decorator: measured in-process, the decorator's second pass through
Flask-Limiter (resolving the route's limits, parsing the limit string, building its request
objects) cost about 0.12 ms a request, a sixth of a whole scan, on the route whose throughput
is a target (docs/performance.md). Here the limit string is parsed once, the key is one HMAC
and each window is one `hit` on the limiter's strategy and storage (memory:// or Redis, as
configured by RATELIMIT_STORAGE_URI), about 0.02 ms in all.

The key is an HMAC of the address under the app's secret, so the limiter's store never holds
an address. If the storage cannot be reached, scans are let through (and a warning logged):
staff at a poster should not see an error page because Redis is down.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from collections.abc import Sequence
from functools import lru_cache

from limits import RateLimitItem, parse_many
from limits.strategies import RateLimiter

log = logging.getLogger(__name__)


@lru_cache(maxsize=16)
def parsed(limit: str) -> tuple[RateLimitItem, ...]:
    """A limit string such as `60 per minute;600 per hour`, parsed once per process."""
    return tuple(parse_many(limit))


def address_key(secret: str, address: str | None, scope: str) -> str:
    """A rate-limit key for `address` that does not reveal it: an HMAC under `secret`."""
    digest = hmac.digest(secret.encode(), (address or "").encode(), hashlib.sha256)
    return f"{scope}:{digest.hex()[:24]}"


def seconds_to_wait(strategy: RateLimiter, limits: Sequence[RateLimitItem],
                    *identifiers: str, now: float | None = None) -> int | None:
    """Count one request against each limit: None while under all of them, else the seconds
    until the window that refused it starts again (for Retry-After)."""
    try:
        for item in limits:
            if not strategy.hit(item, *identifiers):
                reset = strategy.get_window_stats(item, *identifiers).reset_time
                return max(1, math.ceil(reset - (time.time() if now is None else now)))
    except Exception:  # noqa: BLE001 - any storage failure: let the scan through
        log.warning("rate-limit storage unavailable: scans are not limited until it is back")
    return None
