"""The manager's side: registration settings and the list of registrants of an event."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from engage.audit.log import record_event
from engage.auth.access import Access, access
from engage.campaigns.dates import london_to_utc, utc_to_london_naive
from engage.campaigns.models import Touchpoint
from engage.csv_export import csv_text
from engage.database import utcnow
from engage.extensions import db
from engage.links.shortlinks import short_url
from engage.registration import settings as terms
from engage.registration.blueprint import bp
from engage.registration.errors import RegistrationError
from engage.registration.forms import SettingsForm
from engage.registration.models import Registration, RegistrationStatus
from engage.registration.signup import counts, promote
from engage.registration.views import mailing
from engage.sections import page_section
from engage.templating import london
from engage.transactions import done, saving


def _touchpoint(touchpoint_id: int) -> Touchpoint:
    return db.get_or_404(Touchpoint, touchpoint_id)


def public_page(code: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(
        "registration.register_page", code=code)


def _addresses(settings: Any) -> dict[str, str | None]:
    link = settings.short_link
    return {"page": public_page(settings.code),
            "short": short_url(current_app.config["PUBLIC_BASE_URL"], link.code)
            if link is not None and link.retired_at is None else None}


@page_section(bp, "touchpoint", "registration/_touchpoint_registration.html", position=5)
def touchpoint_registration(touchpoint: Touchpoint) -> dict[str, Any] | None:
    """The touchpoint page's section: registration open or not, places taken, the links."""
    if not touchpoint.channel.is_meeting:
        return None
    settings = terms.settings_of(db.session, touchpoint.id)
    if settings is None:
        return {"settings": None}
    return {"settings": settings, "counts": counts(db.session, touchpoint.id),
            "closed": terms.why_closed(settings, utcnow()), **_addresses(settings)}


@bp.route("/registrations/<int:touchpoint_id>/settings", methods=["GET", "POST"])
@access(Access.MANAGE)
def edit(touchpoint_id: int) -> Response | str | tuple[str, int]:
    """Open registration, or change its places, waiting list and closing time."""
    touchpoint = _touchpoint(touchpoint_id)
    settings = terms.settings_of(db.session, touchpoint.id)
    form = SettingsForm()
    if not form.is_submitted():
        form.is_open.data = settings.is_open if settings else True
        form.capacity.data = settings.capacity if settings else None
        form.waiting_list.data = settings.waiting_list if settings else True
        form.closes_at.data = utc_to_london_naive(settings.closes_at) if settings else None
        return render_template("registration/edit.html", touchpoint=touchpoint, form=form,
                               settings=settings)
    if form.validate():
        chosen = terms.Terms(
            is_open=bool(form.is_open.data), capacity=form.capacity.data,
            waiting_list=bool(form.waiting_list.data),
            closes_at=london_to_utc(form.closes_at.data) if form.closes_at.data else None)
        now = utcnow()
        with saving(RegistrationError) as saved:
            kept = terms.save_terms(
                db.session, touchpoint, chosen, user_id=current_user.id, now=now,
                page_path=lambda code: url_for("registration.register_page", code=code))
            # More places (or none to limit) move the waiting list up at once.
            moved = promote(db.session, kept, mailing=mailing(), now=now)
            record_event(db.session, current_user, "registration.settings",
                         f"Registration for {touchpoint.title}: "
                         f"{'open' if chosen.is_open else 'closed'}, "
                         f"{chosen.capacity or 'unlimited'} places", target=touchpoint,
                         details={"moved_up": len(moved)})
        if saved:
            message = "Registration saved."
            if moved:
                message += f" {len(moved)} on the waiting list moved up and were told by email."
            return done(message, url_for("registration.registrants", touchpoint_id=touchpoint.id))
        return render_template("registration/edit.html", touchpoint=touchpoint, form=form,
                               settings=settings, problem=saved.error), 409
    return render_template("registration/edit.html", touchpoint=touchpoint, form=form,
                           settings=settings), 400


def _registrations(touchpoint_id: int) -> list[Registration]:
    return list(db.session.scalars(
        select(Registration).options(joinedload(Registration.organisation))
        .where(Registration.touchpoint_id == touchpoint_id)
        .order_by(Registration.status, Registration.queued_at, Registration.id)))


@bp.get("/registrations/<int:touchpoint_id>")
@access(Access.MANAGE)
def registrants(touchpoint_id: int) -> str:
    """Who registered, who is waiting (in order) and who cancelled, with the counts."""
    touchpoint = _touchpoint(touchpoint_id)
    settings = terms.settings_of(db.session, touchpoint.id)
    rows = _registrations(touchpoint.id)
    grouped = {status: [r for r in rows if r.status is status] for status in RegistrationStatus}
    return render_template(
        "registration/registrants.html", touchpoint=touchpoint, settings=settings,
        grouped=grouped, counts=counts(db.session, touchpoint.id),
        closed=terms.why_closed(settings, utcnow()) if settings else None,
        **(_addresses(settings) if settings else {}))


@bp.get("/registrations/<int:touchpoint_id>.csv")
@access(Access.MANAGE)
def registrants_csv(touchpoint_id: int) -> Response:
    """The list as CSV for the session's host; every export goes in the audit log."""
    touchpoint = _touchpoint(touchpoint_id)
    rows = _registrations(touchpoint.id)
    text = csv_text([
        ("Status", "Name", "Email", "Organisation", "ODS code", "Role", "Registered (UK time)",
         "Moved up (UK time)", "Cancelled (UK time)"),
        *[(r.status.label, r.name, r.email, r.organisation.display_name, r.organisation.ods_code,
           r.role, london(r.queued_at), london(r.promoted_at) if r.promoted_at else "",
           london(r.cancelled_at) if r.cancelled_at else "") for r in rows]])
    with saving():
        record_event(db.session, current_user, "registration.export",
                     f"Exported the {len(rows)} registrations of {touchpoint.title}",
                     target=touchpoint, details={"rows": len(rows)})
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition":
            f'attachment; filename="engage-registrants-{touchpoint.id}.csv"'})
