"""Directory pages: the list, an organisation and its contacts.

Imports live in import_views.py and localities in locality_views.py, on the same blueprint.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from engage.auth.access import Access, access
from engage.database import utcnow
from engage.directory import contacts as contact_logic
from engage.directory.blueprint import bp
from engage.directory.errors import DirectoryError
from engage.directory.export import export_directory
from engage.directory.forms import ANY, ContactForm, FilterForm, OrganisationForm, choices
from engage.directory.models import (
    Contact,
    ContactRole,
    LawfulBasis,
    Organisation,
    OrgKind,
    OrgStatus,
)
from engage.directory.names import proper_case
from engage.directory.organisations import (
    NO_LOCALITY,
    DirectoryFilter,
    OrganisationDetails,
    add_organisation,
    count,
    find_by_code,
    localities,
    pcn_names,
    update_organisation,
)
from engage.directory.vocab import DEFAULT_ROLE
from engage.extensions import db
from engage.transactions import done, saving

PER_PAGE = 50


def _filters() -> tuple[FilterForm, DirectoryFilter]:
    """The list's filters from the query string; a value that is no longer offered is ignored."""
    form = FilterForm(request.args)
    form.locality.choices = choices([(ANY, "Any locality"), (NO_LOCALITY, "No locality yet"),
                                     *((str(loc.id), loc.name) for loc in localities(db.session))])
    form.pcn.choices = choices([(ANY, "Any PCN"), *((p, p) for p in pcn_names(db.session))])
    form.validate()
    for field in (form.kind, form.status, form.locality, form.pcn, form.page):
        if field.errors:
            field.data, field.errors = field.default, []
    locality = form.locality.data or None
    where = DirectoryFilter(
        search=form.q.data or "",
        kind=OrgKind(form.kind.data) if form.kind.data else None,
        status=OrgStatus(form.status.data) if form.status.data else None,
        locality=int(locality) if locality and locality.isdigit() else locality,
        pcn=form.pcn.data or "",
    )
    return form, where


@bp.get("/")
@access(Access.VIEW)
def index() -> str:
    """Search and filter the directory; the counts follow the filters."""
    form, where = _filters()
    page = db.paginate(where.query(), page=form.page.data or 1, per_page=PER_PAGE, error_out=False)
    args = {key: value for key, value in request.args.items() if value and key != "page"}
    return render_template("directory/index.html", form=form, page=page, args=args,
                           counts=count(db.session, where))


@bp.get("/export.csv")
@access(Access.VIEW)
def export() -> Response:
    """The list as CSV, with the same filters; every export goes in the audit log."""
    _form, where = _filters()
    with saving():
        text = export_directory(db.session, where, now=utcnow(), actor=current_user)
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="engage-directory-{stamp}.csv"'})


def _organisation(code: str) -> Organisation:
    org = find_by_code(db.session, code)
    if org is None:
        abort(404)
    return org


@bp.get("/organisations/<code>")
@access(Access.VIEW)
def show(code: str) -> str:
    """An organisation's details and contacts."""
    return render_template("directory/show.html", org=_organisation(code))


def _organisation_form(org: Organisation | None = None) -> OrganisationForm:
    form = OrganisationForm(obj=org) if request.method == "GET" and org else OrganisationForm()
    rules = "Set by the locality rules"
    form.locality.choices = choices([(ANY, rules), *((str(loc.id), loc.name)
                                                     for loc in localities(db.session))])
    if request.method == "GET" and org is not None:
        form.kind.data, form.status.data = org.kind.value, org.status.value
        form.locality.data = str(org.locality_id) if org.locality_locked else ANY
    return form


