"""Pages of the insights feature: coverage, the matrix, cold organisations, awareness, equity,
the steering-group report, snapshots and downloads. Filters live in the URL."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from engage.auth.access import Access, access
from engage.campaigns.dates import london_to_utc
from engage.campaigns.errors import CampaignError
from engage.campaigns.models import Campaign, Channel
from engage.database import utcnow
from engage.directory.models import OrgKind
from engage.extensions import db
from engage.insights.awareness import awareness
from engage.insights.blueprint import bp
from engage.insights.cold import (
    ColdError,
    cold_page,
    count_contacted_cold,
    organisations_for_plan,
    parse_days,
)
from engage.insights.coverage import coverage
from engage.insights.equity import as_dict as equity_dict
from engage.insights.equity import equity
from engage.insights.exports import FORMATS, audit_export, render
from engage.insights.figures import Uptake
from engage.insights.forms import PlanForm, SnapshotForm, filter_form
from engage.insights.matrix import Columns, Show, Sort, choice, matrix
from engage.insights.models import ReportSnapshot
from engage.insights.period import read_filters
from engage.insights.planning import default_title, plan_touchpoint
from engage.insights.report import add_outreach, figures, outreach_summary
from engage.insights.scope import Scope, resolve
from engage.insights.snapshots import (
    SnapshotError,
    compare,
    readable,
    save_snapshot,
    snapshots,
)
from engage.insights.tables import TABLES, model_table
from engage.request_values import bounded_int
from engage.templating import london, long_date
from engage.timezone import uk_day
from engage.transactions import saving
from engage.web import page_arg

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


@bp.app_template_global()
def insights_uptake_chart(data: dict[str, Any]) -> dict[str, Any]:
    """Chart data for referrals per month, from the report's (or a snapshot's) figures."""
    return Uptake.from_dict(data).chart()


@bp.app_template_filter("iso_long_date")
def _iso_long_date(value: str) -> str:
    return long_date(date.fromisoformat(value[:10]))


@bp.app_template_filter("iso_london")
def _iso_london(value: str) -> str:
    return london(datetime.fromisoformat(value))


def _today() -> date:
    return uk_day(utcnow())


def _scope() -> Scope:
    return resolve(db.session, read_filters(db.session, request.args, today=_today()))


def _render(template: str, scope: Scope, problems: list[str] | None = None,
            **context: object) -> tuple[str, int]:
    """A page with the filter form; 400 when any filter value had to be replaced."""
    messages = [*scope.problems, *(problems or [])]
    return render_template(template, scope=scope, filters=scope.filters,
                           filter_form=filter_form(db.session, scope.filters),
                           problems=messages, page_has_errors=bool(messages),
                           **context), 400 if messages else 200


@bp.get("/")
@access(Access.VIEW)
def index() -> tuple[str, int]:
    """Where the insights are: coverage, matrix, cold list, awareness, equity, the report."""
    return _render("insights/index.html", _scope(),
                   has_outreach="insights.outreach" in _endpoints())


@bp.app_template_global("insights_endpoints")
def _endpoints() -> set[str]:
    """The app's endpoints, so pages link to the outreach page only once it exists."""
    from flask import current_app

    return set(current_app.view_functions)


@bp.get("/coverage")
@access(Access.VIEW)
def coverage_page() -> tuple[str, int]:
    """Target organisations reached, overall and by locality, kind and PCN."""
    scope = _scope()
    return _render("insights/coverage.html", scope, coverage=coverage(db.session, scope))


@bp.get("/matrix")
@access(Access.VIEW)
def matrix_page() -> tuple[str, int]:
    """Organisations by channel or month, grouped by locality, sortable and paged."""
    scope = _scope()
    problems: list[str] = []
    columns = choice(Columns, request.args.get("columns"), Columns.CHANNEL, problems, "columns")
    sort = choice(Sort, request.args.get("sort"), Sort.LOCALITY, problems, "sort")
    show = choice(Show, request.args.get("show"), Show.ALL, problems, "show")
    raw_kind = request.args.get("kind") or ""
    kind = OrgKind(raw_kind) if raw_kind in {k.value for k in OrgKind} else None
    if raw_kind and kind is None:
        problems.append(f"The kind {raw_kind!r} is not one of the choices; showing every kind.")
    result = matrix(db.session, scope, columns=columns, sort=sort, show=show, kind=kind,
                    page=page_arg())
    extra = {"columns": columns.value, "sort": sort.value, "show": show.value,
             **({"kind": kind.value} if kind else {})}
    return _render("insights/matrix.html", scope, problems, matrix=result, extra=extra,
                   columns=columns, sort=sort, show=show, kind=kind, kinds=list(OrgKind),
                   shows=list(Show))


