"""Touchpoint pages (on the campaigns blueprint): list, plan, change, done, cancel, restore."""

from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from engage.auth.access import Access, access
from engage.campaigns.blueprint import bp
from engage.campaigns.choices import owners, service_choices
from engage.campaigns.dates import london_to_utc, utc_to_london_naive
from engage.campaigns.errors import CampaignError
from engage.campaigns.forms import NOBODY, CancelForm, MarkDoneForm, TouchpointForm, set_choices
from engage.campaigns.history import describe
from engage.campaigns.models import Campaign, Channel, Engagement, Touchpoint, TouchpointStatus
from engage.campaigns.reach import reach_counts, touchpoint_summary
from engage.campaigns.touchpoints import (
    TouchpointFields,
    campaign_date_warning,
    cancel_touchpoint,
    create_touchpoint,
    mark_done,
    restore_touchpoint,
    update_touchpoint,
)
from engage.catalogue.models import Service
from engage.database import utcnow
from engage.extensions import db
from engage.transactions import saving
from engage.web import page_arg

PER_PAGE = 50


def _touchpoint(touchpoint_id: int) -> Touchpoint:
    return db.get_or_404(Touchpoint, touchpoint_id)


@bp.get("/touchpoints/")
@access(Access.VIEW)
def touchpoints() -> str:
    """Every touchpoint, latest first, optionally only those with a status."""
    status = request.args.get("status", "")
    when = func.coalesce(Touchpoint.actual_at, Touchpoint.planned_at)
    query = select(Touchpoint).options(joinedload(Touchpoint.campaign)).order_by(
        when.desc(), Touchpoint.id.desc())
    if status in set(TouchpointStatus):
        query = query.where(Touchpoint.status == TouchpointStatus(status))
    page = SelectPagination(select=query, session=db.session, page=page_arg(),
                            per_page=PER_PAGE, error_out=False)
    return render_template("campaigns/touchpoints.html", page=page, status=status,
                           reached=reach_counts(db.session, [t.id for t in page.items]),
                           statuses=list(TouchpointStatus))


def _campaign_choices() -> list[tuple[object, str]]:
    campaigns = db.session.scalars(select(Campaign).order_by(Campaign.start_date.desc()))
    return [("", "Not part of a campaign"), *((c.id, c.name) for c in campaigns)]


def _touchpoint_form(touchpoint: Touchpoint | None) -> TouchpointForm:
    if request.method == "GET" and touchpoint is not None:
        form = TouchpointForm(obj=touchpoint)
        form.channel.data = touchpoint.channel.value
        form.campaign_id.data = str(touchpoint.campaign_id or "")
        form.owner_id.data = str(touchpoint.owner_id or NOBODY)
        form.planned_at.data = utc_to_london_naive(touchpoint.planned_at)
        form.actual_at.data = utc_to_london_naive(touchpoint.actual_at)
        form.services.data = [s.id for s in touchpoint.services]
    else:
        form = TouchpointForm()
        if request.method == "GET":
            form.campaign_id.data = request.args.get("campaign_id", "")
            form.owner_id.data = str(current_user.id)
    set_choices(form.campaign_id, _campaign_choices())
    set_choices(form.owner_id, owners(touchpoint.owner_id if touchpoint else None))
    set_choices(form.services, service_choices(touchpoint.services if touchpoint else []))
    return form


def _utc(value: datetime | None) -> datetime | None:
    return london_to_utc(value) if value is not None else None


def _fields(form: TouchpointForm) -> TouchpointFields:
    chosen = set(form.services.data or [])
    return TouchpointFields(
        channel=Channel(form.channel.data), title=form.title.data or "",
        planned_at=_utc(form.planned_at.data), actual_at=_utc(form.actual_at.data),
        duration_minutes=form.duration_minutes.data, location=form.location.data or "",
        notes=form.notes.data or "",
        campaign=db.session.get(Campaign, int(form.campaign_id.data))
        if form.campaign_id.data else None,
        services=list(db.session.scalars(select(Service).where(Service.id.in_(chosen)))),
        owner_id=int(form.owner_id.data) if form.owner_id.data else None,
    )


def _save(form: TouchpointForm, touchpoint: Touchpoint | None) -> Response | tuple[str, int]:
    """Save when valid and confirmed; otherwise the form again, with its errors or warning."""
    warning = None
    if form.validate_on_submit():
        fields = _fields(form)
        warning = campaign_date_warning(fields)
        if warning is None or form.confirm_outside.data:
            with saving(CampaignError, field=form.title) as saved:
                if touchpoint is None:
                    touchpoint = create_touchpoint(db.session, fields, current_user.id, utcnow())
                    message = f"Added {touchpoint.title}."
                else:
                    changed = update_touchpoint(db.session, touchpoint, fields, current_user.id,
                                                utcnow())
                    message = f"Saved {touchpoint.title}." if changed else "Nothing was changed."
            if saved:
                assert touchpoint is not None  # made or changed in the block just committed
                flash(message + (" It is outside its campaign's dates, as confirmed."
                                 if warning else ""))
                return redirect(url_for("campaigns.touchpoint", touchpoint_id=touchpoint.id))
    status = 400 if form.errors else 200
    return render_template("campaigns/touchpoint_edit.html", form=form, touchpoint=touchpoint,
                           warning=warning), status


