"""Attendance import routes (on the campaigns blueprint): upload, preview, confirm, result."""

from __future__ import annotations

import os

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from engage.auth.access import Access, access
from engage.campaigns.attendance.columns_step import ATTENDANCE_FIELDS
from engage.campaigns.attendance.files import (
    HEADINGS,
    UnknownLayout,
    likely_table,
    read_attendees,
)
from engage.campaigns.attendance.forms import (
    DATALIST_ID,
    AttendanceConfirmForm,
    AttendanceUploadForm,
)
from engage.campaigns.attendance.imports import (
    AttendanceRejected,
    Preview,
    already_attended,
    confirm_attendance,
    import_rows,
    invited_not_attending,
    open_preview,
    preview_attendance,
    seal_preview,
    touchpoint_imports,
)
from engage.campaigns.blueprint import bp
from engage.campaigns.models import AttendanceImport, Touchpoint
from engage.database import utcnow
from engage.directory.models import Organisation, OrgStatus
from engage.directory.names import shown_name
from engage.extensions import db
from engage.matching_form import (
    MatchingForm,
    UploadTooLarge,
    file_columns,
    open_upload,
    prefilled,
    seal_upload,
)
from engage.matchings import offered_matching, save_matching
from engage.sections import page_section
from engage.timezone import uk_day
from engage.transactions import previewing, saving

# A list longer than this would make the page heavy; people then type the ODS code.
DATALIST_LIMIT = 3000
TOUCHPOINT_PAGE = "campaigns.touchpoint"


def _secret_keys() -> list[str]:
    return [*current_app.config.get("SECRET_KEY_FALLBACKS", []), current_app.config["SECRET_KEY"]]


def _touchpoint_url(touchpoint: Touchpoint) -> str:
    """The touchpoint's own page when the app has one, else the campaigns list."""
    if TOUCHPOINT_PAGE in current_app.view_functions:
        return url_for(TOUCHPOINT_PAGE, touchpoint_id=touchpoint.id)
    return url_for("campaigns.index")


def attendance_imports(touchpoint: Touchpoint) -> dict[str, list[tuple[AttendanceImport, str]]]:
    """For campaigns/attendance_imports.html: the touchpoint's imports and who made them."""
    return {"records": touchpoint_imports(db.session, touchpoint.id)}


@page_section(bp, "touchpoint_reach", "campaigns/attendance_imports.html")
def meeting_attendance(
    touchpoint: Touchpoint,
) -> dict[str, list[tuple[AttendanceImport, str]]] | None:
    """The touchpoint page's section: only meetings have attendance lists."""
    return attendance_imports(touchpoint) if touchpoint.channel.is_meeting else None


def _upload_page(
    touchpoint: Touchpoint, form: AttendanceUploadForm, rejected: AttendanceRejected | None = None
) -> tuple[str, int]:
    status = rejected.status if rejected is not None else 400 if form.errors else 200
    return render_template("campaigns/attendance_upload.html", touchpoint=touchpoint, form=form,
                           rejected=rejected, back=_touchpoint_url(touchpoint),
                           section=attendance_imports(touchpoint)), status


def _preview_page(
    touchpoint: Touchpoint,
    preview: Preview,
    form: AttendanceConfirmForm,
    rejected: AttendanceRejected | None = None,
    status: int = 200,
) -> tuple[str, int]:
    matched_ids = {m.organisation_id for m in preview.matched}
    organisations: list[tuple[str, str]] = []
    if preview.unmatched:
        organisations = [(shown_name(name, preferred), code)
                         for name, preferred, code in db.session.execute(
            select(Organisation.name, Organisation.preferred_name, Organisation.ods_code)
            .where(Organisation.status != OrgStatus.CLOSED)
            .order_by(Organisation.sort_key, Organisation.ods_code).limit(DATALIST_LIMIT + 1)
        )]
    form.payload.data = seal_preview(preview, _secret_keys())
    when = f", {uk_day(touchpoint.when):%-d %B %Y}" if touchpoint.when else ""
    form.same_meeting.label.text = f"Yes, this report belongs to {touchpoint.title}{when}"
    return render_template(
        "campaigns/attendance_preview.html", touchpoint=touchpoint, preview=preview, form=form,
        rejected=rejected,
        absent=invited_not_attending(db.session, touchpoint.id, matched_ids),
        repeated=already_attended(db.session, touchpoint.id, matched_ids),
        organisations=organisations if len(organisations) <= DATALIST_LIMIT else [],
        datalist_id=DATALIST_ID, back=_touchpoint_url(touchpoint),
    ), status


@bp.route("/touchpoints/<int:touchpoint_id>/attendance", methods=["GET", "POST"])
@access(Access.MANAGE)
def attendance_upload(touchpoint_id: int) -> tuple[str, int]:
    """Upload a meeting's attendee list and see whom it matches; nothing is saved yet."""
    touchpoint = db.get_or_404(Touchpoint, touchpoint_id)
    form = AttendanceUploadForm()
    if not form.validate_on_submit():
        return _upload_page(touchpoint, form)
    upload = form.file.data
    content, filename = upload.read(), os.path.basename(upload.filename or "")[:255]
    if form.match_columns.data:
        return _first_matching_page(touchpoint, form, content, filename)
    with previewing(AttendanceRejected) as checked:
        preview = preview_attendance(db.session, touchpoint, content, filename, now=utcnow(),
                                     min_minutes=current_app.config["ATTENDANCE_MIN_MINUTES"])
        return _preview_page(touchpoint, preview,
                             AttendanceConfirmForm.for_preview(
                                 preview.unmatched, mismatched=bool(preview.mismatches),
                                 formdata=None))
    if isinstance(checked.refused, UnknownLayout):
        return _first_matching_page(touchpoint, form, content, filename, checked.refused)
    return _upload_page(touchpoint, form, checked.refused)


