"""INSERT ... ON CONFLICT for SQLite and PostgreSQL, which both speak it with one syntax."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def _insert(session: Session, model: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def insert_ignoring_conflicts(
    session: Session, model: Any, rows: Sequence[Mapping[str, Any]], keys: list[str]
) -> int:
    """Insert rows, skipping any that clash on `keys`; returns how many were inserted.

    Counted from RETURNING rather than `rowcount`, which drivers do not all report for a
    multi-row INSERT (psycopg answers -1).
    """
    if not rows:
        return 0
    table = model.__table__
    statement = (_insert(session, model).values(list(rows))
                 .on_conflict_do_nothing(index_elements=keys).returning(table.c[keys[0]]))
    return len(session.execute(statement).all())


def insert_or_update(
    session: Session, model: Any, row: Mapping[str, Any], keys: list[str],
    update: Mapping[str, Any],
) -> None:
    """Insert one row, or apply `update` to the row that already has its `keys`.

    `update` may use `excluded(column)` and the table's own columns; the database locks the
    existing row, so concurrent updates add up instead of overwriting each other.
    """
    statement = _insert(session, model).values(dict(row))
    session.execute(statement.on_conflict_do_update(index_elements=keys, set_=dict(update)))
