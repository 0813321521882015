"""The page people land on after signing in."""

from __future__ import annotations

from flask import render_template

from engage.auth.access import Access, access
from engage.campaigns.summary import outreach_summary
from engage.database import utcnow
from engage.directory.summary import directory_counts, listed_total
from engage.extensions import db
from engage.home.blueprint import bp


@bp.get("/")
@access(Access.VIEW)
def index() -> str:
    """A short overview with links to each area."""
    return render_template(
        "home/index.html",
        counts=directory_counts(db.session),
        listed=listed_total(db.session),
        outreach=outreach_summary(db.session, utcnow()),
    )
