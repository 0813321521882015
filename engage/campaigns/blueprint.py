"""The campaigns blueprint, apart from its views so that every view module can import it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
# The modules whose routes join `bp`; the app imports each of them before registering it.
VIEW_MODULES = ("views", "attendance.views", "calendar_views", "reach_views", "touchpoint_views")
