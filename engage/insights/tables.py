"""Each insight as a `Table`: what the download links and `flask insights export` write."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from engage.database import DbSession
from engage.insights.awareness import awareness
from engage.insights.cold import DEFAULT_DAYS, cold_list
from engage.insights.coverage import coverage
from engage.insights.equity import equity
from engage.insights.exports import Table
from engage.insights.figures import uptake
from engage.insights.scope import Scope

# What the two tiers mean, in every export that counts them.
TIERS_ABOUT = ("Engaged: someone at the organisation did something (attended, was visited, "
               "opened or clicked, scanned, answered). Contacted: we invited, sent, posted or "
               "delivered something; includes the engaged.")


def coverage_table(session: DbSession, scope: Scope, **_: Any) -> Table:
    """Target, engaged and contacted organisations, overall and by locality, kind and PCN."""
    cov = coverage(session, scope)
    table = Table("coverage", ["breakdown", "group", "target", "engaged", "not engaged",
                               "percent engaged", "contacted", "percent contacted"],
                  about=f"{scope.describe()}. {TIERS_ABOUT}")
    for breakdown, rows in (("overall", [cov.overall]), ("locality", cov.by_locality),
                            ("kind", cov.by_kind), ("pcn", cov.by_pcn)):
        for row in rows:
            table.rows.append([breakdown, row.label, row.target, row.engaged, row.not_engaged,
                               row.percent, row.contacted, row.contacted_percent])
    return table


def cold_table(session: DbSession, scope: Scope, *, today: date, days: int = DEFAULT_DAYS,
               **_: Any) -> Table:
    """Every cold organisation (not engaged in N days), never engaged first."""
    table = Table("cold", ["ods code", "name", "kind", "locality", "last engaged",
                           "last contact", "last channel", "has referred", "referrals",
                           "display name"],
                  about=f"Not engaged in {days} days up to "
                        f"{min(scope.filters.end, today):%-d %B %Y}; {scope.describe()}. "
                        f"{TIERS_ABOUT}")
    for org in cold_list(session, scope, days, today):
        table.rows.append([org.ods_code, org.name, org.kind.label, org.locality,
                           org.last_engaged.isoformat() if org.last_engaged else None,
                           org.last_contact.isoformat() if org.last_contact else None,
                           org.last_channel.label if org.last_channel else None,
                           "yes" if org.has_referred else "no", org.referrals,
                           org.display_name])
    return table


def uptake_table(session: DbSession, scope: Scope, **_: Any) -> Table:
    """Referrals per month and service."""
    figures = uptake(session, scope)
    table = Table("uptake", ["month", *figures.services, "all"], about=scope.describe())
    for month in figures.months:
        table.rows.append([month, *(figures.cells.get(month, {}).get(s, 0)
                                    for s in figures.services), figures.total(month)])
    return table


def awareness_table(session: DbSession, scope: Scope, **_: Any) -> Table:
    """Awareness answers per service and month, and the share who knew the service before."""
    figures = awareness(session, scope)
    table = Table("awareness", ["service", "month", "answers", "knew before",
                                "percent knew before"], about=scope.describe())
    for item in figures.services:
        for month in figures.months:
            tally = item.by_month.get(month)
            if tally is not None:
                table.rows.append([item.service, month, tally.answers, tally.knew,
                                   tally.percent])
    return table


def equity_table(session: DbSession, scope: Scope, **_: Any) -> Table:
    """Equity tables, small referral counts shown as "<5" exactly as on the page."""
    figures = equity(session, scope)
    table = Table("equity", ["breakdown", "group", "organisations", "engaged", "contacted",
                             "staff", "share of staff", "referrals", "share of referrals"],
                  about=f"{scope.describe()}. {TIERS_ABOUT}")
    for breakdown, groups in (("locality", figures.by_locality), ("kind", figures.by_kind)):
        for g in groups:
            d = g.as_dict()
            table.rows.append([breakdown, g.label, g.organisations, g.engaged, g.contacted,
                               d["staff"],
                               d["staff_share"], _shown(g.referrals_shown),
                               d["referral_share"]])
    for c in figures.characteristics:
        for label, shown in c.cells:
            table.rows.append([c.label.lower(), label, None, None, None, None, None,
                               _shown(shown), None])
        table.rows.append([c.label.lower(), "Total", None, None, None, None, None,
                           _shown(c.total_shown), None])
    return table


def _shown(text: str) -> int | str:
    """A count as shown on the page: a number when it is one, "<5" or "*" when suppressed."""
    return int(text) if text.isdigit() else text


TableBuilder = Callable[..., Table]
TABLES: dict[str, TableBuilder] = {
    "coverage": coverage_table,
    "cold": cold_table,
    "uptake": uptake_table,
    "awareness": awareness_table,
    "equity": equity_table,
}


def model_table(session: DbSession, scope: Scope, *, now: datetime, **_: Any) -> Table | None:
    """The outreach-and-uptake model's rows, from that module once it offers them."""
    import importlib.util

    if importlib.util.find_spec("engage.insights.outreach") is None:
        return None
    from engage.insights import outreach

    rows_of = getattr(outreach, "model_rows", None)
    if rows_of is None:
        return None
    result = rows_of(session, scope.filters, now)
    if isinstance(result, Table):
        return result
    headers, rows = _headers_and_rows(result)
    return Table("model", headers, rows, about=scope.describe())


def _headers_and_rows(result: Any) -> tuple[list[str], list[Sequence[Any]]]:
    """Accept a (headers, rows) pair, a list of dicts, or a pandas DataFrame."""
    if hasattr(result, "to_dict") and hasattr(result, "columns"):
        headers = [str(c) for c in result.columns]
        return headers, [list(r) for r in result.itertuples(index=False)]
    if isinstance(result, tuple) and len(result) == 2:
        return [str(h) for h in result[0]], [list(r) for r in result[1]]
    records = list(result)
    headers = list(records[0]) if records else []
    return headers, [[r.get(h) for h in headers] for r in records]
