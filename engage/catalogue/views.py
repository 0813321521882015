"""Managing the service catalogue (under /catalogue); the public pages are in public_views.py."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from engage.audit.log import record_event
from engage.auth.access import Access, access
from engage.catalogue.blueprint import bp
from engage.catalogue.completeness import draft_reason, missing_details
from engage.catalogue.editing import CatalogueError, create_service, set_retired, update_service
from engage.catalogue.forms import ServiceForm
from engage.catalogue.models import Service
from engage.extensions import db
from engage.transactions import done, saving

# No url_prefix: the manager pages live under /catalogue and the public pages under /services,
# both on this one blueprint.


@bp.get("/catalogue/")
@access(Access.VIEW)
def index() -> str:
    """Every service, retired ones last, each with why it is a draft and what its page lacks."""
    services = db.session.scalars(
        select(Service).order_by(Service.retired, Service.sort_order, Service.name)
    ).all()
    rows = [(service, draft_reason(service), [] if service.retired else missing_details(service))
            for service in services]
    return render_template("catalogue/index.html", rows=rows)


@bp.get("/catalogue/<int:service_id>")
@access(Access.VIEW)
def show(service_id: int) -> str:
    """One service as staff will read about it, with what stops or weakens its public page."""
    service = db.get_or_404(Service, service_id)
    return render_template("catalogue/show.html", service=service,
                           draft_reason=draft_reason(service),
                           missing=[] if service.retired else missing_details(service))


@bp.route("/catalogue/new", methods=["GET", "POST"])
@access(Access.MANAGE)
def new() -> Response | tuple[str, int]:
    """Add a service to the catalogue."""
    form = ServiceForm()
    if form.validate_on_submit():
        with saving(CatalogueError, field=form.name) as saved:
            service = create_service(db.session, form.data)
            record_event(
                db.session,
                current_user,
                "catalogue.create",
                f"Added service {service.name}",
                target=service,
            )
        if saved:
            flash(f"Added {service.name}.")
            return redirect(url_for("catalogue.show", service_id=service.id))
    return (render_template("catalogue/edit.html", form=form, service=None),
            400 if form.errors else 200)


@bp.route("/catalogue/<int:service_id>/edit", methods=["GET", "POST"])
@access(Access.MANAGE)
def edit(service_id: int) -> Response | tuple[str, int]:
    """Change a service's details."""
    service = db.get_or_404(Service, service_id)
    form = ServiceForm(obj=service)
    if form.validate_on_submit():
        with saving(CatalogueError, field=form.name) as saved:
            changed = update_service(db.session, service, form.data)
            if changed:
                record_event(
                    db.session,
                    current_user,
                    "catalogue.update",
                    f"Changed {service.name}: {', '.join(changed)}",
                    target=service,
                )
        if saved:
            flash(f"Saved {service.name}." if changed else "Nothing changed.")
            return redirect(url_for("catalogue.show", service_id=service.id))
    return (render_template("catalogue/edit.html", form=form, service=service),
            400 if form.errors else 200)


@bp.post("/catalogue/<int:service_id>/retire")
@access(Access.MANAGE)
def retire(service_id: int) -> Response:
    """Withdraw a service; its history stays."""
    return _set_retired(service_id, True)


@bp.post("/catalogue/<int:service_id>/restore")
@access(Access.MANAGE)
def restore(service_id: int) -> Response:
    """Bring a retired service back."""
    return _set_retired(service_id, False)


def _set_retired(service_id: int, retired: bool) -> Response:
    service = db.get_or_404(Service, service_id)
    set_retired(service, retired)
    word = "Retired" if retired else "Restored"
    record_event(
        db.session,
        current_user,
        "catalogue.retire" if retired else "catalogue.restore",
        f"{word} {service.name}",
        target=service,
    )
    return done(f"{word} {service.name}.", url_for("catalogue.show", service_id=service.id))

