"""`flask reminders ...`: operator commands."""

from __future__ import annotations

from flask.cli import AppGroup

reminders_cli = AppGroup("reminders", help="reminders commands.")
