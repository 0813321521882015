"""Uploading ODS and CSV files into the directory, and what each import did."""

from __future__ import annotations

import os

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from engage import matching_form
from engage.auth.access import Access, access
from engage.columns import MatchingError
from engage.database import utcnow
from engage.directory.blueprint import bp
from engage.directory.csv_import import ALIASES, HEADINGS, MissingColumns, import_csv, read_records
from engage.directory.errors import ImportRejected
from engage.directory.forms import CsvImportForm, OdsImportForm, PharmacyListForm
from engage.directory.imports import recent_imports
from engage.directory.matching import DIRECTORY_FIELDS
from engage.directory.models import DirectoryImport
from engage.directory.ods_import import import_ods
from engage.directory.pharmacy_list import import_pharmacy_list
from engage.extensions import db
from engage.matchings import offered_matching, save_matching
from engage.transactions import saving

# Rows read for each column's sample values.
SAMPLE_ROWS = 20


def _upload(field: FileStorage) -> tuple[bytes, str]:
    return field.read(), os.path.basename(field.filename or "")[:255]


def _page(
    template: str, form: FlaskForm, rejected: ImportRejected | None = None
) -> tuple[str, int]:
    """The upload page; 400 when the form or the file was refused."""
    status = 400 if rejected is not None or form.errors else 200
    return render_template(template, form=form, rejected=rejected, aliases=ALIASES,
                           imports=recent_imports(db.session)), status


@bp.route("/import/ods", methods=["GET", "POST"])
@access(Access.MANAGE)
def import_ods_file() -> Response | tuple[str, int]:
    """Upload NHS ODS's epraccur file; nothing is written unless every row is valid."""
    form = OdsImportForm()
    if form.validate_on_submit():
        data, filename = _upload(form.file.data)
        with saving(ImportRejected) as saved:
            summary = import_ods(db.session, data, now=utcnow(), actor=current_user,
                                 commissioner=form.commissioner.data,
                                 include_other=form.other_settings.data == "other",
                                 filename=filename)
        if not saved:
            return _page("directory/import_ods.html", form, saved.refused)
        flash(f"Imported {filename}: {summary.added} added, {summary.updated} updated.")
        return redirect(url_for("directory.import_result", import_id=summary.import_id))
    return _page("directory/import_ods.html", form)


@bp.route("/import/csv", methods=["GET", "POST"])
@access(Access.MANAGE)
def import_csv_file() -> Response | tuple[str, int]:
    """Upload a CSV of pharmacies, federations or any organisations, with a header row."""
    form = CsvImportForm()
    if form.validate_on_submit():
        data, filename = _upload(form.file.data)
        if form.match_columns.data:
            return _first_matching_page(form, data, filename)
        with saving(ImportRejected) as saved:
            summary = import_csv(db.session, data, now=utcnow(), actor=current_user,
                                 filename=filename)
        if isinstance(saved.refused, MissingColumns):
            return _first_matching_page(form, data, filename, saved.refused)
        if not saved:
            return _page("directory/import_csv.html", form, saved.refused)
        flash(f"Imported {filename}: {summary.added} added, {summary.updated} updated.")
        return redirect(url_for("directory.import_result", import_id=summary.import_id))
    return _page("directory/import_csv.html", form)


@bp.route("/import/pharmacies", methods=["GET", "POST"])
@access(Access.MANAGE)
def import_pharmacies_file() -> Response | tuple[str, int]:
    """Upload the national consolidated pharmaceutical list; the area's rows are kept."""
    form = PharmacyListForm()
    if form.validate_on_submit():
        data, filename = _upload(form.file.data)
        with saving(ImportRejected) as saved:
            summary = import_pharmacy_list(db.session, data, now=utcnow(), actor=current_user,
                                           boards=form.board_names(), icb=form.icb.data or "",
                                           filename=filename)
        if not saved:
            return _page("directory/import_pharmacies.html", form, saved.refused)
        flash(f"Imported {filename}: {summary.added} added, {summary.updated} updated, "
              f"{summary.closed} closed.")
        return redirect(url_for("directory.import_result", import_id=summary.import_id))
    return _page("directory/import_pharmacies.html", form)


