"""Whether this installation holds generated demo data, so the UI can say so."""

from __future__ import annotations

from sqlalchemy import exists, select

from engage.database import DbSession
from engage.directory.models import Organisation


def demo_loaded(session: DbSession) -> bool:
    """Asked on every page; `WHERE is_demo` (= 1 on SQLite) is answered by a partial index."""
    return bool(session.scalar(select(exists().where(Organisation.is_demo))))
