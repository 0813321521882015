"""Directory pages: list, organisation, imports and export."""

from __future__ import annotations

from flask import Blueprint, render_template

from engage.auth.access import Access, access

bp = Blueprint("directory", __name__, url_prefix="/directory")


@bp.get("/")
@access(Access.VIEW)
def index() -> str:
    """Placeholder list; replaced by the directory feature."""
    return render_template("directory/index.html")
