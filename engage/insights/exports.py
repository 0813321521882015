"""Any insight table as CSV or JSON: shared by the pages' download links and the CLI, so a
script gets exactly the figures a page shows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engage.audit.log import record_export
from engage.csv_export import csv_text

FORMATS = ("csv", "json")


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
    return csv_text([table.headers, *table.rows])


def to_json(table: Table) -> str:
    """The table as JSON: what the figures are about, and one object per row."""
    return json.dumps({"table": table.name, "about": table.about, "rows": table.records()},
                      indent=2, default=str)


def audit_export(session: Session, actor: Any, table: Table, fmt: str,
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
