"""What every demo step is given: the session, the time, and where the reference data lives."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from engage.database import DbSession


@dataclass
class DemoContext:
    session: DbSession
    now: datetime
    data_dir: Path

    def random(self, *key: object) -> random.Random:
        """A generator seeded from `key`: each piece of demo data comes out the same every time."""
        return random.Random(":".join(["engage-demo", *map(str, key)]))  # noqa: S311 - not for secrets
