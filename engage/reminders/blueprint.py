"""The reminders blueprint, apart from its views so that every view module can import it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reminders", __name__, url_prefix="/reminders")
# The modules whose routes join `bp`; the app imports each of them before registering it.
VIEW_MODULES = ("views", "bulletin_views")
