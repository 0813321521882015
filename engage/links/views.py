"""Pages of the links feature: the public scan endpoint and awareness answers, and the manager's
links, QR codes, posters and figures. Poster and pack pages are in poster_views.py."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from engage.audit.log import record_event
from engage.auth.access import Access, access
from engage.campaigns.models import Campaign, Touchpoint
from engage.catalogue.completeness import is_public
from engage.catalogue.models import Service
from engage.catalogue.public import service_by_slug
from engage.database import utcnow
from engage.directory.forms import choices
from engage.directory.models import Organisation
from engage.extensions import csrf, db, limiter
from engage.links import awareness, scan_chart, stats, throttle
from engage.links.blueprint import bp
from engage.links.forms import LIST, LinkForm
from engage.links.models import AwarenessAnswer, Medium, ShortLink
from engage.links.qr import qr_png, qr_svg
from engage.links.scans import ScanRequest, record_scan
from engage.links.shortlinks import (
    LinkError,
    create_link,
    own_page_target,
    restore_link,
    retire_link,
    short_url,
)
from engage.messaging.clicks import Click, record_click
from engage.public_address import public_address_warning
from engage.sections import page_section
from engage.timezone import uk_day
from engage.transactions import done, saving

# Per address (hashed), generous enough for a staff room behind one address.
AWARENESS_LIMIT = "20 per minute;300 per day"


# --- public: the scan endpoint -----------------------------------------------------------------


def _hashed_address(scope: str) -> str:
    """A rate-limit key: a keyed hash, so the limiter's store never holds an address."""
    return throttle.address_key(current_app.config["SECRET_KEY"], request.remote_addr, scope)


def _scan_wait() -> int | None:
    """Seconds this address must wait before scanning again, None when it may scan now."""
    config = current_app.config
    if not config["RATELIMIT_ENABLED"]:
        return None
    return throttle.seconds_to_wait(limiter.limiter, throttle.parsed(config["SCAN_RATE_LIMIT"]),
                                    _hashed_address("scan"), "links.scan")


@bp.get("/q/<code>")
@access(Access.PUBLIC)
def scan(code: str) -> Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    """Count the scan and send the visitor to the service page (GET without CSRF by design).

    HEAD requests (link checkers) are redirected without being recorded; bots are recorded as
    bots and not counted. The redirect is always to one of our own pages, except for a tracked
    link in an email (medium EMAIL), which goes to the target stored with it. Limited per client
    address (SCAN_RATE_LIMIT, far above what people scanning posters reach; see throttle.py).
    """
    wait = _scan_wait()
    if wait is not None:
        return render_template("links/too_many_scans.html"), 429, {"Retry-After": str(wait)}
    result = record_scan(db.engine, db.session, ScanRequest(
        code, address=request.remote_addr, user_agent=request.headers.get("User-Agent"),
        now=utcnow(), record=request.method == "GET",
        miss_cap=current_app.config["SCAN_MISS_DAILY_CAP"]))
    if not result.found:
        return render_template("links/missing.html"), 404
    if result.medium is Medium.EMAIL and result.link_id is not None:
        return _email_click(result.link_id)
    if result.service_slug is None:
        target = own_page_target(result.target_url)
        if target is not None:  # a registration page's short link (engage.registration)
            return redirect(target, 302)
        return redirect(url_for("catalogue.public_index", via=result.code), 302)
    # Codes are letters and digits only, so nothing in `via` needs escaping.
    return redirect(f"{_service_path(request.script_root, result.service_slug)}"
                    f"?via={result.code}", 302)


def _email_click(link_id: int) -> Response | tuple[str, int]:
    """A tracked link in an email: record the click (person or machine), then go to its target.

    The `m` token is hostile input: a missing, garbled or forged one still redirects and is
    kept as an anonymous click (`engage.messaging.clicks`).
    """
    with saving():
        result = record_click(db.session, Click(
            link_id, token=request.args.get("m", type=str), head=request.method == "HEAD",
            user_agent=request.headers.get("User-Agent"), now=utcnow()))
    if result.target_url is None:
        return render_template("links/missing.html"), 404
    return redirect(result.target_url, 302)


@lru_cache(maxsize=256)
def _service_path(_script_root: str, slug: str) -> str:
    """The service page's address, built once per slug and mount point: building it with
    `url_for` on every scan cost a tenth of the scan's own work."""
    return url_for("catalogue.public_service", slug=slug)


@bp.get("/q-baseline")
@access(Access.PUBLIC)
def scan_baseline() -> Response:
    """The same 302 as a scan without touching the database: the benchmark's yardstick."""
    return redirect(url_for("catalogue.public_index"), 302)


# --- public: awareness answers -----------------------------------------------------------------


@page_section(bp, "public_service", "links/_awareness.html")
def awareness_question(service: Service, via: str | None) -> dict[str, Any]:
    """The question's signed token for a service page (attributed to the code it came from)."""
    now = utcnow()
    link = awareness.link_for_visit(db.session, service, via)
    return {
        "token": awareness.make_token(current_app.config["SECRET_KEY"], service, link, now),
        "action": url_for("links.answer", slug=service.slug),
        "slug": service.slug,
    }


