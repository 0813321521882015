"""Bulletin pages: write (or start from a template), preview, test, send now or schedule, and
follow what happened; and the saved templates.

The bulletin page shows the email as it will arrive (subject, HTML part in a sandboxed frame,
text part), who it goes to and who is left out and why, and, once it has gone, its status from
the outbox (queued, sending, sent), never from the moment it was queued.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from engage.auth.access import Access, access
from engage.campaigns.choices import localities
from engage.campaigns.dates import london_to_utc, utc_to_london_naive
from engage.campaigns.forms import set_choices
from engage.campaigns.models import Campaign, Channel
from engage.database import utcnow
from engage.directory.models import ContactRole, OrgKind
from engage.extensions import db
from engage.messaging.frames import email_frame
from engage.reminders.blueprint import bp
from engage.reminders.bulletin_figures import send_figures, shown
from engage.reminders.bulletin_links import link_problems
from engage.reminders.bulletin_templates import (
    TemplateFields,
    delete_template,
    save_template,
    template_from_bulletin,
)
from engage.reminders.bulletins import (
    MAX_TEST_ADDRESSES,
    BulletinFields,
    cancel_bulletin,
    save_bulletin,
    schedule_bulletin,
    send_now,
    send_test,
)
from engage.reminders.errors import ReminderError
from engage.reminders.forms import (
    BulletinForm,
    ConfirmForm,
    SaveAsTemplateForm,
    ScheduleForm,
    TemplateForm,
    TestSendForm,
)
from engage.reminders.models import Bulletin, BulletinTemplate, SchedulerRun
from engage.reminders.preview import preview_bulletin
from engage.transactions import done, saving

Page = Response | str | tuple[str, int]


def _page(page_template: str, status: int, **context: Any) -> str | tuple[str, int]:
    page = render_template(page_template, **context)
    return (page, status) if status != 200 else page


# --- writing -------------------------------------------------------------------------------------


def _bulletin_form(bulletin: Bulletin | None = None) -> BulletinForm:
    form = BulletinForm(obj=bulletin if request.method == "GET" else None)
    set_choices(form.localities, localities())
    if request.method == "GET" and bulletin is not None:
        form.channel.data = bulletin.channel.value
        form.localities.data = list(bulletin.audience_locality_ids)
        form.kinds.data = list(bulletin.audience_kinds)
        form.roles.data = list(bulletin.audience_roles)
    return form


def _bulletin_fields(form: BulletinForm) -> BulletinFields:
    return BulletinFields(form.subject.data or "", form.body_markdown.data or "",
                          Channel(form.channel.data), list(form.localities.data or []),
                          list(form.kinds.data or []), list(form.roles.data or []))


def _templates() -> list[BulletinTemplate]:
    return list(db.session.scalars(select(BulletinTemplate).order_by(
        func.lower(BulletinTemplate.name), BulletinTemplate.id)))


@bp.route("/campaigns/<int:campaign_id>/bulletins/new", methods=["GET", "POST"])
@access(Access.MANAGE)
def new_bulletin(campaign_id: int) -> Page:
    """Write a bulletin or newsletter (Markdown), or start from a saved template; it is saved
    as a draft to preview."""
    campaign = db.get_or_404(Campaign, campaign_id)
    form = _bulletin_form()
    start = request.args.get("template", type=int)
    chosen = None
    if request.method == "GET" and start is not None:
        chosen = db.get_or_404(BulletinTemplate, start)
        form.subject.data, form.body_markdown.data = chosen.subject, chosen.body_markdown
        form.channel.data = chosen.channel.value
    problems: list[str] = []
    if form.validate_on_submit():
        with saving(ReminderError) as saved:
            bulletin = save_bulletin(db.session, campaign, _bulletin_fields(form), current_user,
                                     utcnow())
        problems = [saved.error] if saved.error else []
        if saved:
            flash("Saved as a draft. Check the preview, send a test, then send it or choose "
                  "when it goes.")
            return redirect(url_for("reminders.bulletin", bulletin_id=bulletin.id))
    return _page("reminders/bulletin_form.html", 400 if form.errors or problems else 200,
                 campaign=campaign, form=form, problems=problems, bulletin=None,
                 templates=_templates(), started_from=chosen)


@bp.route("/bulletins/<int:bulletin_id>/edit", methods=["GET", "POST"])
@access(Access.MANAGE)
def edit_bulletin(bulletin_id: int) -> Page:
    """Change a bulletin that has not gone yet."""
    bulletin = db.get_or_404(Bulletin, bulletin_id)
    form = _bulletin_form(bulletin)
    problems: list[str] = []
    if form.validate_on_submit():
        with saving(ReminderError) as saved:
            save_bulletin(db.session, bulletin.campaign, _bulletin_fields(form), current_user,
                          utcnow(), bulletin=bulletin)
        problems = [saved.error] if saved.error else []
        if saved:
            flash("Saved the changes.")
            return redirect(url_for("reminders.bulletin", bulletin_id=bulletin.id))
    return _page("reminders/bulletin_form.html", 400 if form.errors or problems else 200,
                 campaign=bulletin.campaign, form=form, problems=problems, bulletin=bulletin,
                 templates=[], started_from=None)


# --- the bulletin page ---------------------------------------------------------------------------


def _audience_rows(bulletin: Bulletin) -> list[tuple[str, str]]:
    """The bulletin's audience in words, for its summary list."""
    names = dict(localities())
    where = ", ".join(names.get(i, f"locality {i}") for i in bulletin.audience_locality_ids)
    kinds = ", ".join(OrgKind(k).plural for k in bulletin.audience_kinds)
    roles = ", ".join(ContactRole(r).label.lower() for r in bulletin.audience_roles)
    return [
        ("Organisations", f"The audience of {bulletin.campaign.name}"
         + (f", in {where}" if where else "") + (f", only {kinds.lower()}" if kinds else "")),
        ("People", f"Contacts who are: {roles}" if roles else "Every contact"),
    ]


