"""Campaign pages: the list, a campaign's progress, its audience, editing, and targets.

Touchpoints live in touchpoint_views.py, reach and voiding in reach_views.py, attendance
imports in attendance/views.py and the calendar in calendar_views.py: all on the one blueprint
of blueprint.py, which lists them so the app imports each before registering it.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from engage.auth.access import Access, access
from engage.auth.models import User
from engage.campaigns import progress as progress_logic
from engage.campaigns.audience import describe_rule, override_codes, parse_codes
from engage.campaigns.blueprint import bp
from engage.campaigns.choices import localities, owners, service_choices
from engage.campaigns.editing import (
    CampaignFields,
    add_target,
    create_campaign,
    remove_target,
    update_campaign,
)
from engage.campaigns.errors import CampaignError
from engage.campaigns.forms import NOBODY, AudienceFilterForm, CampaignForm, TargetForm, set_choices
from engage.campaigns.models import Campaign, CampaignStatus, EngagementTier, TargetMeasure
from engage.campaigns.reach import reach_counts
from engage.campaigns.timeline import Timeline, organisation_timeline
from engage.catalogue.models import Service
from engage.database import utcnow
from engage.directory.models import Organisation, OrgKind
from engage.directory.organisations import NO_LOCALITY, pcn_names
from engage.extensions import db
from engage.sections import page_section
from engage.transactions import saving
from engage.web import page_arg, page_number

CAMPAIGNS_PER_PAGE = 25


@bp.get("/")
@access(Access.VIEW)
def index() -> str:
    """Every campaign, newest first, a page at a time, with its audience and how much of it
    has been reached (worked out for the whole page at once)."""
    page = db.paginate(select(Campaign).order_by(Campaign.start_date.desc(), Campaign.name,
                                                 Campaign.id),
                       page=page_arg(), per_page=CAMPAIGNS_PER_PAGE, error_out=False)
    return render_template("campaigns/index.html", page=page,
                           reach=progress_logic.overall_by_campaign(db.session, page.items))


def _campaign(campaign_id: int) -> Campaign:
    return db.get_or_404(Campaign, campaign_id)


@bp.get("/<int:campaign_id>")
@access(Access.VIEW)
def show(campaign_id: int) -> str:
    """A campaign at a glance: plan against delivered, reach by locality and kind, touchpoints."""
    campaign = _campaign(campaign_id)
    touchpoints = progress_logic.campaign_touchpoints(db.session, campaign, page_arg("tp_page"))
    return render_template(
        "campaigns/show.html", campaign=campaign, rule=describe_rule(db.session, campaign),
        progress=progress_logic.campaign_progress(db.session, campaign, utcnow()),
        touchpoints=touchpoints,
        reached=reach_counts(db.session, [t.id for t in touchpoints.items]),
        unreached=progress_logic.unreached_preview(db.session, campaign),
        owner=db.session.get(User, campaign.owner_id) if campaign.owner_id else None,
        target_form=_target_form(campaign),
    )


@bp.get("/<int:campaign_id>/organisations")
@access(Access.VIEW)
def organisations(campaign_id: int) -> str:
    """The audience, a page at a time: everyone, or only those engaged, contacted or not."""
    campaign = _campaign(campaign_id)
    form = AudienceFilterForm(request.args)
    set_choices(form.locality, [("", "Any locality"), (NO_LOCALITY, "No locality"),
                                *localities()])
    form.validate()
    for field in (form.show, form.locality, form.kind, form.page):
        if field.errors:
            field.data, field.errors = field.default, []
    locality = form.locality.data or ""
    show = progress_logic.Show(form.show.data or "all")
    page = progress_logic.audience_page(
        db.session, campaign, show=show,
        locality_id=int(locality) if locality.isdigit() else None,
        no_locality=locality == NO_LOCALITY,
        kind=OrgKind(form.kind.data) if form.kind.data else None, page=form.page.data or 1)
    args = {key: value for key, value in request.args.items() if value and key != "page"}
    return render_template(
        "campaigns/organisations.html", campaign=campaign, form=form, page=page, args=args,
        show_label=show.label,
        last=progress_logic.last_reached(db.session, campaign, [o.id for o in page.items]),
        last_engaged=progress_logic.last_reached(db.session, campaign,
                                                 [o.id for o in page.items],
                                                 EngagementTier.ENGAGED))


def _campaign_form(campaign: Campaign | None) -> CampaignForm:
    form = CampaignForm(obj=campaign) if request.method == "GET" and campaign else CampaignForm()
    set_choices(form.owner_id, owners(campaign.owner_id if campaign else None))
    set_choices(form.services, service_choices(campaign.services if campaign else []))
    set_choices(form.localities, localities())
    pcns = sorted(set(pcn_names(db.session)) | set(campaign.audience_pcns if campaign else []))
    set_choices(form.pcns, [(p, p) for p in pcns])
    if request.method == "GET":
        if campaign is None:
            form.owner_id.data = str(current_user.id)
        else:
            form.owner_id.data = str(campaign.owner_id or NOBODY)
            form.status.data = campaign.status.value
            form.services.data = [s.id for s in campaign.services]
            form.kinds.data = list(campaign.audience_kinds)
            form.localities.data = list(campaign.audience_locality_ids)
            form.pcns.data = list(campaign.audience_pcns)
            included, excluded = override_codes(db.session, campaign)
            form.include_codes.data = ", ".join(included)
            form.exclude_codes.data = ", ".join(excluded)
    return form


def _campaign_fields(form: CampaignForm) -> CampaignFields:
    chosen = set(form.services.data or [])
    return CampaignFields(
        name=form.name.data or "", objective=form.objective.data or "",
        owner_id=int(form.owner_id.data) if form.owner_id.data else None,
        status=CampaignStatus(form.status.data),
        start_date=form.start_date.data, end_date=form.end_date.data,  # type: ignore[arg-type]
        services=list(db.session.scalars(select(Service).where(Service.id.in_(chosen)))),
        kinds=[OrgKind(k) for k in form.kinds.data or []],
        locality_ids=list(form.localities.data or []), pcns=list(form.pcns.data or []),
        include_codes=parse_codes(form.include_codes.data or ""),
        exclude_codes=parse_codes(form.exclude_codes.data or ""),
    )


@bp.route("/new", methods=["GET", "POST"])
@access(Access.MANAGE)
def new() -> Response | tuple[str, int]:
    """Plan a campaign: dates, services, audience rule."""
    form = _campaign_form(None)
    if form.validate_on_submit():
        with saving(CampaignError, field=form.name) as saved:
            campaign = create_campaign(db.session, _campaign_fields(form), now=utcnow())
        if saved:
            flash(f"Added the campaign {campaign.name}.")
            return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    return (render_template("campaigns/edit.html", form=form, campaign=None),
            400 if form.errors else 200)


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@access(Access.MANAGE)
def edit(campaign_id: int) -> Response | tuple[str, int]:
    """Change a campaign; its audience and progress follow the new rule at once."""
    campaign = _campaign(campaign_id)
    form = _campaign_form(campaign)
    if form.validate_on_submit():
        with saving(CampaignError, field=form.name) as saved:
            changed = update_campaign(db.session, campaign, _campaign_fields(form))
        if saved:
            flash(f"Saved {campaign.name}: changed {', '.join(changed)}." if changed
                  else "Nothing was changed.")
            return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    return (render_template("campaigns/edit.html", form=form, campaign=campaign),
            400 if form.errors else 200)


def _target_form(campaign: Campaign) -> TargetForm:
    form = TargetForm()
    set_choices(form.locality_id, [("", "Any locality"), *localities()])
    if not form.due_date.data:
        form.due_date.data = campaign.end_date
    return form


@bp.post("/<int:campaign_id>/targets")
@access(Access.MANAGE)
def add_target_view(campaign_id: int) -> Response | tuple[str, int]:
    """Add a target: reach so many organisations (in a locality, of a kind) by a date."""
    campaign = _campaign(campaign_id)
    form = _target_form(campaign)
    if form.validate_on_submit():
        with saving(CampaignError, field=form.target_count) as saved:
            add_target(db.session, campaign, target_count=form.target_count.data or 0,
                       due_date=form.due_date.data,  # type: ignore[arg-type]
                       locality_id=int(form.locality_id.data) if form.locality_id.data else None,
                       kind=OrgKind(form.kind.data) if form.kind.data else None,
                       tier=EngagementTier(form.tier.data or EngagementTier.ENGAGED.value),
                       measure=TargetMeasure(form.measure.data or TargetMeasure.COUNT.value))
        if saved:
            flash("Added the target.")
            return redirect(url_for("campaigns.show", campaign_id=campaign.id, _anchor="targets"))
    return render_template("campaigns/target.html", campaign=campaign, form=form), 400


@bp.route("/<int:campaign_id>/targets/<int:target_id>/remove", methods=["GET", "POST"])
@access(Access.MANAGE)
def remove_target_view(campaign_id: int, target_id: int) -> Response | str:
    """Remove one of the campaign's targets (recorded in the audit log), once asked on a page of
    its own."""
    campaign = _campaign(campaign_id)
    target = next((t for t in campaign.targets if t.id == target_id), None)
    if target is None:
        abort(404)
    back = url_for("campaigns.show", campaign_id=campaign.id, _anchor="targets")
    if request.method == "GET":
        progress = progress_logic.campaign_progress(db.session, campaign, utcnow())
        item = next((i for i in progress.targets if i.target.id == target_id), None)
        lost = [("Campaign", campaign.name), ("Due by", target.due_date.strftime("%-d %B %Y"))]
        if item is not None:
            lost[1:1] = [("Who", item.label), ("Goal", item.goal)]
        return render_template(
            "confirm_delete.html", what="this target", lost=lost,
            consequence=("The campaign stops measuring progress against it. The outreach "
                         "recorded stays."),
            button="Delete the target", back=back)
    with saving(CampaignError) as saved:
        remove_target(db.session, campaign, target_id, actor=current_user)
    if not saved:
        abort(404)
    flash("Removed the target.")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id, _anchor="targets"))


@page_section(bp, "organisation", "campaigns/_org_timeline.html", position=10)
def outreach_timeline(org: Organisation) -> dict[str, Timeline]:
    """The organisation page's outreach timeline (the directory does not depend on campaigns)."""
    page = page_number(request.args.get("timeline_page"))
    return {"timeline": organisation_timeline(db.session, org.id, page=page)}

