"""Pages of a send: its report, and the same figures as CSV."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from engage.auth.access import Access, access
from engage.csv_export import csv_text
from engage.extensions import db
from engage.messaging import send_titles
from engage.messaging.blueprint import bp
from engage.messaging.models import OutboxMessage
from engage.messaging.reports import STATUS_NAMES, Report, build_report, csv_rows


def _report(raw: str) -> Report:
    """The report of the send `raw` names; 404 for a malformed or unknown reference."""
    ref = send_titles.parse_ref(raw)
    if ref is None:
        abort(404)
    has_messages = db.session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.send_ref == ref.ref).limit(1)) is not None
    if not has_messages and not send_titles.exists(db.session, ref):
        abort(404)
    title = send_titles.titles(db.session, [ref.ref])[ref.ref]
    return build_report(db.session, ref.ref, title)


@bp.get("/messaging/sends/<path:ref>")
@access(Access.VIEW)
def send_report(ref: str) -> str:
    """A send's report: delivered, opened, clicked, bounced ... overall, by area, per link."""
    report = _report(ref)
    return render_template("messaging/send_report.html", report=report, statuses=STATUS_NAMES,
                           can_manage=current_user.can_manage)


@bp.get("/messaging/sends/<path:ref>.csv")
@access(Access.VIEW)
def send_report_csv(ref: str) -> Response:
    """The report's figures as CSV, for a spreadsheet."""
    report = _report(ref)
    filename = "send-" + report.ref.replace(":", "-") + ".csv"
    return Response(csv_text(csv_rows(report)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
