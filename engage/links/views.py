"""Pages of the links feature."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("links", __name__)
