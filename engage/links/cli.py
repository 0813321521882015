"""`flask links ...`: operator commands."""

from __future__ import annotations

from flask.cli import AppGroup

links_cli = AppGroup("links", help="links commands.")
