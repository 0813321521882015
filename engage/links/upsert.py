"""INSERT ... ON CONFLICT for SQLite and PostgreSQL, which both speak it with one syntax.

Statements are built once per dialect, table and shape and then reused with new parameters:
building one (`.values()`, cache keys) cost more than SQLite's own work on the scan path.
The scan compiles its own from these builders once per dialect (`scans._statements`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite

from engage.database import DbSession


def dialect_insert(dialect: str, table: Table) -> Any:
    """A dialect INSERT on the table (not the mapped class, so the ORM stays out of the way)."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def bound_values(table: Table, *names: str) -> dict[str, Any]:
    """Bind parameters named after the columns and typed by them, for `.values()`."""
    return {name: bindparam(name, type_=table.c[name].type) for name in names}


@lru_cache(maxsize=64)
def ignoring_statement(dialect: str, table: Table, keys: tuple[str, ...]) -> Any:
    """INSERT that skips a row clashing on `keys`, returning the first key of a row it added."""
    return dialect_insert(dialect, table).on_conflict_do_nothing(
        index_elements=list(keys)).returning(table.c[keys[0]])


def upsert_statement(dialect: str, table: Table, columns: Sequence[str], keys: Sequence[str],
                     update: Mapping[str, Any]) -> Any:
    """INSERT of `columns`, or `update` applied to the row that already has its `keys`.

    `update` may use the table's own columns (`table.c.people + 1`); the database locks the
    existing row, so concurrent updates add up instead of overwriting each other.
    """
    values = bound_values(table, *columns)
    return dialect_insert(dialect, table).values(values).on_conflict_do_update(
        index_elements=list(keys), set_=dict(update))


def insert_ignoring_conflicts(
    session: DbSession, model: Any, rows: Sequence[Mapping[str, Any]], keys: list[str]
) -> int:
    """Insert rows one by one, skipping any that clash on `keys`; returns how many went in.

    Counted from RETURNING rather than `rowcount`, which drivers do not all report (psycopg
    answers -1 for a multi-row INSERT).
    """
    connection = session.connection()
    statement = ignoring_statement(connection.dialect.name, model.__table__, tuple(keys))
    return sum(len(connection.execute(statement, dict(row)).all()) for row in rows)
