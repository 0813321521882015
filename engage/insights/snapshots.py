"""Saving the report's figures as a dated snapshot, and comparing one with today's figures."""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engage.audit.log import record_event
from engage.database import DbSession
from engage.insights.models import ReportSnapshot

TITLE_LENGTH = 150


class SnapshotError(ValueError):
    """A snapshot that cannot be saved, with the message to show."""


def save_snapshot(session: DbSession, *, title: str, figures: dict[str, Any], actor: Any,
                  now: datetime) -> ReportSnapshot:
    """Freeze the figures under a title, and record who saved them in the audit log."""
    title = title.strip()
    if not title:
        raise SnapshotError("Enter a title for the snapshot, for example "
                            "\"Steering group, March 2022\".")
    if len(title) > TITLE_LENGTH:
        raise SnapshotError(f"Keep the title to {TITLE_LENGTH} characters or fewer.")
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    snapshot = ReportSnapshot(taken_at=now, title=title, filters=dict(figures["filters"]),
                              figures=figures, taken_by_id=actor.id if is_user else None,
                              taken_by=actor.email if is_user else "")
    session.add(snapshot)
    session.flush()
    record_event(session, actor, "insights.snapshot_saved",
                 f"Saved the report snapshot {title!r} ({figures.get('about', '')})",
                 target=snapshot, details={"filters": snapshot.filters})
    return snapshot


def snapshots(session: DbSession) -> list[ReportSnapshot]:
    """Every saved snapshot, newest first."""
    return list(session.scalars(select(ReportSnapshot)
                                .order_by(ReportSnapshot.taken_at.desc(),
                                          ReportSnapshot.id.desc())))


@dataclass(frozen=True)
class Compared:
    """One figure then (in the snapshot) and now (computed again today)."""

    label: str
    then: Any
    now: Any
    unit: str = ""

    @property
    def change(self) -> int | None:
        if isinstance(self.then, int) and isinstance(self.now, int):
            return self.now - self.then
        return None


def compare(saved: dict[str, Any], current: dict[str, Any]) -> dict[str, list[Compared]]:
    """Headlines and coverage by locality, then against now, matched by label."""
    def pair(then_rows: list[dict[str, Any]], now_rows: list[dict[str, Any]], key: str,
             unit_key: str | None = None) -> list[Compared]:
        now_by = {r["label"]: r for r in now_rows}
        labels = [r["label"] for r in then_rows] + [r["label"] for r in now_rows
                                                     if r["label"] not in
                                                     {t["label"] for t in then_rows}]
        then_by = {r["label"]: r for r in then_rows}
        return [Compared(label, then_by.get(label, {}).get(key), now_by.get(label, {}).get(key),
                         (then_by.get(label) or now_by.get(label) or {}).get(unit_key or "", "")
                         if unit_key else "")
                for label in labels]

    saved = readable(saved)
    then_rows = saved.get("coverage", {}).get("by_locality", [])
    now_rows = current.get("coverage", {}).get("by_locality", [])
    return {
        "headlines": pair(saved.get("headlines", []), current.get("headlines", []), "value",
                          "unit"),
        "engaged": pair(then_rows, now_rows, "engaged"),
        "contacted": pair(then_rows, now_rows, "contacted"),
        "target": pair(then_rows, now_rows, "target"),
    }


def readable(figures: dict[str, Any]) -> dict[str, Any]:
    """Saved figures in today's shape. Before version 2 there were no tiers: what was saved
    as "reached" counted every contact, so it is shown as contacted, and engaged as unknown
    (never guessed)."""
    if int(figures.get("version") or 1) >= 2:
        return figures
    data = deepcopy(figures)
    coverage = data.get("coverage", {})
    for row in [coverage.get("overall", {}), *coverage.get("by_locality", []),
                *coverage.get("by_kind", [])]:
        row.update(contacted=row.pop("reached", None),
                   contacted_percent=row.pop("percent", None),
                   engaged=None, not_engaged=None, percent=None)
        row.pop("not_reached", None)
    equity = data.get("equity") or {}
    for group in [*equity.get("by_locality", []), *equity.get("by_kind", [])]:
        group.update(contacted=group.pop("reached", None),
                     contacted_percent=group.pop("reached_percent", None),
                     engaged=None, engaged_percent=None)
    return data
