"""Steering SQLite's query planner for the insight figures, which read long date ranges.

SQLite reads a range through an index at a row lookup per row, about two and a half times what
a scan of the whole table costs per row (at England scale: three years of the engagement
ledger 3.0 s through ix_engagement_time, 1.2 s by scan; two years of scans 0.22 s through
ix_scan_day, 0.04 s by scan). It also walks an index, row lookup and all, just to hand a
GROUP BY its rows already sorted. So a range that covers much of a table is read by scan, and
grouping columns are written so they cannot pick an index. PostgreSQL's planner weighs this
itself: everything here leaves its queries as they are.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, literal_column, select

from engage.database import DbSession

# Past this share of a table's stored time span, a range is read by scanning the table.
INDEX_SHARE_LIMIT = 1 / 3


def unindexed(column: Any) -> Any:
    """The column written `+table.column`, SQLite's documented way to keep a term from
    choosing an index."""
    return literal_column(f"+{column.table.name}.{column.name}", column.type)


def grouping(session: DbSession, *columns: Any) -> list[Any]:
    """GROUP BY columns that make SQLite sort the rows it found (a few thousand groups)
    instead of reading the whole range through an index in the grouping's order."""
    if session.get_bind().dialect.name != "sqlite":
        return list(columns)
    return [unindexed(column) for column in columns]


def range_column(session: DbSession, column: Any, start: date | datetime,
                 end: date | datetime) -> Any:
    """`column` to compare with the range [start, end): on SQLite, unindexed when the range
    spans more than `INDEX_SHARE_LIMIT` of the column's stored span.

    The column must lead an index, so its first and last values are two index look-ups
    (`min` and `max` keep the column's type, so they compare with `start` and `end`).
    """
    if session.get_bind().dialect.name != "sqlite":
        return column
    first, last = session.execute(select(func.min(column), func.max(column))).one()
    if first is None or last is None or last <= first:
        return column
    covered = min(end, last) - max(start, first)
    return unindexed(column) if covered > (last - first) * INDEX_SHARE_LIMIT else column
