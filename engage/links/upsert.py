"""INSERT ... ON CONFLICT for SQLite and PostgreSQL, which both speak it with one syntax."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def _insert(session: Session, model: Any) -> Any:
    """A dialect INSERT on the table (not the mapped class, so the ORM stays out of the way)."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model.__table__)


def insert_ignoring_conflicts(
    session: Session, model: Any, rows: Sequence[Mapping[str, Any]], keys: list[str]
) -> int:
    """Insert rows one by one, skipping any that clash on `keys`; returns how many went in.

    Counted from RETURNING rather than `rowcount`, which drivers do not all report (psycopg
    answers -1 for a multi-row INSERT). The statement takes its values as parameters, so
    SQLAlchemy compiles it once and reuses it.
    """
    table = model.__table__
    statement = (_insert(session, model).on_conflict_do_nothing(index_elements=keys)
                 .returning(table.c[keys[0]]))
    connection = session.connection()
    return sum(len(connection.execute(statement, dict(row)).all()) for row in rows)


def insert_or_update(
    session: Session, model: Any, row: Mapping[str, Any], keys: list[str],
    update: Mapping[str, Any],
) -> None:
    """Insert one row, or apply `update` to the row that already has its `keys`.

    `update` may use `excluded(column)` and the table's own columns; the database locks the
    existing row, so concurrent updates add up instead of overwriting each other.
    """
    statement = _insert(session, model).values(dict(row))
    session.connection().execute(
        statement.on_conflict_do_update(index_elements=keys, set_=dict(update)))
