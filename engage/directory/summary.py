"""Headline counts of the directory."""

from __future__ import annotations

from sqlalchemy import exists, func, select

from engage.database import DbSession
from engage.directory.models import Organisation, OrgKind, OrgStatus


def directory_counts(session: DbSession) -> dict[OrgKind, int]:
    """Active organisations per kind."""
    rows = session.execute(
        select(Organisation.kind, func.count())
        .where(Organisation.status == OrgStatus.ACTIVE)
        .group_by(Organisation.kind)
    ).all()
    counts = {kind: 0 for kind in OrgKind}
    counts.update({kind: n for kind, n in rows})
    return counts


def listed_total(session: DbSession) -> int:
    """Every organisation in the directory, whatever its status (closed ones included)."""
    return int(session.scalar(select(func.count()).select_from(Organisation)) or 0)


def demo_loaded(session: DbSession) -> bool:
    """Whether the directory holds generated demo data, so every page can say so.

    Asked on every page; `WHERE is_demo` (= 1 on SQLite) is answered by a partial index.
    """
    return bool(session.scalar(select(exists().where(Organisation.is_demo))))
