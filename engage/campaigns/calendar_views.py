"""Outreach calendar and iCalendar feed routes (on the campaigns blueprint)."""

from __future__ import annotations