def _bulletin_page(bulletin: Bulletin, *, schedule_form: ScheduleForm | None = None,
                   test_form: TestSendForm | None = None, problems: list[str] | None = None,
                   status: int = 200) -> str | tuple[str, int]:
    if schedule_form is None:
        schedule_form = ScheduleForm(formdata=None)
        if bulletin.send_at is not None:
            schedule_form.send_at.data = utc_to_london_naive(bulletin.send_at)
    figures = send_figures(db.session, [bulletin.id])[bulletin.id]
    ticked = db.session.scalar(select(SchedulerRun.finished_at).where(
        SchedulerRun.job_id == "reminders.bulletins"))
    return _page("reminders/bulletin.html", status, bulletin=bulletin,
                 preview=preview_bulletin(db.session, bulletin, current_app.config),
                 figures=figures, shown=shown(bulletin, figures), scheduler_ran=ticked,
                 audience_rows=_audience_rows(bulletin), now=utcnow(),
                 link_problems=link_problems(bulletin.body_markdown),
                 schedule_form=schedule_form, test_form=test_form or TestSendForm(formdata=None),
                 form=ConfirmForm(), problems=problems or [], max_tests=MAX_TEST_ADDRESSES)


@bp.get("/bulletins/<int:bulletin_id>")
@access(Access.VIEW)
def bulletin(bulletin_id: int) -> str | tuple[str, int]:
    """A bulletin as its readers will get it, who they are, and where it has got to."""
    return _bulletin_page(db.get_or_404(Bulletin, bulletin_id))


@bp.get("/bulletins/<int:bulletin_id>/preview.html")
@access(Access.VIEW)
def bulletin_preview_html(bulletin_id: int) -> Response:
    """The HTML part as it will arrive, for the frame on the bulletin's page."""
    bulletin = db.get_or_404(Bulletin, bulletin_id)
    preview = preview_bulletin(db.session, bulletin, current_app.config)
    if not preview.html:
        abort(404)
    return email_frame(preview.html)


@bp.post("/bulletins/<int:bulletin_id>/schedule")
@access(Access.MANAGE)
def schedule(bulletin_id: int) -> Page:
    """Set the time it goes (UK time)."""
    found = db.get_or_404(Bulletin, bulletin_id)
    form = ScheduleForm()
    if form.validate_on_submit():
        with saving(ReminderError) as saved:
            schedule_bulletin(db.session, found, london_to_utc(form.send_at.data),  # type: ignore[arg-type]
                              current_user, utcnow())
        if not saved:
            return _bulletin_page(found, schedule_form=form, problems=[saved.error], status=400)
        flash("Scheduled. It goes to the people below at the time shown.")
        return redirect(url_for("reminders.bulletin", bulletin_id=found.id))
    return _bulletin_page(found, schedule_form=form, status=400)


