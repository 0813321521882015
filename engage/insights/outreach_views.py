"""The outreach-and-uptake page and its downloads, on the insights blueprint.

Imported at the foot of `insights.views` so the routes join that blueprint.
"""

from __future__ import annotations

from flask import Response, render_template, request
from flask_login import current_user

from engage.auth.access import Access, access
from engage.campaigns.models import Channel
from engage.database import utcnow
from engage.extensions import db
from engage.insights.blueprint import bp
from engage.insights.exports import FORMATS, Table, audit_export, render
from engage.insights.filters import InsightFilters
from engage.insights.forms import filter_form
from engage.insights.outreach import TABLES, outreach_results, parse_channel
from engage.insights.outreach_charts import event_chart, forest
from engage.insights.period import read_filters
from engage.insights.ratios import interval, ratio
from engage.timezone import uk_day
from engage.transactions import saving

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


@bp.app_template_filter("ratio")
def ratio_filter(value: float | None) -> str:
    """A ratio or bound on its own side of 1 (`ratios.ratio`), for every template."""
    return ratio(value)


@bp.app_template_filter("ratio_interval")
def ratio_interval_filter(bounds: tuple[float | None, float | None]) -> str:
    return interval(*bounds)


def _read() -> tuple[InsightFilters, Channel | None, list[str]]:
    filters = read_filters(db.session, request.args, today=uk_day(utcnow()))
    channel, problem = parse_channel(request.args.get("channel"))
    return filters, channel, [problem] if problem else []


@bp.get("/outreach")
@access(Access.VIEW)
def outreach() -> tuple[str, int]:
    """Event study, reached versus not, and the model by channel and lag, with readings."""
    from engage.insights.regression import LAGS  # with numpy and scipy: only for this page

    filters, channel, problems = _read()
    results = outreach_results(db.session, filters, now=utcnow(), channel=channel)
    assert results.scope is not None
    messages = [*results.scope.problems, *problems]
    return render_template(
        "insights/outreach.html", outreach=results, scope=results.scope,
        filters=results.scope.filters, filter_form=filter_form(db.session, results.scope.filters),
        channels=list(Channel), lags=LAGS, forest=forest, event_chart=event_chart,
        channel_args={"channel": channel.value} if channel else {}, problems=messages,
        page_has_errors=bool(messages),
    ), 400 if messages else 200


@bp.get("/outreach/<table>.<fmt>")
@access(Access.VIEW)
def outreach_download(table: str, fmt: str) -> Response | tuple[str, int, dict[str, str]]:
    """One of the page's tables as CSV or JSON, for the same filters."""
    if table not in TABLES or fmt not in FORMATS:
        return (f"There is no table {table!r} as {fmt!r}: choose one of "
                f"{', '.join(TABLES)} as {' or '.join(FORMATS)}.\n", 404,
                {"Content-Type": "text/plain; charset=utf-8"})
    filters, channel, problems = _read()
    if problems:
        return problems[0] + "\n", 400, {"Content-Type": "text/plain; charset=utf-8"}
    results = outreach_results(db.session, filters, now=utcnow(), channel=channel)
    assert results.scope is not None
    rows = TABLES[table](results)
    headers = list(rows[0]) if rows else []
    built = Table(f"outreach-{table}", headers, [list(r.values()) for r in rows],
                  about=results.scope.describe())
    body = render(built, fmt)
    with saving():
        audit_export(db.session, current_user, built, fmt,
                     {**filters.period_args(), "channel": channel.value if channel else ""},
                     now=utcnow())
    name = f"outreach-{table}-{filters.start.isoformat()}-to-{filters.end.isoformat()}.{fmt}"
    return Response(body, content_type=CONTENT_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
