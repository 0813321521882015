"""Outreach and uptake: everything the outreach page and the report's summary show, in one call.

`outreach_results` builds the organisation × month panel once and runs the event study, the
reached-versus-not comparison and the regression over it, with a plain-English reading of each
and the fixed caveat. Views, the report and `flask insights export model` all call this.

The modules that compute (panel, event study, comparison, regression) bring numpy, pandas and
scipy with them, about a second of start-up: they are imported where the figures are computed,
so building the app and every `flask` command stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from engage.campaigns.models import Channel
from engage.database import DbSession
from engage.insights.bottom_line import ChannelAnswer, answers, bottom_line
from engage.insights.exports import Figure
from engage.insights.filters import InsightFilters
from engage.insights.readings import (
    CAVEAT,
    event_reading,
    number,
    reached_reading,
    regression_readings,
)
from engage.insights.scope import Scope, resolve
from engage.timezone import LONDON

if TYPE_CHECKING:
    from engage.insights.event_study import EventStudy
    from engage.insights.panel import Panel
    from engage.insights.reached import ReachedComparison
    from engage.insights.regression import Regression, Term


@dataclass
class OutreachResults:
    filters: InsightFilters
    channel: Channel | None  # the event study's and comparison's channel; None = any
    organisations: int
    months: list[str]
    referrals: int
    engagement_rows: int
    event_study: EventStudy
    reached: ReachedComparison
    regression: Regression
    readings: dict[str, list[str]] = field(default_factory=dict)
    caveat: str = CAVEAT
    scope: Scope | None = None  # the checked filters, with the campaign, service, locality
    bottom_line: list[str] = field(default_factory=list)  # every channel and lag, in words

    @property
    def headline(self) -> list[str]:
        """The sentences for the report's summary (frozen into snapshots): the bottom line,
        then the comparison and the event study; each channel's detail is on the page."""
        return [*self.bottom_line, *self.readings["reached"], *self.readings["event_study"]]

    @property
    def answers(self) -> list[ChannelAnswer]:
        """The model's verdict for each channel and lag, as the page's charts and tables show."""
        return answers(self.regression)


def parse_channel(raw: str | None) -> tuple[Channel | None, str | None]:
    """A channel from the query (`channel=practice_visit`); a message when it is not one."""
    raw = (raw or "").strip()
    if not raw or raw == "any":
        return None, None
    try:
        return Channel(raw), None
    except ValueError:
        return None, f"The channel {raw!r} is not one of the choices; showing any channel."


def effective_filters(filters: InsightFilters, now: datetime) -> InsightFilters:
    """The filters with the period cut at today (London): the future has no referrals yet."""
    today = now.astimezone(LONDON).date()
    if filters.end > today and filters.start <= today:
        return replace(filters, end=today)
    return filters


def outreach_results(session: DbSession, filters: InsightFilters, *, now: datetime,
                     channel: Channel | None = None) -> OutreachResults:
    """The panel, event study, reached-vs-not comparison, regression and readings."""
    from engage.insights.panel import build_panel

    scope = resolve(session, effective_filters(filters, now))
    panel = build_panel(session, scope, channel=channel)
    return results_from_panel(panel, scope.filters, channel, scope=scope)


def results_from_panel(panel: Panel, filters: InsightFilters, channel: Channel | None = None,
                       *, scope: Scope | None = None) -> OutreachResults:
    from engage.insights.event_study import event_study
    from engage.insights.reached import reached_comparison
    from engage.insights.regression import regression

    sl = panel.outcome_slice
    study = event_study(panel, channel)
    reached = reached_comparison(panel, channel)
    model = regression(panel)
    return OutreachResults(
        filters=filters, channel=channel, organisations=len(panel.organisation_ids),
        months=panel.outcome_months, referrals=int(panel.referrals[:, sl].sum()),
        engagement_rows=int(panel.engaged()[:, sl].sum()), event_study=study, reached=reached,
        regression=model, scope=scope, bottom_line=bottom_line(model),
        readings={"reached": [reached_reading(reached)], "event_study": [event_reading(study)],
                  "regression": regression_readings(model)},
    )


def _cell(value: float | None) -> Figure:
    return Figure(value)


def model_rows(session: DbSession, filters: InsightFilters, now: datetime,
               channel: Channel | None = None) -> list[dict[str, Any]]:
    """The model's table for `flask insights export model` and the page's download."""
    return regression_rows(outreach_results(session, filters, now=now, channel=channel))


def _status(term: Term) -> str:
    """Why a row has figures or not, for scripts: the note says it in words."""
    if term.estimated:
        return "estimated"
    return "not identifiable" if not term.identified else "not enough data"


def regression_rows(results: OutreachResults) -> list[dict[str, Any]]:
    """The regression table as rows (for CSV/JSON exports): one per channel and lag."""
    rows = []
    for term in results.regression.terms:
        rows.append({
            "channel": term.channel.value, "channel_label": term.channel.label, "lag": term.lag,
            "exposed_organisation_months": term.exposed_months,
            "organisations_changing_exposure": term.organisations,
            "organisations_differing_within_month": term.differing,
            "irr": _cell(term.irr), "ci_low": _cell(term.low), "ci_high": _cell(term.high),
            "status": _status(term), "note": term.problem or None,
        })
    return rows


def event_rows(results: OutreachResults) -> list[dict[str, Any]]:
    return [{"months_from_first_engagement": m.offset, "organisations": m.organisations,
             "referrals": m.referrals, "mean": _cell(m.mean), "ci_low": _cell(m.low),
             "ci_high": _cell(m.high)} for m in results.event_study.months]


def reached_rows(results: OutreachResults) -> list[dict[str, Any]]:
    r = results.reached
    rows = []
    for label, group in (("reached", r.reached), ("not reached", r.not_reached)):
        rows.append({"group": label, "organisations": group.organisations,
                     "organisation_months": group.organisation_months,
                     "referrals": group.referrals,
                     "rate_per_organisation_month": _cell(group.rate), "ci_low": None,
                     "ci_high": None, "note": None})
    rows.append({"group": "rate ratio", "organisations": None, "organisation_months": None,
                 "referrals": None, "rate_per_organisation_month": _cell(r.ratio),
                 "ci_low": _cell(r.low), "ci_high": _cell(r.high), "note": r.problem or None})
    return rows


TABLES = {"event_study": event_rows, "reached": reached_rows, "model": regression_rows}

__all__ = ["TABLES", "OutreachResults", "model_rows", "number", "outreach_results",
           "parse_channel"]
