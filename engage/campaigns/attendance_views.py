"""Attendance import routes (on the campaigns blueprint)."""

from __future__ import annotations
