"""Pages of the reminders feature: rules on touchpoints and campaigns, what is coming.

Each form that makes a rule previews first (who will receive what, and when) and saves only
when the manager confirms. Bulletins and their templates are in bulletin_views.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from engage.auth.access import Access, access
from engage.campaigns.models import Campaign, Touchpoint
from engage.database import utcnow
from engage.extensions import db
from engage.messaging.models import OutboxMessage
from engage.reminders.blueprint import bp
from engage.reminders.bulletin_figures import send_figures, shown
from engage.reminders.errors import ReminderError
from engage.reminders.forms import ConfirmForm, NudgeForm, RuleForm
from engage.reminders.models import Bulletin, OffsetUnit, ReminderRule, RuleKind, SchedulerRun
from engage.reminders.overview import upcoming
from engage.reminders.preview import preview_rule
from engage.reminders.rules import (
    RuleFields,
    add_nudge_rule,
    add_touchpoint_rule,
    check_fields,
    remove_rule,
)
from engage.reminders.schedule import business_hours, occasion
from engage.sections import page_section
from engage.transactions import done, saving

MESSAGE_KINDS = ("reminder", "follow_up", "nudge", "digest", "bulletin")
RECENT = 50


# --- sections on other features' pages ---------------------------------------------------------


@page_section(bp, "touchpoint", "reminders/_touchpoint_reminders.html", position=20)
def touchpoint_reminders(touchpoint: Touchpoint) -> dict[str, Any]:
    """The touchpoint page's reminders section: its rules, each with when and to how many."""
    rules = list(db.session.scalars(select(ReminderRule).where(
        ReminderRule.touchpoint_id == touchpoint.id, ReminderRule.removed_at.is_(None))
        .order_by(ReminderRule.kind, ReminderRule.id)))
    hours = business_hours(current_app.config)
    now = utcnow()
    return {"rules": [(rule, occasion(db.session, rule, hours, now)) for rule in rules],
            "meeting": touchpoint.channel.is_meeting, "form": ConfirmForm()}


@page_section(bp, "campaign", "reminders/_campaign_reminders.html", position=20)
def campaign_reminders(campaign: Campaign) -> dict[str, Any]:
    """The campaign page's section: nudge rules and bulletins."""
    nudges = list(db.session.scalars(select(ReminderRule).where(
        ReminderRule.campaign_id == campaign.id, ReminderRule.kind == RuleKind.NUDGE,
        ReminderRule.removed_at.is_(None)).order_by(ReminderRule.id)))
    bulletins = list(db.session.scalars(select(Bulletin).where(
        Bulletin.campaign_id == campaign.id).order_by(Bulletin.created_at.desc(),
                                                      Bulletin.id.desc())))
    figures = send_figures(db.session, [b.id for b in bulletins])
    return {"nudges": nudges, "bulletins": [(b, shown(b, figures[b.id]), figures[b.id])
                                            for b in bulletins], "form": ConfirmForm()}


# --- the overview --------------------------------------------------------------------------------


@bp.get("/")
@access(Access.VIEW)
def index() -> str:
    """What the rules and scheduled bulletins will send in the next fortnight, and what went."""
    now = utcnow()
    recent = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind.in_(MESSAGE_KINDS))
        .order_by(OutboxMessage.updated_at.desc(), OutboxMessage.id.desc()).limit(RECENT)).all()
    runs = db.session.scalars(select(SchedulerRun).order_by(SchedulerRun.job_id)).all()
    return render_template("reminders/index.html", coming=upcoming(
        db.session, now=now, config=current_app.config), recent=recent, runs=runs, now=now)


# --- touchpoint rules ----------------------------------------------------------------------------


def _rule_fields(form: RuleForm) -> RuleFields:
    return RuleFields(kind=RuleKind(form.kind.data), offset_amount=form.offset_amount.data or 0,
                      offset_unit=OffsetUnit(form.offset_unit.data),
                      business_hours=bool(form.business_hours.data),
                      message=form.message.data or "")


@bp.route("/touchpoints/<int:touchpoint_id>/rules/new", methods=["GET", "POST"])
@access(Access.MANAGE)
def new_rule(touchpoint_id: int) -> Response | str | tuple[str, int]:
    """Add a reminder or follow-up: preview who gets what and when, then save."""
    touchpoint = db.get_or_404(Touchpoint, touchpoint_id)
    form = RuleForm()
    problems: list[str] = []
    preview = None
    if form.validate_on_submit():
        fields = _rule_fields(form)
        problems = check_fields(fields)
        if not problems and request.form.get("action") == "save":
            with saving(ReminderError) as saved:
                add_touchpoint_rule(db.session, touchpoint, fields, current_user, utcnow())
            problems = [saved.error] if saved.error else []
            if saved:
                what = "follow-up" if fields.kind.is_follow_up else "reminder"
                flash(f"Saved the {what}. It is listed below with when it goes.")
                return redirect(url_for("campaigns.touchpoint", touchpoint_id=touchpoint.id,
                                        _anchor="reminders"))
        if not problems:
            draft = ReminderRule(kind=fields.kind, offset_amount=fields.offset_amount,
                                 offset_unit=fields.offset_unit,
                                 business_hours=fields.business_hours, message=fields.message,
                                 created_at=utcnow())
            draft.touchpoint = touchpoint
            preview = preview_rule(db.session, draft, now=utcnow(), config=current_app.config)
            if draft in db.session:
                db.session.expunge(draft)  # a preview only: never saved
    status = 400 if form.errors or problems else 200
    page = render_template("reminders/rule_form.html", touchpoint=touchpoint, form=form,
                           problems=problems, preview=preview,
                           meeting=touchpoint.channel.is_meeting)
    return (page, status) if status != 200 else page


