"""Writing thousands of rows at once, with values already in the database's own form.

SQLAlchemy's per-row work (building each parameter set and running each column's type
processor on each value) costs more than SQLite's own insert for a file like the England
epraccur list. A bulk import therefore converts each distinct value once, with the column's
own SQLAlchemy bind processor (so what is stored is exactly what the ORM would store), and
hands plain tuples to the driver through the session's connection, inside its transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import chain
from typing import Any

from sqlalchemy import Table, column, literal, select, table
from sqlalchemy.engine import Row

from engage.database import DbSession

MAX_PARAMETERS = 999  # the lowest limit on parameters in one statement of any SQLite build
# Positional parameter markers of the drivers engage uses (sqlite3, psycopg).
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


class BulkTable:
    """One table, written and read in its database form inside the session's transaction."""

    def __init__(self, session: DbSession, target: Table) -> None:
        self.connection = session.connection()
        self.dialect = self.connection.dialect
        self.table = target
        if self.dialect.paramstyle not in _PLACEHOLDERS:
            raise NotImplementedError(f"no bulk writes with {self.dialect.paramstyle!r} parameters")
        self._mark = _PLACEHOLDERS[self.dialect.paramstyle]
        self._name = self.dialect.identifier_preparer.quote(target.name)
        self._processors: dict[str, Callable[[Any], Any] | None] = {}

    def db_value(self, name: str, value: Any) -> Any:
        """`value` as the column's type binds it (an enum's text, SQLite's date string ...)."""
        if value is None:
            return None
        try:
            process = self._processors[name]
        except KeyError:
            kind = self.table.c[name].type.dialect_impl(self.dialect)
            process = self._processors[name] = kind.bind_processor(self.dialect)
        return value if process is None else process(value)

    def read(self, names: Sequence[str]) -> list[Row[Any]]:
        """Every row's columns, unconverted, so they compare equal to `db_value` results."""
        plain = table(self.table.name, *(column(name) for name in names))
        return list(self.connection.execute(select(*plain.c)))

    def insert(
        self,
        names: Sequence[str],
        rows: Sequence[tuple[Any, ...]],
        constants: Mapping[str, Any] | None = None,
    ) -> None:
        """Insert tuples of database-form values for the columns `names`.

        Many rows go in each statement (`INSERT ... VALUES (...), (...), ...`), which saves
        SQLite a fifth of its time over a statement per row. `constants` (Python values, the same
        for every row) are written into the statement as literals, rendered by SQLAlchemy for
        the column's type. Columns named in neither take their server defaults.
        """
        if not rows:
            return
        constants = dict(constants or {})
        columns = ", ".join(self._quote(name) for name in [*names, *constants])
        literals = "".join(f", {self._literal(name, value)}" for name, value in constants.items())
        group = "(" + ", ".join([self._mark] * len(names)) + literals + ")"

        def statement(count: int) -> str:
            values = ", ".join([group] * count)
            return f"INSERT INTO {self._name} ({columns}) VALUES {values}"  # noqa: S608 - names are the table's own; values are bound or rendered by SQLAlchemy

        per = max(1, MAX_PARAMETERS // len(names))
        full = len(rows) - len(rows) % per
        if full:
            batches = [tuple(chain.from_iterable(rows[i:i + per])) for i in range(0, full, per)]
            self.connection.exec_driver_sql(statement(per), batches)
        if full < len(rows):
            rest = rows[full:]
            self.connection.exec_driver_sql(statement(len(rest)), tuple(chain.from_iterable(rest)))

    def update(
        self, names: Sequence[str], rows: Sequence[tuple[Any, ...]], key: str = "id"
    ) -> None:
        """Update by `key`: each tuple holds the named columns' new values, then the key's."""
        if not rows:
            return
        sets = ", ".join(f"{self._quote(name)} = {self._mark}" for name in names)
        sql = f"UPDATE {self._name} SET {sets} WHERE {self._quote(key)} = {self._mark}"  # noqa: S608 - as in insert
        self.connection.exec_driver_sql(sql, list(rows))

    def _quote(self, name: str) -> str:
        return str(self.dialect.identifier_preparer.quote(name))

    def _literal(self, name: str, value: Any) -> str:
        rendered = literal(value, self.table.c[name].type).compile(
            dialect=self.dialect, compile_kwargs={"literal_binds": True}
        )
        return str(rendered)
