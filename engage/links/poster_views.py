"""Posters: one link's A4 or A3 poster, and a campaign touchpoint's pack (one per organisation)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
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
from engage.errors import render_error
from engage.extensions import db
from engage.links.blueprint import bp
from engage.links.forms import LIST, PackForm
from engage.links.models import ShortLink
from engage.links.posters import SIZES, PosterRefused, paper_size, poster, printable, svg_zip
from engage.links.shortlinks import LinkError, make_poster_pack, pack_links
from engage.transactions import saving


def _base() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"])


def _size() -> str | None:
    return paper_size(request.args.get("size"))


def _bad_size() -> tuple[str, int]:
    return render_error(400, "Unknown paper size",
                        f"Posters print on {' or '.join(SIZES)}: choose one of those.")


@bp.get("/links/<int:short_link_id>/poster")
@access(Access.VIEW)
def poster_page(short_link_id: int) -> str | tuple[str, int]:
    """An A4 or A3 poster to print from the browser; refused for a retired service."""
    link = db.get_or_404(ShortLink, short_link_id)
    size = _size()
    if size is None:
        return _bad_size()
    back = url_for("links.show", short_link_id=link.id)
    title = f"Poster: {link.service.name if link.service else 'services'}"
    try:
        posters = [poster(link, _base())]
    except PosterRefused as exc:
        return render_template("links/poster_refused.html", reason=str(exc), back=back,
                               title=title, link=link), 409
    return render_template("links/posters.html", posters=posters, back=back, title=title,
                           size=size, sizes=SIZES, left_out=[],
                           here=url_for("links.poster_page", short_link_id=link.id))


@bp.get("/links/touchpoints/<int:touchpoint_id>/posters")
@access(Access.VIEW)
def pack(touchpoint_id: int) -> str | tuple[str, int]:
    """Every organisation's poster for a touchpoint, one per printed page."""
    touchpoint = db.get_or_404(Touchpoint, touchpoint_id)
    size = _size()
    if size is None:
        return _bad_size()
    links, left_out = printable(pack_links(db.session, touchpoint.id))
    return render_template("links/posters.html", posters=[poster(link, _base()) for link in links],
                           back=url_for("campaigns.touchpoint", touchpoint_id=touchpoint.id),
                           title=f"Poster pack: {touchpoint.title}", touchpoint=touchpoint,
                           size=size, sizes=SIZES, left_out=left_out,
                           here=url_for("links.pack", touchpoint_id=touchpoint.id))


@bp.get("/links/touchpoints/<int:touchpoint_id>/posters.zip")
@access(Access.VIEW)
def pack_zip(touchpoint_id: int) -> Response:
    """The pack's QR codes as SVG files, for a print shop."""
    touchpoint = db.get_or_404(Touchpoint, touchpoint_id)
    links, _left_out = printable(pack_links(db.session, touchpoint.id))
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
