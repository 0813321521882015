"""Pages of the uptake feature: the uptake page, importing the provider's file, batches."""

from __future__ import annotations

import os
from itertools import islice

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from engage.auth.access import Access, access
from engage.catalogue.models import Service
from engage.columns import MatchingError
from engage.database import utcnow
from engage.directory.models import Organisation
from engage.extensions import db
from engage.matching_form import MatchingForm, file_columns, prefilled
from engage.matchings import as_json, offered_matching, save_matching
from engage.sections import page_section
from engage.transactions import commit, done, saving
from engage.uptake.aliases import remember_alias
from engage.uptake.blueprint import bp
from engage.uptake.columns import ALIASES, HEADINGS
from engage.uptake.errors import UptakeRejected
from engage.uptake.forms import AliasForm, ConfirmForm, RecheckForm, UploadForm
from engage.uptake.importer import confirm_import
from engage.uptake.matching import UPTAKE_FIELDS
from engage.uptake.models import PendingUpload, UptakeBatch
from engage.uptake.pending import (
    CHECKING,
    create_pending,
    discard_pending,
    find_pending,
    needs_background,
    pending_matching,
    run_check,
    stalled,
    start_background_check,
    stored_preview,
)
from engage.uptake.reader import read_table, sheet_names
from engage.uptake.summary import (
    CHARACTERISTIC_LABELS,
    batches,
    month_label,
    organisation_months,
    overview,
)


@page_section(bp, "organisation", "uptake/_org_referrals.html", position=20)
def organisation_referrals(org: Organisation) -> dict[str, list[tuple[str, str, int]]]:
    """The organisation page's section: its referrals by month and service."""
    return {"referrals": organisation_months(db.session, org.id)}


@bp.app_template_filter("month_label")
def _month_label(key: str) -> str:
    return month_label(key)


@bp.get("/uptake")
@access(Access.VIEW)
def index() -> str:
    """Referrals per month, by service, reason, route, locality and kind; who has not referred."""
    return render_template("uptake/index.html", view=overview(db.session),
                           labels=CHARACTERISTIC_LABELS, recent=batches(db.session, limit=5))


@bp.get("/uptake/batches")
@access(Access.VIEW)
def batch_list() -> str:
    """Every import of the provider's figures, newest first."""
    return render_template("uptake/batches.html", batches=batches(db.session))


@bp.get("/uptake/batches/<int:uptake_batch_id>")
@access(Access.VIEW)
def batch(uptake_batch_id: int) -> str:
    """What one import recorded, with its totals per month and service."""
    found = db.get_or_404(UptakeBatch, uptake_batch_id)
    return render_template("uptake/batch.html", batch=found, form=ConfirmForm())


