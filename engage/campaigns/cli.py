"""`flask campaigns ...`: campaign tasks for operators."""

from __future__ import annotations

from flask.cli import AppGroup

campaigns_cli = AppGroup("campaigns", help="Campaigns, touchpoints and attendance.")
