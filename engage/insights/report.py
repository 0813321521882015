"""The steering-group report: every figure it shows, as plain JSON-ready data.

The same dictionary is rendered on the page and frozen in a snapshot, so a saved meeting's
figures are exactly what was on screen, whatever is corrected afterwards.
"""

from __future__ import annotations

import importlib.util
import logging
from datetime import date, datetime
from typing import Any

from engage.database import DbSession
from engage.insights.cold import DEFAULT_DAYS, cold_summary, count_contacted_cold
from engage.insights.coverage import coverage, target_groups
from engage.insights.equity import as_dict as equity_dict
from engage.insights.equity import equity
from engage.insights.figures import headlines, uptake_and_previous
from engage.insights.scope import Scope

COLD_SHOWN = 10
# The outreach model refits on every request; past this many target organisations (a county
# has a few hundred, England 17,500) the fit takes tens of seconds, so the report links to the
# outreach page instead of holding the meeting's page up.
OUTREACH_INLINE_LIMIT = 3000
FIGURES_VERSION = 2  # 2: coverage and equity in two tiers, engaged and contacted
log = logging.getLogger(__name__)


def figures(session: DbSession, scope: Scope, *, today: date, now: datetime,
            cold_days: int = DEFAULT_DAYS) -> dict[str, Any]:
    """Headlines with change since the period before, coverage by locality, the coldest
    organisations, referrals per month and the equity tables."""
    groups = target_groups(session, scope)
    cov = coverage(session, scope, groups)
    monthly, earlier = uptake_and_previous(session, scope)
    cold_count, coldest = cold_summary(session, scope, cold_days, today, COLD_SHOWN)
    return {
        "version": FIGURES_VERSION,
        "generated_at": now.isoformat(),
        "filters": scope.filters.period_args(),
        "about": scope.describe(),
        "previous_about": scope.previous().describe(),
        "headlines": [h.as_dict()
                      for h in headlines(session, scope, (monthly.grand_total, earlier))],
        "coverage": {"overall": cov.overall.as_dict(),
                     "by_locality": [r.as_dict() for r in cov.by_locality],
                     "by_kind": [r.as_dict() for r in cov.by_kind]},
        "cold": {"days": cold_days, "count": cold_count,
                 "contacted": count_contacted_cold(session, scope, cold_days, today),
                 "shown": [c.as_dict() for c in coldest]},
        "uptake": monthly.as_dict(),
        "equity": equity_dict(equity(session, scope, groups)),
        "outreach": None,
    }


def add_outreach(data: dict[str, Any], outreach: Any | None) -> dict[str, Any]:
    """Freeze the outreach summary's sentences and caveat into the figures (for snapshots)."""
    if outreach is not None:
        data["outreach"] = {"headline": list(getattr(outreach, "headline", [])),
                            "caveat": str(getattr(outreach, "caveat", ""))}
    return data


def outreach_summary(session: DbSession, scope: Scope, now: datetime,
                     targets: int | None = None) -> Any | None:
    """The outreach-and-uptake results, once that module exists; None until then, if the
    models cannot be fitted to these data, or past `OUTREACH_INLINE_LIMIT` targets, so the
    report never fails or stalls because of them."""
    if importlib.util.find_spec("engage.insights.outreach") is None:
        return None
    if targets is not None and targets > OUTREACH_INLINE_LIMIT:
        return None
    from engage.insights import outreach  # noqa: PLC0415 - optional until it is built

    results = getattr(outreach, "outreach_results", None)
    if results is None:
        return None
    try:
        return results(session, scope.filters, now=now)
    except Exception:  # noqa: BLE001 - the rest of the report must still render
        log.exception("outreach results failed for the report")
        session.rollback()
        return None
