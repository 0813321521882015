"""SQLAlchemy statements compiled once per dialect and run on the driver's own cursor.

The scan is the busiest write in engage and a handful of tiny statements: SQLAlchemy's
per-execution work (execution context, parameter processing, result wrapping) and the
Session's commit cost more than the database does. So the scan compiles its statements once
per dialect here and hands them to the DBAPI cursor. The values still go through each
column's own bind processor, so what is stored is exactly what the ORM would store (the tests
read scans written this way back through the ORM).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

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
