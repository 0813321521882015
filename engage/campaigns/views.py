"""Campaign and touchpoint pages.

The attendance-import and calendar routes live in their own modules on this same blueprint;
they are imported at the foot of this module so registering `bp` registers them too.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from engage.auth.access import Access, access
from engage.campaigns.models import Campaign
from engage.extensions import db

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


@bp.get("/")
@access(Access.VIEW)
def index() -> str:
    """Every campaign, newest first."""
    campaigns = db.session.scalars(select(Campaign).order_by(Campaign.start_date.desc())).all()
    return render_template("campaigns/index.html", campaigns=campaigns)


from engage.campaigns import attendance_views, calendar_views  # noqa: E402,F401  (registers routes)
