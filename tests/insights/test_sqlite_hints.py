"""SQLite's planner hints: long ranges are read by scan, short ones through their index."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from engage.campaigns.models import Engagement
from engage.extensions import db
from engage.insights.sqlite_hints import grouping, range_column
from tests.factories import make_engagement, make_organisation


def _sql(column) -> str:
    return str(select(column).compile(db.engine))


def test_a_range_over_most_of_the_ledger_is_read_by_scan_on_sqlite_only(app) -> None:
    org = make_organisation()
    for month in range(1, 13):
        make_engagement(org, occurred_at=datetime(2024, month, 1, tzinfo=UTC),
                        source_ref=f"m{month}")
    db.session.commit()
    sqlite = db.engine.dialect.name == "sqlite"
    year = range_column(db.session, Engagement.occurred_at,
                        datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))
    month = range_column(db.session, Engagement.occurred_at,
                         datetime(2024, 6, 1, tzinfo=UTC), datetime(2024, 7, 1, tzinfo=UTC))
    assert ("+engagement.occurred_at" in _sql(year)) is sqlite
    assert "+" not in _sql(month)
    grouped = grouping(db.session, Engagement.organisation_id)
    assert ("+engagement.organisation_id" in _sql(grouped[0])) is sqlite


def test_an_empty_ledger_keeps_the_index(app) -> None:
    column = range_column(db.session, Engagement.occurred_at,
                          datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))
    assert column is Engagement.occurred_at