@bp.post("/bulletins/<int:bulletin_id>/send-now")
@access(Access.MANAGE)
def send_bulletin_now(bulletin_id: int) -> Page:
    """Send it now: the bulletin step queues it at its next tick (within a minute)."""
    found = db.get_or_404(Bulletin, bulletin_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with saving(ReminderError) as saved:
        people = send_now(db.session, found, current_user, utcnow())
    if not saved:
        return _bulletin_page(found, problems=[saved.error], status=400)
    flash(f"Sending to {people:,} {'person' if people == 1 else 'people'}: it is queued within "
          "a minute, then delivered. This page shows how far it has got.")
    return redirect(url_for("reminders.bulletin", bulletin_id=found.id))


@bp.post("/bulletins/<int:bulletin_id>/test")
@access(Access.MANAGE)
def test_bulletin(bulletin_id: int) -> Page:
    """Send a test to me or to a few addresses: marked as a test and counted nowhere."""
    found = db.get_or_404(Bulletin, bulletin_id)
    form = TestSendForm()
    if not form.validate_on_submit():
        return _bulletin_page(found, test_form=form, status=400)
    mine = form.to.data == "me"
    addresses = [current_user.email] if mine else [form.addresses.data or ""]
    with saving(ReminderError, field=None if mine else form.addresses) as saved:
        sent = send_test(db.session, found, addresses, current_user, utcnow())
    if not saved:
        return _bulletin_page(found, test_form=form, status=400,
                              problems=[] if not mine else [saved.error])
    flash(f"Test sent to {'you' if mine else f'{sent} address' + ('' if sent == 1 else 'es')}"
          ": it arrives marked [Test] within a minute, and counts nowhere.")
    return redirect(url_for("reminders.bulletin", bulletin_id=found.id))


@bp.post("/bulletins/<int:bulletin_id>/cancel")
@access(Access.MANAGE)
def cancel(bulletin_id: int) -> Page:
    """Stop a draft or scheduled bulletin from going."""
    found = db.get_or_404(Bulletin, bulletin_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with saving(ReminderError) as saved:
        cancel_bulletin(db.session, found, current_user, utcnow())
    if not saved:
        return _bulletin_page(found, problems=[saved.error], status=400)
    flash("Cancelled: it will not be sent.")
    return redirect(url_for("reminders.bulletin", bulletin_id=found.id))


# --- templates -----------------------------------------------------------------------------------


@bp.route("/bulletins/<int:bulletin_id>/save-as-template", methods=["GET", "POST"])
@access(Access.MANAGE)
def save_as_template(bulletin_id: int) -> Page:
    """Keep a bulletin's words as a template to start the next one from."""
    found = db.get_or_404(Bulletin, bulletin_id)
    form = SaveAsTemplateForm()
    if request.method == "GET":
        form.name.data = found.subject
    problems: list[str] = []
    if form.validate_on_submit():
        with saving(ReminderError, field=form.name) as saved:
            template_from_bulletin(db.session, found, form.name.data or "", current_user,
                                   utcnow())
        if saved:
            flash(f"Saved the template {form.name.data!r}. Start a bulletin from it on any "
                  "campaign's 'Write a bulletin' page.")
            return redirect(url_for("reminders.templates"))
    return _page("reminders/save_as_template.html", 400 if form.errors or problems else 200,
                 bulletin=found, form=form, problems=problems)


@bp.get("/templates")
@access(Access.VIEW)
def templates() -> str:
    """The saved bulletin templates."""
    return render_template("reminders/templates.html", templates=_templates())


def _template_form(template: BulletinTemplate | None, name: str) -> Page:
    form = TemplateForm(obj=template if request.method == "GET" else None)
    if request.method == "GET" and template is not None:
        form.channel.data = template.channel.value
    problems: list[str] = []
    if form.validate_on_submit():
        fields = TemplateFields(form.name.data or "", form.subject.data or "",
                                form.body_markdown.data or "", Channel(form.channel.data))
        with saving(ReminderError) as saved:
            save_template(db.session, fields, current_user, utcnow(), template)
        problems = [saved.error] if saved.error else []
        if saved:
            flash(f"Saved the template {fields.name.strip()!r}.")
            return redirect(url_for("reminders.templates"))
    return _page("reminders/template_form.html", 400 if form.errors or problems else 200,
                 form=form, problems=problems, template=template, heading=name)


@bp.route("/templates/new", methods=["GET", "POST"])
@access(Access.MANAGE)
def new_template() -> Page:
    """Write a template from scratch."""
    return _template_form(None, "New bulletin template")


@bp.route("/templates/<int:bulletin_template_id>/edit", methods=["GET", "POST"])
@access(Access.MANAGE)
def edit_template(bulletin_template_id: int) -> Page:
    """Change a template; bulletins already started from it keep their words."""
    return _template_form(db.get_or_404(BulletinTemplate, bulletin_template_id),
                          "Change the template")


@bp.route("/templates/<int:bulletin_template_id>/delete", methods=["GET", "POST"])
@access(Access.MANAGE)
def template_delete(bulletin_template_id: int) -> Response | str:
    """Delete a template, once asked on a page of its own."""
    found = db.get_or_404(BulletinTemplate, bulletin_template_id)
    back = url_for("reminders.templates")
    if request.method == "GET":
        return render_template(
            "confirm_delete.html", what=f"the template {found.name}",
            lost=[("Name", found.name), ("Subject line", found.subject),
                  ("Kind", found.channel.label)],
            consequence="Bulletins already started from it keep their words.",
            button="Delete the template", back=back)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = found.name
    delete_template(db.session, found, current_user)
    return done(f"Deleted the template {name!r}.", back)
