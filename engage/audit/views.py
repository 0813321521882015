"""The audit log page for administrators."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from engage.audit.blueprint import bp
from engage.audit.models import AuditEvent
from engage.auth.access import Access, access
from engage.extensions import db
from engage.web import page_arg


@bp.get("/admin/audit")
@access(Access.ADMIN)
def index() -> str:
    """Newest first; filter by action prefix such as `directory.` or `user.`."""
    action = request.args.get("action", "").strip()
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    page = db.paginate(query, page=page_arg(), per_page=50, error_out=False)
    return render_template("audit/index.html", page=page, action=action)
