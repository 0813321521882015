"""Recording whom a touchpoint reached, and voiding records (on the campaigns blueprint)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from engage.auth.access import Access, access
from engage.auth.redirects import safe_next_path
from engage.campaigns.audience import parse_codes
from engage.campaigns.blueprint import bp
from engage.campaigns.choices import localities
from engage.campaigns.dates import london_to_utc, utc_to_london_naive
from engage.campaigns.errors import CampaignError
from engage.campaigns.forms import ReachForm, VoidForm, set_choices
from engage.campaigns.models import Engagement, EngagementKind, Touchpoint
from engage.campaigns.reach import (
    ReachRequest,
    Who,
    record_touchpoint_reach,
    void_row,
    void_touchpoint_reach,
)
from engage.database import utcnow
from engage.directory.models import OrgKind
from engage.extensions import db
from engage.transactions import saving

# The kind of contact a channel usually makes, offered first on the reach form.
USUAL_KIND = {
    "webinar": EngagementKind.ATTENDED, "training": EngagementKind.ATTENDED,
    "quality_meeting": EngagementKind.ATTENDED, "presentation": EngagementKind.ATTENDED,
    "practice_visit": EngagementKind.VISITED, "newsletter": EngagementKind.RECEIVED,
    "email_bulletin": EngagementKind.RECEIVED, "poster": EngagementKind.RECEIVED,
    "pm_update": EngagementKind.RECEIVED, "facebook": EngagementKind.POSTED,
    "gateway": EngagementKind.POSTED, "phone_call": EngagementKind.CALLED,
}


def _reach_form(touchpoint: Touchpoint) -> ReachForm:
    form = ReachForm()
    set_choices(form.locality_id, [("", "Choose a locality"), *localities()])
    if not form.is_submitted():
        form.kind.data = USUAL_KIND.get(touchpoint.channel.value, EngagementKind.OTHER).value
        when = touchpoint.when or utcnow()
        form.occurred_at.data = utc_to_london_naive(min(when, utcnow()))
        if touchpoint.campaign is not None and touchpoint.channel.value in (
                "newsletter", "email_bulletin"):
            form.who.data = Who.AUDIENCE.value
    return form


@bp.route("/touchpoints/<int:touchpoint_id>/reach", methods=["GET", "POST"])
@access(Access.MANAGE)
def reach(touchpoint_id: int) -> Response | tuple[str, int]:
    """Record whom a touchpoint reached: named organisations, an audience, or a locality."""
    touchpoint = db.get_or_404(Touchpoint, touchpoint_id)
    form = _reach_form(touchpoint)
    if form.validate_on_submit():
        request_ = ReachRequest(
            who=Who(form.who.data), kind=form.contact_kind(),
            occurred_at=london_to_utc(form.occurred_at.data),  # type: ignore[arg-type]
            people=form.people.data or 0, codes=parse_codes(form.codes.data or ""),
            locality_id=int(form.locality_id.data) if form.locality_id.data else None,
            org_kinds=[OrgKind(k) for k in form.org_kinds.data or []], note=form.note.data or "",
            tier=form.contact_tier())
        field = {Who.CODES: form.codes, Who.LOCALITY: form.locality_id}.get(
            request_.who, form.who)
        with saving(CampaignError, field=field) as saved:
            result = record_touchpoint_reach(db.session, touchpoint, request_,
                                             user_id=current_user.id, now=utcnow())
        if saved:
            flash(result.message(touchpoint))
            return redirect(url_for("campaigns.touchpoint", touchpoint_id=touchpoint.id))
    return (render_template("campaigns/reach.html", touchpoint=touchpoint, form=form),
            400 if form.errors else 200)


def _back(engagement: Engagement) -> str:
    fallback = (url_for("campaigns.touchpoint", touchpoint_id=engagement.touchpoint_id)
                if engagement.touchpoint_id else
                url_for("directory.show", code=engagement.organisation.ods_code))
    return safe_next_path(request.values.get("next"), fallback)


@bp.route("/engagement/<int:engagement_id>/void", methods=["GET", "POST"])
@access(Access.MANAGE)
def void(engagement_id: int) -> Response | tuple[str, int]:
    """Void one record, with the reason: it stays on record, struck through, and stops counting."""
    engagement = db.get_or_404(Engagement, engagement_id)
    form = VoidForm()
    status = 200
    if engagement.voided_at is not None:
        form.reason.errors = ["This record was already voided."]
        status = 409
    elif form.validate_on_submit():
        with saving(CampaignError, field=form.reason) as saved:
            void_row(db.session, engagement, form.reason.data or "", user_id=current_user.id,
                     now=utcnow())
        if saved:
            flash(f"Voided the record of {engagement.organisation.display_name}.")
            return redirect(_back(engagement))
    if form.errors and status == 200:
        status = 400
    return render_template("campaigns/void.html", engagement=engagement, form=form,
                           back=_back(engagement)), status


@bp.route("/touchpoints/<int:touchpoint_id>/void-reach", methods=["GET", "POST"])
@access(Access.MANAGE)
def void_reach(touchpoint_id: int) -> Response | tuple[str, int]:
    """Void everything a touchpoint recorded (it was recorded for the wrong organisations)."""
    touchpoint = db.get_or_404(Touchpoint, touchpoint_id)
    form = VoidForm()
    if form.validate_on_submit():
        with saving(CampaignError, field=form.reason) as saved:
            voided = void_touchpoint_reach(db.session, touchpoint, form.reason.data or "",
                                           user_id=current_user.id, now=utcnow())
        if saved:
            flash(f"Voided {voided} record{'' if voided == 1 else 's'} of {touchpoint.title}.")
            return redirect(url_for("campaigns.touchpoint", touchpoint_id=touchpoint.id))
    return (render_template("campaigns/void_reach.html", touchpoint=touchpoint, form=form),
            400 if form.errors else 200)
