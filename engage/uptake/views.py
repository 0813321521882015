"""Pages of the uptake feature."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("uptake", __name__)