@bp.post("/services/<slug>/awareness")
@access(Access.PUBLIC)
@csrf.exempt
@limiter.limit(AWARENESS_LIMIT, key_func=lambda: _hashed_address("awareness"))
def answer(slug: str) -> tuple[str, int] | tuple[str, int, dict[str, str]]:
    """Take a yes/no answer: CSRF-exempt by design (no cookie); a signed token guards it."""
    service = service_by_slug(db.session, slug)
    if service is None or not is_public(service):  # its page is "not found" too
        return render_template("catalogue/public_missing.html", retired=None), 404
    now = utcnow()
    try:
        token = awareness.read_token(current_app.config["SECRET_KEY"],
                                     request.form.get("token", ""), service, now)
        knew = awareness.parse_answer(request.form.get("answer"))
    except awareness.AwarenessError as exc:
        return render_template("links/answer.html", service=service, problem=str(exc)), 400
    with saving():
        recorded = awareness.record_answer(
            db.session, service, token, knew, address=request.remote_addr,
            user_agent=request.headers.get("User-Agent"), now=now,
            burst=timedelta(minutes=current_app.config["AWARENESS_BURST_MINUTES"]),
        )
    if not recorded.stored:
        # A repeat within the burst window from this connection: kind words, and when to retry.
        return (render_template("links/answer.html", service=service, repeated=recorded),
                429, {"Retry-After": str(recorded.wait_seconds)})
    return render_template("links/answer.html", service=service, stored=True), 200


@bp.errorhandler(429)
def too_many(_error: Exception) -> tuple[str, int]:
    return render_template("links/answer.html", service=None,
                           problem="Too many answers from here. Try again in a minute."), 429


# --- the manager's pages -----------------------------------------------------------------------


def _link(short_link_id: int) -> ShortLink:
    return db.get_or_404(ShortLink, short_link_id)


def link_url(link: ShortLink) -> str:
    return short_url(current_app.config["PUBLIC_BASE_URL"], link.code)


@bp.app_template_global()
def short_link_url(link: ShortLink) -> str:
    """The full short address of a link, as printed and encoded in its QR code."""
    return link_url(link)


@bp.app_template_global()
def public_address_problem() -> str | None:
    """Why the public cannot reach PUBLIC_BASE_URL, for the link and poster pages; None if fine."""
    config = current_app.config
    return public_address_warning(config["PUBLIC_BASE_URL"],
                                  production=config["ENGAGE_ENV"] == "production")


@bp.get("/links/")
@access(Access.VIEW)
def index() -> str:
    """The latest links with their figures, and codes people tried that do not exist."""
    # Email links are many (one per link per send) and reported with their send.
    rows = stats.link_figures(db.session, ShortLink.id.in_(
        select(ShortLink.id).where(ShortLink.medium != Medium.EMAIL)
        .order_by(ShortLink.id.desc()).limit(100)))
    return render_template("links/index.html", rows=rows, totals=stats.totals(rows),
                           unknown=stats.unknown_codes(db.session),
                           unlisted=stats.unlisted_misses(db.session),
                           miss_cap=current_app.config["SCAN_MISS_DAILY_CAP"])


@bp.get("/links/<int:short_link_id>")
@access(Access.VIEW)
def show(short_link_id: int) -> str:
    """One link: where it goes, its QR code, its scans per day or week as a chart and table."""
    link = _link(short_link_id)
    rows = stats.link_figures(db.session, ShortLink.id == link.id)
    series = stats.link_scan_series(db.session, link.id, uk_day(utcnow()))
    return render_template("links/show.html", link=link, figures=rows[0], series=series,
                           bars=scan_chart.bars(series), width=scan_chart.WIDTH,
                           height=scan_chart.HEIGHT, weekly_after=stats.WEEKLY_AFTER_DAYS,
                           answers=awareness.tally(db.session,
                                                   AwarenessAnswer.link_id == link.id))


@bp.get("/links/<int:short_link_id>/qr.svg")
@access(Access.VIEW)
def qr_svg_file(short_link_id: int) -> Response:
    """The QR code for print, as SVG."""
    link = _link(short_link_id)
    return _download(qr_svg(link_url(link)), "image/svg+xml", f"qr-{link.code}.svg")


@bp.get("/links/<int:short_link_id>/qr.png")
@access(Access.VIEW)
def qr_png_file(short_link_id: int) -> Response:
    """The QR code as a PNG, for documents and slides."""
    link = _link(short_link_id)
    return _download(qr_png(link_url(link)), "image/png", f"qr-{link.code}.png")


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _service_choices() -> list[tuple[str, str]]:
    services = db.session.scalars(select(Service).where(Service.retired.is_(False))
                                  .order_by(Service.sort_order, Service.name))
    return choices([("", "Choose a page"), *[(s.slug, s.name) for s in services],
                    (LIST, "The list of all services")])