@bp.post("/uptake/batches/<int:uptake_batch_id>/rollback")
@access(Access.MANAGE)
def rollback(uptake_batch_id: int) -> Response | tuple[str, int]:
    """Remove exactly this batch's rows, restoring any figures it replaced."""
    from engage.uptake.importer import rollback_batch

    found = db.get_or_404(UptakeBatch, uptake_batch_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("uptake/batch.html", batch=found, form=form), 400
    with saving(UptakeRejected) as saved:
        removed = rollback_batch(db.session, found, now=utcnow(), actor=current_user)
    if saved.refused:
        return render_template("uptake/batch.html", batch=found, form=form,
                               rejected=saved.refused), saved.refused.status
    flash(f"Rolled back batch {found.id}: {removed:,} rows removed.")
    return redirect(url_for("uptake.batch", uptake_batch_id=found.id))


@bp.route("/uptake/import", methods=["GET", "POST"])
@access(Access.MANAGE)
def upload() -> Response | tuple[str, int]:
    """Upload the provider's file; it is checked and shown before anything is recorded."""
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template("uptake/upload.html", form=form, aliases=ALIASES), (
            400 if form.errors else 200)
    field = form.file.data
    pending = create_pending(db.session, field.read(),
                             os.path.basename(field.filename or "")[:255],
                             user_id=current_user.id, now=utcnow(), sheet=form.sheet.data,
                             date_order=form.date_order.data or "auto")
    _check(pending)
    return redirect(url_for("uptake.preview", token=pending.token))


def _check(pending: PendingUpload) -> None:
    """Check now, or start the background check of a large file; commits either way."""
    if needs_background(pending):
        pending.status = CHECKING
        commit()  # before the background check reads it
        start_background_check(current_app._get_current_object(),  # type: ignore[attr-defined]
                               pending.id, utcnow())
    else:
        with saving():
            run_check(db.session, pending, now=utcnow())


def _estimate(pending: PendingUpload) -> int:
    """About how many rows a CSV upload has (its lines), to show how far a check has got."""
    if pending.status != CHECKING or pending.data.startswith(b"PK"):
        return 0
    return max(pending.data.count(b"\n") - 1, 0)


def _sheets(pending: PendingUpload) -> list[str]:
    preview = stored_preview(pending)
    return preview.sheets if preview is not None else sheet_names(pending.data)


def _pending_or_404(token: str) -> PendingUpload:
    pending = find_pending(db.session, token)
    if pending is None or pending.user_id != current_user.id:
        abort(404)
    return pending


def _services() -> list[tuple[str, str]]:
    return [(str(i), name) for i, name in db.session.execute(
        select(Service.id, Service.name).order_by(Service.sort_order, Service.name))]


def _preview_page(pending: PendingUpload, *, confirm: ConfirmForm | None = None,
                  aliases: AliasForm | None = None, rejected: UptakeRejected | None = None,
                  status: int = 200) -> tuple[str, int]:
    now = utcnow()
    preview = stored_preview(pending)
    recheck = RecheckForm(formdata=None, sheet=pending.sheet, date_order=pending.date_order)
    recheck.sheet.choices = [(s, s) for s in _sheets(pending)]
    if preview is not None and aliases is None:
        aliases = AliasForm.for_names(list(preview.unknown_services), _services(), formdata=None)
    return render_template(
        "uptake/preview.html", pending=pending, preview=preview, recheck=recheck,
        confirm=confirm or ConfirmForm(formdata=None), aliases=aliases, rejected=rejected,
        stalled=stalled(pending, now), estimate=_estimate(pending),
    ), status


@bp.get("/uptake/import/<token>")
@access(Access.MANAGE)
def preview(token: str) -> tuple[str, int]:
    """The check's progress, then what the file would record and every problem in it."""
    return _preview_page(_pending_or_404(token))


@bp.post("/uptake/import/<token>/recheck")
@access(Access.MANAGE)
def recheck(token: str) -> Response | tuple[str, int]:
    """Read the upload again with another sheet or date order."""
    pending = _pending_or_404(token)
    form = RecheckForm()
    form.sheet.choices = [(s, s) for s in _sheets(pending)]
    if not form.validate_on_submit():
        return _preview_page(pending, status=400)
    pending.sheet = form.sheet.data or pending.sheet
    pending.date_order = form.date_order.data or pending.date_order
    _check(pending)
    return redirect(url_for("uptake.preview", token=pending.token))


@bp.post("/uptake/import/<token>/aliases")
@access(Access.MANAGE)
def map_services(token: str) -> Response | tuple[str, int]:
    """Remember which catalogue service each unknown name means, and check the file again."""
    pending = _pending_or_404(token)
    preview = stored_preview(pending)
    names = list(preview.unknown_services) if preview else []
    form = AliasForm.for_names(names, _services())
    if not form.validate_on_submit():
        return _preview_page(pending, aliases=form, status=400)
    chosen = form.choices_made()
    if not chosen:
        return _preview_page(pending, aliases=form, status=400,
                             rejected=UptakeRejected("Choose a catalogue service for at least "
                                                     "one of the names."))
    for name, service_id in chosen:
        service = db.get_or_404(Service, service_id)
        remember_alias(db.session, name, service, by=current_user.email)
    flash(f"Remembered {len(chosen)} service name{'s' if len(chosen) != 1 else ''}; the file "
          "was checked again.")
    _check(pending)
    return redirect(url_for("uptake.preview", token=pending.token))


@bp.post("/uptake/import/<token>/confirm")
@access(Access.MANAGE)
def confirm(token: str) -> Response | tuple[str, int]:
    """Record every row of the checked file as one batch, or nothing."""
    pending = _pending_or_404(token)
    form = ConfirmForm()
    if pending.status != "ready" or not form.validate_on_submit():
        return _preview_page(pending, confirm=form, status=400)
    matching = pending_matching(pending)
    save_as = str((pending.matching or {}).get("save_as") or "")
    with saving(UptakeRejected, MatchingError) as saved:
        outcome = confirm_import(db.session, pending.data, pending.filename, now=utcnow(),
                                 actor=current_user, mode=form.mode.data or None,
                                 sheet=pending.sheet, date_order=pending.date_order,
                                 matching=matching)
        if save_as:
            save_matching(db.session, "uptake", save_as,
                          read_table(pending.data, pending.filename, pending.sheet).headers,
                          matching, by=current_user.email, now=utcnow())
        db.session.delete(pending)
    if saved.refused:
        pending = _pending_or_404(token)
        refused = saved.refused
        if not isinstance(refused, UptakeRejected):
            refused = UptakeRejected(str(refused))
        return _preview_page(pending, confirm=form, rejected=refused, status=refused.status)
    flash(f"Imported {outcome.batch.rows:,} rows ({outcome.batch.total:,} referrals) as batch "
          f"{outcome.batch.id}" + (f"; {outcome.replaced:,} earlier rows replaced."
                                   if outcome.replaced else "."))
    return redirect(url_for("uptake.batch", uptake_batch_id=outcome.batch.id))


# Rows read for each column's sample values.
SAMPLE_ROWS = 20


@bp.route("/uptake/import/<token>/columns", methods=["GET", "POST"])
@access(Access.MANAGE)
def match_columns(token: str) -> Response | tuple[str, int]:
    """Choose which column holds which field, then check the file again with that matching."""
    pending = _pending_or_404(token)
    if not pending.data or pending.status == CHECKING:
        return redirect(url_for("uptake.preview", token=pending.token))
    try:
        table = read_table(pending.data, pending.filename, pending.sheet)
    except UptakeRejected as exc:
        return _preview_page(pending, rejected=exc, status=exc.status)
    rows = [row for _, row in islice(table.rows, SAMPLE_ROWS)]
    columns = file_columns(table.headers, rows)
    if request.method == "GET":
        chosen = pending_matching(pending)
        offered = None if chosen else offered_matching(db.session, "uptake", table.headers)
        form = MatchingForm.build(UPTAKE_FIELDS, columns, formdata=None, data=prefilled(
            table.headers, HEADINGS, UPTAKE_FIELDS, chosen if chosen else offered))
        if chosen:
            form.save_as.data = str((pending.matching or {}).get("save_as") or "")
        return _matching_page(pending, form, offered=offered)
    form = MatchingForm.build(UPTAKE_FIELDS, columns)
    if not form.validate_on_submit():
        return _matching_page(pending, form, status=400)
    pending.matching = {**as_json(form.matching()), "save_as": (form.save_as.data or "").strip()}
    _check(pending)
    return redirect(url_for("uptake.preview", token=pending.token))


def _matching_page(pending: PendingUpload, form: MatchingForm, *, status: int = 200,
                   offered: object = None) -> tuple[str, int]:
    reason = pending.message if pending.status == "failed" else ""
    return render_template("uptake/match.html", pending=pending, form=form, offered=offered,
                           reason=reason), status


@bp.post("/uptake/import/<token>/discard")
@access(Access.MANAGE)
def discard(token: str) -> Response | tuple[str, int]:
    """Forget an upload without recording anything from it."""
    pending = _pending_or_404(token)
    if not ConfirmForm().validate_on_submit():
        return _preview_page(pending, status=400)
    discard_pending(db.session, pending)
    return done("The uploaded file was discarded; nothing was recorded from it.",
                url_for("uptake.upload"))
