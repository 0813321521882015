"""Python's cycle collector, paused while much is built at once and none of it is garbage.

Every few hundred new objects the collector runs, and now and then it walks the whole heap. While
the app is built (models mapped, views and routes registered) or an import holds a file's rows,
the heap only grows and those walks find nothing to free: they cost about a fifth of building
the app and more than the bulk import itself. Reference counting still frees what it always does.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_kept = False


def keep_for_life() -> None:
    """Move everything alive now out of the collector's reach, once per process.

    What start-up made (modules, mapped classes, routes, templates' globals) lives as long as the
    process. Frozen, later collections skip it, so they stay short while requests are served,
    the exit does not walk it one last time, and a server that forks workers after building the
    app keeps those pages shared (the `gc.freeze` advice in Python's documentation). Only the
    first app is frozen: a process that builds many (the test suite) must still free the rest.
    """
    global _kept
    if not _kept:
        _kept = True
        gc.freeze()