@bp.get("/rules/<int:reminder_rule_id>")
@access(Access.VIEW)
def rule(reminder_rule_id: int) -> str:
    """One rule: who will receive what, and when; what it has queued and sent."""
    found = db.get_or_404(ReminderRule, reminder_rule_id)
    preview = preview_rule(db.session, found, now=utcnow(), config=current_app.config)
    prefix = {RuleKind.NUDGE: "nudge"}.get(found.kind, "follow_up" if found.kind.is_follow_up
                                              else "reminder")
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.idempotency_key.like(f"{prefix}:{found.id}:%"))
        .order_by(OutboxMessage.send_after.desc(), OutboxMessage.id.desc()).limit(200)).all()
    return render_template("reminders/rule.html", rule=found, preview=preview, messages=messages,
                           form=ConfirmForm())


@bp.route("/rules/<int:reminder_rule_id>/remove", methods=["GET", "POST"])
@access(Access.MANAGE)
def remove(reminder_rule_id: int) -> Response | str:
    """Switch a rule off, once asked on a page of its own; what it queued and has not gone is
    withdrawn."""
    found = db.get_or_404(ReminderRule, reminder_rule_id)
    if request.method == "GET":
        if not found.active:
            flash("That rule was already removed.")
            return redirect(url_for("reminders.rule", reminder_rule_id=found.id))
        back = (url_for("campaigns.touchpoint", touchpoint_id=found.touchpoint_id,
                        _anchor="reminders") if found.touchpoint_id else
                url_for("campaigns.show", campaign_id=found.campaign_id, _anchor="reminders")
                if found.campaign_id else url_for("reminders.rule", reminder_rule_id=found.id))
        where = (found.touchpoint.title if found.touchpoint else
                 found.campaign.name if found.campaign else "")
        return render_template(
            "confirm_delete.html", verb="remove", what="this rule",
            lost=[("Kind", found.kind.label), ("Rule", found.describe()), ("For", where)],
            consequence=("It stops sending, and what it queued and has not gone is withdrawn. "
                         "The rule stays on record, marked as removed."),
            button="Remove the rule", back=back)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    with saving(ReminderError) as saved:
        withdrawn = remove_rule(db.session, found, current_user, utcnow())
    flash(f"Removed the rule. {withdrawn} queued message"
          f"{'' if withdrawn == 1 else 's'} withdrawn." if saved else saved.error)
    if found.touchpoint_id:
        return redirect(url_for("campaigns.touchpoint", touchpoint_id=found.touchpoint_id,
                                _anchor="reminders"))
    return redirect(url_for("campaigns.show", campaign_id=found.campaign_id,
                            _anchor="reminders"))


# --- nudges --------------------------------------------------------------------------------------


@bp.route("/campaigns/<int:campaign_id>/nudges/new", methods=["GET", "POST"])
@access(Access.MANAGE)
def new_nudge(campaign_id: int) -> Response | str | tuple[str, int]:
    """Nudge the referral managers of audience organisations that have gone quiet."""
    campaign = db.get_or_404(Campaign, campaign_id)
    form = NudgeForm()
    problems: list[str] = []
    preview = None
    if form.validate_on_submit():
        fields = RuleFields(kind=RuleKind.NUDGE, quiet_days=form.quiet_days.data,
                            period_days=form.period_days.data,
                            business_hours=bool(form.business_hours.data),
                            message=form.message.data or "")
        problems = check_fields(fields)
        if not problems and request.form.get("action") == "save":
            add_nudge_rule(db.session, campaign, fields, current_user, utcnow())
            return done("Saved the nudge rule.", url_for("campaigns.show", campaign_id=campaign.id,
                                                         _anchor="reminders"))
        if not problems:
            draft = ReminderRule(kind=RuleKind.NUDGE, quiet_days=fields.quiet_days,
                                 period_days=fields.period_days, offset_amount=0,
                                 business_hours=fields.business_hours, message=fields.message,
                                 # Shown as if the quiet days had already been counted.
                                 created_at=utcnow() - timedelta(days=fields.quiet_days or 0))
            draft.campaign = campaign
            preview = preview_rule(db.session, draft, now=utcnow(), config=current_app.config)
            if draft in db.session:
                db.session.expunge(draft)  # a preview only: never saved
    status = 400 if form.errors or problems else 200
    page = render_template("reminders/nudge_form.html", campaign=campaign, form=form,
                           problems=problems, preview=preview)
    return (page, status) if status != 200 else page
