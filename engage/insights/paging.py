"""Paging aggregated rows with the same pager (and macro) the rest of the app uses."""

from __future__ import annotations

from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select


class RowPagination(Pagination):
    """Flask-SQLAlchemy's pager over full rows of any SELECT (its own gives first columns)."""

    def _query_items(self) -> list[Any]:
        args = self._query_args
        query = args["select"].limit(self.per_page).offset(self._query_offset)
        return list(args["session"].execute(query).all())

    def _query_count(self) -> int:
        args = self._query_args
        counted = args["select"].order_by(None).subquery()
        return int(args["session"].scalar(select(func.count()).select_from(counted)) or 0)