def _days(problems: list[str]) -> int:
    try:
        return parse_days(request.args.get("days"))
    except ColdError as exc:
        problems.append(str(exc))
        return parse_days(None)


@bp.get("/cold")
@access(Access.VIEW)
def cold() -> tuple[str, int]:
    """Targets with no contact in N days: last contact, last channel, referred or not."""
    scope = _scope()
    problems: list[str] = []
    days = _days(problems)
    pagination, items = cold_page(db.session, scope, days, _today(), page_arg())
    return _render("insights/cold.html", scope, problems, days=days, pagination=pagination,
                   contacted=count_contacted_cold(db.session, scope, days, _today()),
                   items=items, as_of=min(scope.filters.end, _today()))


@bp.route("/cold/plan", methods=["GET", "POST"])
@access(Access.MANAGE)
def plan() -> WerkzeugResponse | tuple[str, int]:
    """Plan one touchpoint (a practice visit by default) for the ticked cold organisations."""
    posted = request.method == "POST"
    form = PlanForm() if posted else PlanForm(formdata=None)
    form.set_campaigns(db.session)
    ids = [n for n in (bounded_int(i, minimum=1) for i in
                       (request.form if posted else request.args).getlist("org")) if n]
    orgs = organisations_for_plan(db.session, ids)
    form.org.choices = [(o.id, f"{o.display_name} ({o.ods_code})") for o in orgs]
    if not posted:
        form.org.data = [o.id for o in orgs]
        form.campaign_id.data = request.args.get("campaign", "")
        form.title.data = default_title(orgs) if orgs else ""
        problems = [] if orgs else ["Choose organisations on the cold list first."]
        return render_template("insights/plan.html", form=form, orgs=orgs, problems=problems,
                               page_has_errors=bool(problems)), 400 if problems else 200
    if not form.validate_on_submit():
        return render_template("insights/plan.html", form=form, orgs=orgs, problems=[]), 400
    chosen = set(form.org.data or [])
    with saving(CampaignError) as saved:
        touchpoint = plan_touchpoint(
            db.session, organisations=[o for o in orgs if o.id in chosen],
            channel=Channel(form.channel.data), title=form.title.data or "",
            planned_at=london_to_utc(form.planned_at.data),  # type: ignore[arg-type]
            campaign=db.session.get(Campaign, int(form.campaign_id.data))
            if (form.campaign_id.data or "").isdigit() else None,
            actor=current_user, now=utcnow())
    if not saved:
        return render_template("insights/plan.html", form=form, orgs=orgs,
                               problems=[saved.error], page_has_errors=True), 400
    flash(f"Planned {touchpoint.title}. Record who it reached once it has happened.")
    return redirect(url_for("campaigns.touchpoint", touchpoint_id=touchpoint.id))


@bp.get("/awareness")
@access(Access.VIEW)
def awareness_page() -> tuple[str, int]:
    """Per service and month, the share of answers saying they knew the service before."""
    scope = _scope()
    return _render("insights/awareness.html", scope, awareness=awareness(db.session, scope))


@bp.get("/equity")
@access(Access.VIEW)
def equity_page() -> tuple[str, int]:
    """Referrals and reach by locality, kind and staff characteristics, small counts hidden."""
    scope = _scope()
    return _render("insights/equity.html", scope,
                   equity=equity_dict(equity(db.session, scope)))


def _report_figures(scope: Scope, problems: list[str]) -> dict[str, Any]:
    return figures(db.session, scope, today=_today(), now=utcnow(), cold_days=_days(problems))


