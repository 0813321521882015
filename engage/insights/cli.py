"""`flask insights ...`: the figures the insight pages show, for scripts."""

from __future__ import annotations

from flask.cli import AppGroup

insights_cli = AppGroup("insights", help="Coverage, uptake and outreach figures for scripts.")
