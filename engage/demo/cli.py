"""`flask demo load`: a labelled, realistic example installation."""

from __future__ import annotations

from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Load generated demo data (clearly labelled in the UI).")