@bp.route("/touchpoints/new", methods=["GET", "POST"])
@access(Access.MANAGE)
def new_touchpoint() -> Response | tuple[str, int]:
    """Plan a touchpoint, or log one that has happened."""
    return _save(_touchpoint_form(None), None)


@bp.route("/touchpoints/<int:touchpoint_id>/edit", methods=["GET", "POST"])
@access(Access.MANAGE)
def edit_touchpoint(touchpoint_id: int) -> Response | tuple[str, int]:
    """Change a touchpoint; the change is kept as a revision and its reach is left alone."""
    touchpoint = _touchpoint(touchpoint_id)
    if touchpoint.status is TouchpointStatus.CANCELLED:
        flash("This touchpoint was cancelled. Restore it before changing it.")
        return redirect(url_for("campaigns.touchpoint", touchpoint_id=touchpoint.id))
    return _save(_touchpoint_form(touchpoint), touchpoint)


def _done_form(touchpoint: Touchpoint) -> MarkDoneForm:
    form = MarkDoneForm()
    if not form.is_submitted():
        now = utcnow()
        when = touchpoint.planned_at if touchpoint.planned_at and touchpoint.planned_at <= now \
            else now
        form.actual_at.data = utc_to_london_naive(when)
    return form


@bp.get("/touchpoints/<int:touchpoint_id>")
@access(Access.VIEW)
def touchpoint(touchpoint_id: int) -> str | tuple[str, int]:
    """A touchpoint: its details, whom it reached, and every change made to it."""
    return _touchpoint_page(_touchpoint(touchpoint_id))


def _touchpoint_page(touchpoint: Touchpoint, done_form: MarkDoneForm | None = None,
                     cancel_form: CancelForm | None = None, problem: str | None = None,
                     status: int = 200) -> tuple[str, int] | str:
    rows = SelectPagination(
        select=select(Engagement).options(joinedload(Engagement.organisation),
                                          joinedload(Engagement.campaign))
        .where(Engagement.touchpoint_id == touchpoint.id)
        .order_by(Engagement.voided_at.is_not(None), Engagement.occurred_at.desc(),
                  Engagement.id),
        session=db.session, page=page_arg(), per_page=PER_PAGE, error_out=False)
    page = render_template(
        "campaigns/touchpoint.html", touchpoint=touchpoint, rows=rows,
        summary=touchpoint_summary(db.session, touchpoint.id),
        history=describe(db.session, touchpoint.revisions),
        done_form=done_form or _done_form(touchpoint), cancel_form=cancel_form or CancelForm(),
        problem=problem)
    return (page, status) if status != 200 else page


@bp.post("/touchpoints/<int:touchpoint_id>/done")
@access(Access.MANAGE)
def touchpoint_done(touchpoint_id: int) -> Response | tuple[str, int] | str:
    """Record that the touchpoint happened, and when."""
    touchpoint = _touchpoint(touchpoint_id)
    form = _done_form(touchpoint)
    if form.validate_on_submit():
        with saving(CampaignError, field=form.actual_at) as saved:
            mark_done(db.session, touchpoint, london_to_utc(form.actual_at.data),  # type: ignore[arg-type]
                      current_user.id, utcnow())
        if saved:
            flash(f"Marked {touchpoint.title} as done. Now record whom it reached.")
            return redirect(url_for("campaigns.touchpoint", touchpoint_id=touchpoint.id))
    return _touchpoint_page(touchpoint, done_form=form, status=400)


@bp.post("/touchpoints/<int:touchpoint_id>/cancel")
@access(Access.MANAGE)
def touchpoint_cancel(touchpoint_id: int) -> Response | tuple[str, int] | str:
    """Cancel the touchpoint; it and any reach it recorded stay on record."""
    touchpoint = _touchpoint(touchpoint_id)
    form = CancelForm()
    if form.validate_on_submit():
        with saving(CampaignError, field=form.reason) as saved:
            cancel_touchpoint(db.session, touchpoint, form.reason.data or "", current_user.id,
                              utcnow())
        if saved:
            flash(f"Cancelled {touchpoint.title}.")
            return redirect(url_for("campaigns.touchpoint", touchpoint_id=touchpoint.id))
    return _touchpoint_page(touchpoint, cancel_form=form, status=400)


@bp.post("/touchpoints/<int:touchpoint_id>/restore")
@access(Access.MANAGE)
def touchpoint_restore(touchpoint_id: int) -> Response | tuple[str, int] | str:
    """Undo a cancellation."""
    touchpoint = _touchpoint(touchpoint_id)
    with saving(CampaignError) as saved:
        restore_touchpoint(db.session, touchpoint, current_user.id, utcnow())
    if not saved:
        return _touchpoint_page(touchpoint, problem=saved.error, status=409)
    flash(f"Restored {touchpoint.title}.")
    return redirect(url_for("campaigns.touchpoint", touchpoint_id=touchpoint.id))