def _secret_keys() -> list[str]:
    return [*current_app.config.get("SECRET_KEY_FALLBACKS", []), current_app.config["SECRET_KEY"]]


def _first_matching_page(upload: CsvImportForm, data: bytes, filename: str,
                         reason: ImportRejected | None = None) -> tuple[str, int]:
    """The matching step for an upload: choices pre-filled from the headings engage knows, or
    from a matching saved for a file with the same headings."""
    try:
        records = read_records(data)
        payload = matching_form.seal_upload(data, filename, _secret_keys())
    except ImportRejected as exc:
        return _page("directory/import_csv.html", upload, exc)
    except matching_form.UploadTooLarge:
        return _page("directory/import_csv.html", upload, ImportRejected(
            "This file is too large to match its columns on this page. Rename its headings to "
            "ones engage knows (listed below), or import it with `flask directory import-csv "
            "--map FIELD=COLUMN`."))
    header = records[0]
    offered = offered_matching(db.session, "directory", header)
    columns = matching_form.file_columns(header, records[1:SAMPLE_ROWS])
    form = matching_form.MatchingForm.build(
        DIRECTORY_FIELDS, columns, formdata=None,
        data=matching_form.prefilled(header, HEADINGS, DIRECTORY_FIELDS, offered))
    form.payload.data = payload
    return _matching_page(form, filename, reason=reason, offered=offered)


def _matching_page(form: matching_form.MatchingForm, filename: str, *, status: int = 200,
                   reason: Exception | None = None, rejected: ImportRejected | None = None,
                   offered: object = None) -> tuple[str, int]:
    return render_template("directory/import_match.html", form=form, filename=filename,
                           reason=reason, rejected=rejected, offered=offered,
                           action=url_for("directory.import_csv_match")), status


@bp.post("/import/csv/match")
@access(Access.MANAGE)
def import_csv_match() -> Response | tuple[str, int]:
    """Import a CSV file with the columns the manager matched; nothing is written unless the
    matching is complete and every row is valid."""
    opened = matching_form.open_upload(request.form.get("payload", ""), _secret_keys())
    if opened is None:
        return _page("directory/import_csv.html", CsvImportForm(formdata=None), ImportRejected(
            "The file's matching page has expired or was changed. Upload the file again."))
    data, filename = opened
    records = read_records(data)  # read before the token was signed
    columns = matching_form.file_columns(records[0], records[1:SAMPLE_ROWS])
    form = matching_form.MatchingForm.build(DIRECTORY_FIELDS, columns)
    if not form.validate_on_submit():
        return _matching_page(form, filename, status=400)
    matching = form.matching()
    with saving(ImportRejected, MatchingError) as saved:
        summary = import_csv(db.session, data, now=utcnow(), actor=current_user,
                             filename=filename, matching=matching)
        if form.save_as.data:
            save_matching(db.session, "directory", form.save_as.data, records[0], matching,
                          by=current_user.email, now=utcnow())
    if not saved:
        refused = saved.refused
        rejected = refused if isinstance(refused, ImportRejected) else ImportRejected(str(refused))
        return _matching_page(form, filename, status=400, rejected=rejected)
    flash(f"Imported {filename}: {summary.added} added, {summary.updated} updated.")
    return redirect(url_for("directory.import_result", import_id=summary.import_id))


@bp.get("/imports/<int:import_id>")
@access(Access.VIEW)
def import_result(import_id: int) -> str:
    """What one import added, updated, closed and skipped."""
    record = db.get_or_404(DirectoryImport, import_id)
    return render_template("directory/import_result.html", record=record)