@bp.route("/links/touchpoints/<int:touchpoint_id>/new", methods=["GET", "POST"])
@access(Access.MANAGE)
def new(touchpoint_id: int) -> Response | tuple[str, int]:
    """Make a short link (and its QR code) for a touchpoint, optionally for one organisation."""
    touchpoint = db.get_or_404(Touchpoint, touchpoint_id)
    form = LinkForm()
    form.service.choices = _service_choices()
    if form.validate_on_submit():
        service = None if form.service.data == LIST else service_by_slug(db.session,
                                                                        form.service.data)
        organisation = None
        code = (form.organisation.data or "").strip().upper()
        if code:
            organisation = db.session.scalar(select(Organisation)
                                             .where(Organisation.ods_code == code))
            if organisation is None:
                form.organisation.errors = [
                    f"No organisation has the ODS code {code}. Check it in the directory."]
        if form.service.data != LIST and service is None:
            form.service.errors = ["Choose a page from the list"]
        if not form.errors:
            with saving(LinkError, field=form.message) as saved:
                link = create_link(db.session, service=service, organisation=organisation,
                                   touchpoint=touchpoint, medium=Medium(form.medium.data),
                                   message=form.message.data or "", user_id=current_user.id,
                                   now=utcnow())
                record_event(db.session, current_user, "links.create",
                             f"Made short link {link.code} for {touchpoint.title}", target=link)
            if saved:
                flash(f"Made the short link {link_url(link)}.")
                return redirect(url_for("links.show", short_link_id=link.id))
    return (render_template("links/new.html", form=form, touchpoint=touchpoint),
            400 if form.errors else 200)


@bp.post("/links/<int:short_link_id>/retire")
@access(Access.MANAGE)
def retire(short_link_id: int) -> Response:
    """Stop a code working (a poster taken down); scans of it then count as misses."""
    link = _link(short_link_id)
    retire_link(link, utcnow())
    record_event(db.session, current_user, "links.retire", f"Retired short link {link.code}",
                 target=link)
    return done(f"Retired {link.code}: it now shows a 'not found' page that links to the services.",
                url_for("links.show", short_link_id=link.id))


@bp.post("/links/<int:short_link_id>/restore")
@access(Access.MANAGE)
def restore(short_link_id: int) -> Response:
    """Make a retired code work again."""
    link = _link(short_link_id)
    restore_link(link)
    record_event(db.session, current_user, "links.restore", f"Restored short link {link.code}",
                 target=link)
    return done(f"{link.code} works again.", url_for("links.show", short_link_id=link.id))


# --- sections on other features' pages ---------------------------------------------------------


@page_section(bp, "touchpoint", "links/_touchpoint_links.html", position=10)
def touchpoint_links(touchpoint: Touchpoint) -> dict[str, Any]:
    """The touchpoint page's section: its links and their figures."""
    condition = ShortLink.touchpoint_id == touchpoint.id
    rows = stats.link_figures(db.session, condition)
    return {"rows": rows, "totals": stats.totals(rows),
            "days": stats.daily(db.session, condition, limit=14)}


@page_section(bp, "campaign", "links/_campaign_links.html", position=10)
def campaign_links(campaign: Campaign) -> dict[str, Any]:
    """The campaign page's section: scans by service and by touchpoint, and poster packs."""
    condition = ShortLink.touchpoint_id.in_(
        select(Touchpoint.id).where(Touchpoint.campaign_id == campaign.id))
    rows = stats.link_figures(db.session, condition)
    by_touchpoint: dict[int, list[stats.LinkFigures]] = {}
    for row in rows:
        by_touchpoint.setdefault(row.link.touchpoint_id or 0, []).append(row)
    touchpoints = db.session.scalars(
        select(Touchpoint).where(Touchpoint.campaign_id == campaign.id)
        .order_by(Touchpoint.planned_at, Touchpoint.id)).all()
    return {
        "totals": stats.totals(rows),
        "by_service": stats.by_service(rows),
        "by_touchpoint": [(t, stats.totals(by_touchpoint[t.id])) for t in touchpoints
                          if t.id in by_touchpoint],
        "posters": [t for t in touchpoints if t.channel.value == "poster"],
        "days": stats.daily(db.session, condition, limit=14),
        "answers": awareness.tally(db.session, AwarenessAnswer.link_id.in_(
            select(ShortLink.id).where(condition))),
    }


@page_section(bp, "organisation", "links/_org_scans.html", position=30)
def organisation_scans(org: Organisation) -> dict[str, Any]:
    """The organisation page's section: its posters' scans and its staff's awareness answers."""
    condition = ShortLink.organisation_id == org.id
    rows = stats.link_figures(db.session, condition)
    return {"rows": rows, "totals": stats.totals(rows),
            "days": stats.daily(db.session, condition, limit=14),
            "answers": awareness.tally(db.session, AwarenessAnswer.organisation_id == org.id)}

