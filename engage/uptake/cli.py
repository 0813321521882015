"""`flask uptake ...`: operator commands."""

from __future__ import annotations

from flask.cli import AppGroup

uptake_cli = AppGroup("uptake", help="uptake commands.")
