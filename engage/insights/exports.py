"""Any insight table as CSV or JSON: shared by the pages' download links and the CLI, so a
script gets exactly the figures a page shows.

Rows hold plain values: numbers as numbers, `None` where there is no figure. CSV writes them
through the shared writer (a missing figure is an empty cell); JSON keeps numbers as JSON
numbers and a missing figure (or a NaN or infinity, which JSON cannot carry) as `null`, so a
script reading the JSON never has to parse `"0.9834"` or guess what `""` means.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from engage.audit.log import record_export
from engage.csv_export import csv_text
from engage.database import DbSession

FORMATS = ("csv", "json")


@dataclass(frozen=True)
class Figure:
    """A figure shown to a few significant digits: the same rounding in CSV (as text, as the
    page shows it) and in JSON (as a number), so the two downloads agree cell for cell."""

    value: float | None
    digits: int = 4

    @property
    def text(self) -> str:
        return "" if self.value is None else f"{self.value:.{self.digits}g}"

    @property
    def number(self) -> float | None:
        if self.value is None or not math.isfinite(self.value):
            return None
        return float(self.text)


@dataclass
class Table:
    """A named table: headings, rows of plain values, and what the figures are about."""

    name: str
    headers: list[str]
    rows: list[Sequence[Any]] = field(default_factory=list)
    about: str = ""

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.headers, row, strict=True)) for row in self.rows]


def to_csv(table: Table) -> str:
    """The table as CSV through the shared writer: formulas neutralised, numbers kept."""
    return csv_text([table.headers,
                     *([c.text if isinstance(c, Figure) else c for c in row]
                       for row in table.rows)])


def json_value(value: Any) -> Any:
    """A cell as JSON: numbers stay numbers, no figure (`None`, `""`, NaN) is `null`."""
    if isinstance(value, Figure):
        return value.number
    if value is None or isinstance(value, bool | int | str):
        return None if value == "" else value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # a NumPy scalar from the model
        return json_value(value.item())
    return str(value)


def to_json(table: Table) -> str:
    """The table as JSON: what the figures are about, and one object per row."""
    rows = [{k: json_value(v) for k, v in record.items()} for record in table.records()]
    return json.dumps({"table": table.name, "about": table.about, "rows": rows},
                      indent=2, allow_nan=False)


def audit_export(session: DbSession, actor: Any, table: Table, fmt: str,
                 parameters: dict[str, Any], *, now: datetime) -> None:
    """Write a download or `flask insights export` to the audit log; `actor` None for the
    command line. Repeats with the same parameters within a minute fold into one row."""
    record_export(session, actor, "insights.export",
                  f"Exported {table.name} ({len(table.rows):,} rows) as {fmt.upper()}: "
                  f"{table.about}",
                  parameters={"table": table.name, "format": fmt, **parameters}, now=now,
                  details={"rows": len(table.rows)})


def render(table: Table, fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"Choose a format from {', '.join(FORMATS)}.")
    return to_csv(table) if fmt == "csv" else to_json(table)
