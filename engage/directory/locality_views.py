"""Localities and the rules that place organisations in them."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from engage.auth.access import Access, access
from engage.database import utcnow
from engage.directory.blueprint import bp
from engage.directory.errors import DirectoryError
from engage.directory.forms import LocalityForm, LocalityRuleForm, choices
from engage.directory.localities import (
    add_locality,
    organisations_without_locality,
    rule_removed,
    rules_added,
    rules_reapplied,
)
from engage.directory.models import Locality, LocalityRule, LocalityRuleKind, Organisation
from engage.directory.vocab import organisations
from engage.extensions import db
from engage.transactions import done, saving


def _rule_form() -> LocalityRuleForm:
    form = LocalityRuleForm()
    names = db.session.execute(select(Locality.id, Locality.name)
                               .order_by(func.lower(Locality.name), Locality.id)).all()
    form.locality.choices = choices([("", "Choose a locality"),
                                     *((str(id_), name) for id_, name in names)])
    return form


def _page(rule_form: LocalityRuleForm | None = None, locality_form: LocalityForm | None = None,
          status: int = 200) -> tuple[str, int]:
    sizes = dict(db.session.execute(
        select(Organisation.locality_id, func.count()).group_by(Organisation.locality_id)
    ).all())
    return render_template(
        "directory/localities.html", sizes=sizes,
        localities=db.session.scalars(
            select(Locality).order_by(func.lower(Locality.name), Locality.id)).all(),
        rule_form=rule_form or _rule_form(), locality_form=locality_form or LocalityForm(),
        unplaced=organisations_without_locality(db.session),
    ), status


@bp.get("/localities")
@access(Access.VIEW)
def localities() -> tuple[str, int]:
    """Every locality with its rules, and the active organisations no rule places."""
    return _page()


@bp.post("/localities/new")
@access(Access.MANAGE)
def new_locality() -> Response | tuple[str, int]:
    """Add a locality (then give it rules)."""
    form = LocalityForm()
    if form.validate_on_submit():
        with saving(DirectoryError, field=form.name) as saved:
            locality = add_locality(db.session, form.name.data or "", actor=current_user)
        if saved:
            flash(f"Added {locality.name}. Now give it rules.")
            return redirect(url_for("directory.localities"))
    return _page(locality_form=form, status=400)


@bp.post("/localities/rules")
@access(Access.MANAGE)
def new_rule() -> Response | tuple[str, int]:
    """Add rules for a locality, and move the organisations they now match."""
    form = _rule_form()
    if form.validate_on_submit():
        locality = db.get_or_404(Locality, int(form.locality.data))
        with saving(DirectoryError, field=form.values) as saved:
            rules, moved = rules_added(db.session, LocalityRuleKind(form.kind.data),
                                       (form.values.data or "").split(","), locality,
                                       now=utcnow(), actor=current_user)
        if saved:
            flash(f"Added {', '.join(rule.value for rule in rules)} to {locality.name}. "
                  f"{organisations(moved)} changed locality.")
            return redirect(url_for("directory.localities"))
    return _page(rule_form=form, status=400)


@bp.route("/localities/rules/<int:rule_id>/delete", methods=["GET", "POST"])
@access(Access.MANAGE)
def remove_rule(rule_id: int) -> Response | str:
    """Remove a rule, and re-place the organisations it matched, once asked on a page of its own."""
    if request.method == "GET":
        rule = db.get_or_404(LocalityRule, rule_id)
        return render_template(
            "confirm_delete.html", what=f"the rule {rule.value}",
            lost=[("Locality", rule.locality.name), ("Rule", rule.kind.label),
                  ("Value", rule.value)],
            consequence=("The organisations it placed are placed again by the remaining "
                         "rules; a locality set by hand stays."),
            button="Delete the rule", back=url_for("directory.localities"))
    with saving(DirectoryError) as saved:
        message = rule_removed(db.session, rule_id, now=utcnow(), actor=current_user)
    flash(message if saved else saved.error)
    return redirect(url_for("directory.localities"))


@bp.post("/localities/apply")
@access(Access.MANAGE)
def reapply_rules() -> Response:
    """Apply the rules afresh to every organisation without a pinned locality."""
    moved = rules_reapplied(db.session, now=utcnow(), actor=current_user)
    return done(f"Rules re-applied. {organisations(moved)} changed locality.",
                url_for("directory.localities"))
