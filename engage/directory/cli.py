"""`flask directory ...`: imports and exports for operators and scripts."""

from __future__ import annotations

from flask.cli import AppGroup

directory_cli = AppGroup("directory", help="Import and export the organisation directory.")