def _first_matching_page(touchpoint: Touchpoint, upload: AttendanceUploadForm, content: bytes,
                         filename: str, reason: AttendanceRejected | None = None
                         ) -> tuple[str, int]:
    """The matching step, pre-filled from known headings or a matching saved for them; 400
    when the file could not be read as it is."""
    try:
        header, rows = likely_table(content)
        payload = seal_upload(content, filename, _secret_keys())
    except AttendanceRejected as exc:
        return _upload_page(touchpoint, upload, exc)
    except UploadTooLarge:
        return _upload_page(touchpoint, upload, AttendanceRejected(
            "This file is too large to match its columns on this page. Rename its headings "
            "to Name, Email and Duration, or import it with `flask campaigns "
            "import-attendance --map FIELD=COLUMN`."))
    offered = offered_matching(db.session, "attendance", header)
    form = MatchingForm.build(ATTENDANCE_FIELDS, file_columns(header, rows), formdata=None,
                              data=prefilled(header, HEADINGS, ATTENDANCE_FIELDS, offered))
    form.payload.data = payload
    return _matching_page(touchpoint, form, filename, rejected=reason, offered=offered,
                          status=reason.status if reason else 200)


def _matching_page(touchpoint: Touchpoint, form: MatchingForm, filename: str, *,
                   rejected: AttendanceRejected | None = None, offered: object = None,
                   status: int = 200) -> tuple[str, int]:
    return render_template("campaigns/attendance_match.html", touchpoint=touchpoint, form=form,
                           filename=filename, rejected=rejected, offered=offered,
                           back=_touchpoint_url(touchpoint)), status


@bp.post("/touchpoints/<int:touchpoint_id>/attendance/match")
@access(Access.MANAGE)
def attendance_match(touchpoint_id: int) -> tuple[str, int]:
    """Read the list with the columns the manager matched, and preview it; nothing is saved
    but the matching, when it is given a name and the list reads."""
    touchpoint = db.get_or_404(Touchpoint, touchpoint_id)
    opened = open_upload(request.form.get("payload", ""), _secret_keys())
    if opened is None:
        return _upload_page(touchpoint, AttendanceUploadForm(formdata=None), AttendanceRejected(
            "The file's matching page has expired or was changed. Upload the file again."))
    content, filename = opened
    header, rows = likely_table(content)  # read before the token was signed
    form = MatchingForm.build(ATTENDANCE_FIELDS, file_columns(header, rows))
    if not form.validate_on_submit():
        return _matching_page(touchpoint, form, filename, status=400)
    matching = form.matching()
    with previewing(AttendanceRejected) as checked:
        preview = preview_attendance(db.session, touchpoint, content, filename, now=utcnow(),
                                     min_minutes=current_app.config["ATTENDANCE_MIN_MINUTES"],
                                     columns=matching)
    if checked.refused is not None:
        return _matching_page(touchpoint, form, filename, rejected=checked.refused,
                              status=checked.refused.status)
    if form.save_as.data:
        with saving(AttendanceRejected):
            save_matching(db.session, "attendance", form.save_as.data,
                          read_attendees(content, matching).columns, matching,
                          by=current_user.email, now=utcnow())
    return _preview_page(touchpoint, preview, AttendanceConfirmForm.for_preview(
        preview.unmatched, mismatched=bool(preview.mismatches), formdata=None))


@bp.post("/touchpoints/<int:touchpoint_id>/attendance/confirm")
@access(Access.MANAGE)
def attendance_confirm(touchpoint_id: int) -> Response | tuple[str, int]:
    """Save a previewed list once every attendee is placed: all of it, or nothing."""
    touchpoint = db.get_or_404(Touchpoint, touchpoint_id)
    try:
        preview = open_preview(request.form.get("payload", ""), _secret_keys(), touchpoint.id)
    except AttendanceRejected as exc:
        return _upload_page(touchpoint, AttendanceUploadForm(formdata=None), exc)
    form = AttendanceConfirmForm.for_preview(preview.unmatched,
                                             mismatched=bool(preview.mismatches))
    if not form.validate_on_submit():
        return _preview_page(touchpoint, preview, form, status=400)
    with saving(AttendanceRejected) as saved:
        outcome = confirm_attendance(db.session, touchpoint, preview, form.assignments,
                                     user_id=current_user.id, now=utcnow(),
                                     same_meeting=bool(form.same_meeting.data))
    if not saved:
        return _upload_page(touchpoint, AttendanceUploadForm(formdata=None), saved.refused)
    brief = f"{len(outcome.brief)} joined briefly (not counted), " if outcome.brief else ""
    flash(f"Saved the attendance: {len(outcome.attended)} organisations attended, {brief}"
          f"{len(outcome.absent)} invited and absent.")
    return redirect(url_for("campaigns.attendance_result", import_id=outcome.record.id))


@bp.get("/attendance/<int:import_id>")
@access(Access.VIEW)
def attendance_result(import_id: int) -> str:
    """What one attendance import recorded, organisation by organisation."""
    record = db.get_or_404(AttendanceImport, import_id)
    touchpoint = db.get_or_404(Touchpoint, record.touchpoint_id)
    imports = dict((r.id, email) for r, email in touchpoint_imports(db.session, touchpoint.id))
    return render_template("campaigns/attendance_result.html", record=record,
                           touchpoint=touchpoint, rows=import_rows(db.session, record),
                           by=imports.get(record.id, ""), back=_touchpoint_url(touchpoint))