def _report_with_outreach(scope: Scope, problems: list[str]) -> tuple[dict[str, Any], Any]:
    """The report's figures and the outreach results (frozen into the figures too)."""
    data = _report_figures(scope, problems)
    outreach = outreach_summary(db.session, scope, utcnow(),
                                targets=data["coverage"]["overall"]["target"])
    return add_outreach(data, outreach), outreach


@bp.get("/report")
@access(Access.VIEW)
def report() -> tuple[str, int]:
    """The one-page steering-group report, printable to A4."""
    scope = _scope()
    problems: list[str] = []
    data, outreach = _report_with_outreach(scope, problems)
    return _render("insights/report.html", scope, problems, report=data, outreach=outreach,
                   snapshot_form=SnapshotForm(formdata=None), saved=None)


@bp.get("/snapshots")
@access(Access.VIEW)
def snapshot_list() -> str:
    """Every saved snapshot, newest first."""
    return render_template("insights/snapshots.html", snapshots=snapshots(db.session))


@bp.post("/snapshots")
@access(Access.MANAGE)
def snapshot_save() -> WerkzeugResponse | tuple[str, int]:
    """Freeze the report as it is now, under a title, for the next meeting to compare with."""
    scope = resolve(db.session, read_filters(db.session, request.form, today=_today()))
    form = SnapshotForm()
    problems: list[str] = []
    if scope.problems or not form.validate_on_submit():
        return _refused(scope, form)
    with saving(SnapshotError, field=form.title) as saved:
        snapshot = save_snapshot(db.session, title=form.title.data or "",
                                 figures=_report_with_outreach(scope, problems)[0],
                                 actor=current_user, now=utcnow())
    if not saved:
        return _refused(scope, form)
    flash(f"Saved the snapshot {snapshot.title!r}.")
    return redirect(url_for("insights.snapshot", report_snapshot_id=snapshot.id))


def _refused(scope: Scope, form: SnapshotForm) -> tuple[str, int]:
    """The report again with the snapshot form's errors; nothing saved."""
    page, _ = _render("insights/report.html", scope, report=_report_figures(scope, []),
                      outreach=None, snapshot_form=form, saved=None)
    return page, 400


@bp.get("/snapshots/<int:report_snapshot_id>")
@access(Access.VIEW)
def snapshot(report_snapshot_id: int) -> str:
    """A saved report as it was, and its figures beside today's for the same filters."""
    saved = db.get_or_404(ReportSnapshot, report_snapshot_id)
    scope = resolve(db.session, read_filters(db.session, saved.filters, today=_today()))
    cold_days = int(saved.figures.get("cold", {}).get("days") or 90)
    current = figures(db.session, scope, today=_today(), now=utcnow(), cold_days=cold_days)
    return render_template("insights/snapshot.html", saved=saved, report=readable(saved.figures),
                           current=current, compared=compare(saved.figures, current))


@bp.get("/export/<table>")
@access(Access.VIEW)
def export(table: str) -> Response | tuple[str, int, dict[str, str]]:
    """A table as CSV (cells safe to open in a spreadsheet) or JSON, for the filters given."""
    fmt = request.args.get("format", "csv")
    if table not in TABLES and table != "model":
        abort(404)
    problems: list[str] = []
    if fmt not in FORMATS:
        problems.append(f"Choose the format csv or json, not {fmt!r}.")
    scope = _scope()
    days = _days(problems)
    problems = [*scope.problems, *problems]
    if problems:
        return "\n".join(problems) + "\n", 400, {"Content-Type": "text/plain; charset=utf-8"}
    if table == "model":
        built = model_table(db.session, scope, now=utcnow())
        if built is None:
            return ("The outreach-and-uptake model is not available yet.\n", 404,
                    {"Content-Type": "text/plain; charset=utf-8"})
    else:
        built = TABLES[table](db.session, scope, today=_today(), days=days, now=utcnow())
    body = render(built, fmt)
    with saving():
        audit_export(db.session, current_user, built, fmt,
                     {**scope.filters.period_args(),
                      **({"days": days} if table == "cold" else {})},
                     now=utcnow())
    name = f"engage-{table}-{scope.filters.start}-to-{scope.filters.end}.{fmt}"
    return Response(body, content_type=CONTENT_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})

