"""`flask messaging ...`: operator commands."""

from __future__ import annotations

from flask.cli import AppGroup

messaging_cli = AppGroup("messaging", help="messaging commands.")
