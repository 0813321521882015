"""The public service pages: no log-in, no cookie, light enough for a poor phone signal."""

from __future__ import annotations

from flask import render_template, request

from engage.auth.access import Access, access
from engage.catalogue.blueprint import bp
from engage.catalogue.markdown import render_markdown
from engage.catalogue.public import describe, offered_services, service_by_slug
from engage.extensions import db


def _via() -> str:
    """The short code the visit came through, passed on so answers can be attributed."""
    return request.args.get("via", "")[:16]


@bp.get("/services")
@access(Access.PUBLIC)
def public_index() -> str:
    """Every service on offer, for staff who scanned a general poster."""
    return render_template("catalogue/public_index.html", services=offered_services(db.session),
                           via=_via())


@bp.get("/services/<slug>")
@access(Access.PUBLIC)
def public_service(slug: str) -> tuple[str, int]:
    """One service in plain words: what it is, who can use it, how, numbers, hours, next."""
    service = service_by_slug(db.session, slug)
    if service is None:
        return render_template("catalogue/public_missing.html", retired=None), 404
    if service.retired:
        return render_template("catalogue/public_missing.html", retired=service), 410
    return render_template("catalogue/public_service.html", page=describe(service),
                           description=render_markdown(service.description), via=_via()), 200
