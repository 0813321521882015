"""The public service pages: no log-in, no cookie, light enough for a poor phone signal."""

from __future__ import annotations

from flask import current_app, render_template, request

from engage.auth.access import Access, access
from engage.catalogue.blueprint import bp
from engage.catalogue.markdown import render_markdown
from engage.catalogue.public import (
    area_served,
    describe,
    grouped_services,
    provider,
    public_service_by_slug,
)
from engage.extensions import db
from engage.templating import demo_data_present


def _via() -> str:
    """The short code the visit came through, passed on so answers can be attributed."""
    return request.args.get("via", "")[:16]


@bp.get("/services")
@access(Access.PUBLIC)
def public_index() -> str:
    """Every service on offer, for staff who scanned a general poster: who runs them, where."""
    for_staff, for_managers = grouped_services(db.session)
    return render_template(
        "catalogue/public_index.html", for_staff=for_staff, for_managers=for_managers,
        provider=provider(current_app.config, demo_data_present()),
        area=area_served(db.session), via=_via())


@bp.get("/services/<slug>")
@access(Access.PUBLIC)
def public_service(slug: str) -> tuple[str, int]:
    """One service in plain words: what it is, who can use it, how, numbers, hours, next."""
    service = public_service_by_slug(db.session, slug)
    if service is None:  # unknown, or a draft: the public cannot tell the two apart
        return render_template("catalogue/public_missing.html", retired=None), 404
    if service.retired:
        return render_template("catalogue/public_missing.html", retired=service), 410
    return render_template("catalogue/public_service.html", page=describe(service),
                           description=render_markdown(service.description), via=_via()), 200
