"""Uploading ODS and CSV files into the directory, and what each import did."""

from __future__ import annotations

import os

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from engage.auth.access import Access, access
from engage.database import utcnow
from engage.directory.blueprint import bp
from engage.directory.csv_import import ALIASES, import_csv
from engage.directory.errors import ImportRejected
from engage.directory.forms import CsvImportForm, OdsImportForm, PharmacyListForm
from engage.directory.imports import recent_imports
from engage.directory.models import DirectoryImport
from engage.directory.ods_import import import_ods
from engage.directory.pharmacy_list import import_pharmacy_list
from engage.extensions import db
from engage.transactions import saving


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
        with saving(ImportRejected) as saved:
            summary = import_csv(db.session, data, now=utcnow(), actor=current_user,
                                 filename=filename)
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


@bp.get("/imports/<int:import_id>")
@access(Access.VIEW)
def import_result(import_id: int) -> str:
    """What one import added, updated, closed and skipped."""
    record = db.get_or_404(DirectoryImport, import_id)
    return render_template("directory/import_result.html", record=record)
