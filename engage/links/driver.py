"""SQLAlchemy statements compiled once per dialect and run on the driver's own cursor.

The scan is the busiest write in engage and a handful of tiny statements: SQLAlchemy's
per-execution work (execution context, parameter processing, result wrapping) and the
Session's commit cost more than the database does. So the scan compiles its statements once
per dialect here and hands them to the DBAPI cursor. The values still go through each
column's own bind processor, so what is stored is exactly what the ORM would store (the tests
read scans written this way back through the ORM).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class DriverStatement:
    """One compiled statement and how to turn named values into the driver's parameters."""

    sql: str
    order: tuple[str, ...] | None  # positional drivers (SQLite's qmark): names in order
    processors: Mapping[str, Callable[[Any], Any]]
    constants: Mapping[str, Any]  # values the statement itself carries (the 1 in people + 1)

    def parameters(self, values: Mapping[str, Any]) -> Any:
        processed = dict(self.constants)
        for name, value in values.items():
            processed[name] = self.processors[name](value) if name in self.processors else value
        if self.order is None:
            return processed
        return tuple(processed[name] for name in self.order)

    def execute(self, cursor: Any, values: Mapping[str, Any]) -> Any:
        cursor.execute(self.sql, self.parameters(values))
        return cursor


def compile_for(statement: ClauseElement, dialect: Dialect) -> DriverStatement:
    """Compile `statement` for `dialect`; each bind parameter is processed by its own type
    (a column's, for parameters made by `upsert.bound_values` or an INSERT's own columns)."""
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    processors: dict[str, Callable[[Any], Any]] = {}
    constants: dict[str, Any] = {}
    for name, bind in compiled.binds.items():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors[name] = processor
        if not bind.required:
            value = bind.effective_value
            constants[name] = processor(value) if processor is not None else value
    order = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
    return DriverStatement(compiled.string, order, processors, constants)


_AUTOCOMMIT: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def autocommit_engine(engine: Engine) -> Engine:
    """A PostgreSQL pool of the app's database for statements complete on their own.

    Its connections stay in autocommit with `synchronous_commit = off`, set once when each is
    opened, so a scan costs one round trip and nothing on check-out or return: switching a
    shared connection in and out of autocommit, and the pool's reset, cost more per scan than
    the database did. The pool lives as long as `engine` and is disposed with it.
    """
    own = _AUTOCOMMIT.get(engine)
    if own is not None:
        return own
    import psycopg  # only with PostgreSQL: SQLite installs need not pay for it at start-up

    fresh = create_engine(engine.url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None,
                          hide_parameters=True,
                          paramstyle="numeric_dollar",
                          connect_args={"cursor_factory": psycopg.RawCursor})
    event.listen(fresh, "connect", _commit_without_waiting_for_disk)
    own = _AUTOCOMMIT.setdefault(engine, fresh)
    if own is fresh:
        event.listen(engine, "engine_disposed", lambda _engine: fresh.dispose())
    return own


def _commit_without_waiting_for_disk(dbapi_connection: Any, _record: Any) -> None:
    # The same durability as SQLite's WAL with synchronous=NORMAL: a power cut may forget the
    # last fraction of a second of commits, and never corrupts anything.
    cursor = dbapi_connection.cursor()
    cursor.execute("SET synchronous_commit TO off")
    cursor.close()


def kept_cursor(connection: Any) -> Any:
    """A driver cursor kept with a pooled connection (a `PoolProxiedConnection`) for its life.

    Making a psycopg cursor costs about as much as a third of running the scan's statement.
    The pool's `info` belongs to the one database connection, so a reconnect starts afresh.
    """
    cursor = connection.info.get("engage_cursor")
    if cursor is None or cursor.closed:
        cursor = connection.info["engage_cursor"] = connection.driver_connection.cursor()
    return cursor
