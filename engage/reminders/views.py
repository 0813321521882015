"""Pages of the reminders feature."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reminders", __name__)
