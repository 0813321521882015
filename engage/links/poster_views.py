"""Posters: one link's A4 poster, and a campaign touchpoint's pack (one per organisation)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from engage.audit.log import record_event, record_export
from engage.auth.access import Access, access
from engage.campaigns.models import Touchpoint
from engage.catalogue.models import Service
from engage.catalogue.public import service_by_slug
from engage.database import utcnow
from engage.directory.forms import choices
from engage.extensions import db
from engage.links.blueprint import bp
from engage.links.forms import LIST, PackForm
from engage.links.models import ShortLink
from engage.links.posters import poster, svg_zip
from engage.links.shortlinks import LinkError, make_poster_pack, pack_links
from engage.transactions import saving


def _base() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"])


@bp.get("/links/<int:short_link_id>/poster")
@access(Access.VIEW)
def poster_page(short_link_id: int) -> str:
    """An A4 poster to print from the browser."""
    link = db.get_or_404(ShortLink, short_link_id)
    return render_template("links/posters.html", posters=[poster(link, _base())],
                           back=url_for("links.show", short_link_id=link.id),
                           title=f"Poster: {link.service.name if link.service else 'services'}")


@bp.get("/links/touchpoints/<int:touchpoint_id>/posters")
@access(Access.VIEW)
def pack(touchpoint_id: int) -> str:
    """Every organisation's poster for a touchpoint, one per printed page."""
    touchpoint = db.get_or_404(Touchpoint, touchpoint_id)
    links = pack_links(db.session, touchpoint.id)
    return render_template("links/posters.html", posters=[poster(link, _base()) for link in links],
                           back=url_for("campaigns.touchpoint", touchpoint_id=touchpoint.id),
                           title=f"Poster pack: {touchpoint.title}", touchpoint=touchpoint)


@bp.get("/links/touchpoints/<int:touchpoint_id>/posters.zip")
@access(Access.VIEW)
def pack_zip(touchpoint_id: int) -> Response:
    """The pack's QR codes as SVG files, for a print shop."""
    touchpoint = db.get_or_404(Touchpoint, touchpoint_id)
    links = pack_links(db.session, touchpoint.id)
    body = svg_zip(links, _base())
    with saving():
        record_export(db.session, current_user, "links.poster_pack_export",
                      f"Downloaded the QR codes of {len(links)} posters for {touchpoint.title}",
                      parameters={"touchpoint": touchpoint.id}, now=utcnow(), target=touchpoint,
                      details={"posters": len(links)})
    response = Response(body, mimetype="application/zip")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="posters-touchpoint-{touchpoint.id}.zip"')
    return response


@bp.route("/links/touchpoints/<int:touchpoint_id>/pack", methods=["GET", "POST"])
@access(Access.MANAGE)
def make_pack(touchpoint_id: int) -> Response | tuple[str, int]:
    """Make one poster link per organisation in the campaign's audience."""
    touchpoint = db.get_or_404(Touchpoint, touchpoint_id)
    form = PackForm()
    services = db.session.scalars(select(Service).where(Service.retired.is_(False))
                                  .order_by(Service.sort_order, Service.name))
    form.service.choices = choices([("", "Choose a page"), *[(s.slug, s.name) for s in services],
                                    (LIST, "The list of all services")])
    problem = None
    if form.validate_on_submit():
        service = None if form.service.data == LIST else service_by_slug(db.session,
                                                                        form.service.data)
        with saving(LinkError) as saved:
            result = make_poster_pack(db.session, touchpoint, service,
                                      message=form.message.data or "",
                                      user_id=current_user.id, now=utcnow())
            record_event(db.session, current_user, "links.pack",
                         f"Made {result.created} poster links for {touchpoint.title}",
                         target=touchpoint)
        problem = saved.error or None
        if saved:
            made = f"Made {result.created} new poster{'' if result.created == 1 else 's'}"
            has = " already has" if result.existing == 1 else "s already have"
            kept = f"; {result.existing} organisation{has} one" if result.existing else ""
            flash(made + kept + ".")
            return redirect(url_for("campaigns.touchpoint", touchpoint_id=touchpoint.id,
                                    _anchor="links"))
    return (render_template("links/pack.html", form=form, touchpoint=touchpoint, problem=problem),
            400 if form.errors or problem else 200)
