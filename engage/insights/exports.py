"""Any insight table as CSV or JSON: shared by the pages' download links and the CLI, so a
script gets exactly the figures a page shows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from engage.directory.export import neutralise

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
    """The table as CSV, every cell neutralised against formula injection."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in table.headers])
    for row in table.rows:
        writer.writerow([neutralise(value) for value in row])
    return out.getvalue()


def to_json(table: Table) -> str:
    """The table as JSON: what the figures are about, and one object per row."""
    return json.dumps({"table": table.name, "about": table.about, "rows": table.records()},
                      indent=2, default=str)


def render(table: Table, fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"Choose a format from {', '.join(FORMATS)}.")
    return to_csv(table) if fmt == "csv" else to_json(table)
