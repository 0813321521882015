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