def _details(form: OrganisationForm) -> OrganisationDetails:
    return OrganisationDetails(
        name=form.name.data or "", preferred_name=form.preferred_name.data or "",
        kind=OrgKind(form.kind.data), status=OrgStatus(form.status.data),
        address=form.address.data or "", postcode=form.postcode.data or "",
        phone=form.phone.data or "", pcn=form.pcn.data or "",
        staff_headcount=form.staff_headcount.data,
        locality_id=int(form.locality.data) if form.locality.data else None,
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
@access(Access.MANAGE)
def new() -> BaseResponse | tuple[str, int]:
    """Add an organisation by hand (a federation, say, that no file lists)."""
    form = _organisation_form()
    if form.validate_on_submit():
        with saving(DirectoryError, field=form.code) as saved:
            org = add_organisation(db.session, form.code.data or "", _details(form), now=utcnow(),
                                   actor=current_user)
        if saved:
            flash(f"Added {org.display_name}.")
            return redirect(url_for("directory.show", code=org.ods_code))
    return render_template("directory/edit.html", form=form, org=None), 400 if form.errors else 200


@bp.route("/organisations/<code>/edit", methods=["GET", "POST"])
@access(Access.MANAGE)
def edit(code: str) -> BaseResponse | tuple[str, int]:
    """Change an organisation: headcount, PCN, phone, a pinned locality ..."""
    org = _organisation(code)
    form = _organisation_form(org)
    del form.code  # the code is the organisation's identity
    if form.validate_on_submit():
        with saving(DirectoryError, field=form.locality) as saved:
            changed = update_organisation(db.session, org, _details(form), now=utcnow(),
                                          actor=current_user)
        if saved:
            flash(f"Saved {org.display_name}." if changed else "Nothing was changed.")
            return redirect(url_for("directory.show", code=org.ods_code))
    return (render_template("directory/edit.html", form=form, org=org,
                            proper_name=proper_case(org.name)), 400 if form.errors else 200)


def _save_contact(form: ContactForm, org: Organisation, contact: Contact | None) -> bool:
    """Save the contact from the form; False (with the message on the form) if it cannot be."""
    with saving(DirectoryError, field=form.email) as saved:
        contact_logic.save_contact(
            db.session, org, name=form.name.data or "", role=ContactRole(form.role.data),
            email=form.email.data or "", phone=form.phone.data or "",
            do_not_email=form.do_not_email.data, contact=contact, actor=current_user,
            lawful_basis=LawfulBasis(form.lawful_basis.data),
        )
    return bool(saved)


@bp.route("/organisations/<code>/contacts/new", methods=["GET", "POST"])
@access(Access.MANAGE)
def new_contact(code: str) -> BaseResponse | tuple[str, int]:
    """Add a person to an organisation's contacts."""
    org = _organisation(code)
    form = ContactForm(role=DEFAULT_ROLE[org.kind].value)
    if form.validate_on_submit() and _save_contact(form, org, None):
        flash(f"Added {form.name.data} to {org.display_name}.")
        return redirect(url_for("directory.show", code=org.ods_code))
    return (render_template("directory/contact.html", form=form, org=org, contact=None),
            400 if form.errors else 200)


@bp.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@access(Access.MANAGE)
def edit_contact(contact_id: int) -> BaseResponse | tuple[str, int]:
    """Change a contact's details or do-not-email flag."""
    contact = db.get_or_404(Contact, contact_id)
    form = ContactForm(obj=contact) if request.method == "GET" else ContactForm()
    if request.method == "GET":
        form.role.data = contact.role.value
    org = contact.organisation
    if form.validate_on_submit() and _save_contact(form, org, contact):
        flash(f"Saved {contact.name}.")
        return redirect(url_for("directory.show", code=org.ods_code))
    return (render_template("directory/contact.html", form=form, org=org, contact=contact),
            400 if form.errors else 200)


@bp.route("/contacts/<int:contact_id>/delete", methods=["GET", "POST"])
@access(Access.MANAGE)
def delete_contact(contact_id: int) -> BaseResponse | str:
    """Remove a contact (recorded in the audit log), once asked on a page of its own."""
    contact = db.get_or_404(Contact, contact_id)
    code, name = contact.organisation.ods_code, contact.name or contact.email
    if request.method == "GET":
        return render_template(
            "confirm_delete.html", what=f"the contact {name or 'without a name'}",
            lost=[("Name", contact.name or "None"), ("Email", contact.email or "None"),
                  ("Phone", contact.phone or "None"), ("Role", contact.role.label),
                  ("Organisation", f"{contact.organisation.display_name} ({code})")],
            consequence=(f"Their details go from {contact.organisation.display_name}. Outreach "
                         "and messages already recorded stay."),
            button="Delete the contact", back=url_for("directory.show", code=code))
    contact_logic.delete_contact(db.session, contact, actor=current_user)
    return done(f"Removed {name}.", url_for("directory.show", code=code))

