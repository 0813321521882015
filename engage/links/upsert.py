"""INSERT ... ON CONFLICT for SQLite and PostgreSQL, which both speak it with one syntax.

Statements are built once per dialect, table and shape and then reused with new parameters:
building one (`.values()`, cache keys) cost more than SQLite's own work on the scan path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def _insert(dialect: str, table: Table) -> Any:
    """A dialect INSERT on the table (not the mapped class, so the ORM stays out of the way)."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


@lru_cache(maxsize=64)
def _ignoring_statement(dialect: str, table: Table, keys: tuple[str, ...]) -> Any:
    return _insert(dialect, table).on_conflict_do_nothing(index_elements=list(keys)).returning(
        table.c[keys[0]])


@lru_cache(maxsize=64)
def _upsert_statement(dialect: str, table: Table, columns: tuple[str, ...],
                      keys: tuple[str, ...], update_key: Any) -> Any:
    values = {name: bindparam(name, type_=table.c[name].type) for name in columns}
    return _insert(dialect, table).values(values).on_conflict_do_update(
        index_elements=list(keys), set_=dict(update_key))


def insert_ignoring_conflicts(
    session: Session, model: Any, rows: Sequence[Mapping[str, Any]], keys: list[str]
) -> int:
    """Insert rows one by one, skipping any that clash on `keys`; returns how many went in.

    Counted from RETURNING rather than `rowcount`, which drivers do not all report (psycopg
    answers -1 for a multi-row INSERT).
    """
    connection = session.connection()
    statement = _ignoring_statement(connection.dialect.name, model.__table__, tuple(keys))
    return sum(len(connection.execute(statement, dict(row)).all()) for row in rows)


def insert_or_update(
    session: Session, model: Any, row: Mapping[str, Any], keys: list[str],
    update: Mapping[str, Any],
) -> None:
    """Insert one row, or apply `update` to the row that already has its `keys`.

    `update` may use the table's own columns (`table.c.people + 1`); the database locks the
    existing row, so concurrent updates add up instead of overwriting each other. The same
    `update` mapping object should be passed each time (a module constant), so the statement
    is reused.
    """
    connection = session.connection()
    statement = _upsert_statement(
        connection.dialect.name, model.__table__, tuple(row), tuple(keys),
        _Frozen(update))
    connection.execute(statement, dict(row))


class _Frozen:
    """A mapping of SQL expressions usable as a cache key: equal when it is the same mapping."""

    def __init__(self, mapping: Mapping[str, Any]) -> None:
        self.mapping = mapping

    def __hash__(self) -> int:
        return id(self.mapping)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Frozen) and other.mapping is self.mapping

    def __iter__(self) -> Any:
        return iter(self.mapping.items())
