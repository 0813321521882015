"""Log-in, log-out and user administration."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from engage.audit.log import record_event
from engage.auth.access import Access, access
from engage.auth.accounts import (
    AccountError,
    authenticate,
    change_role,
    create_user,
    end_all_sessions,
    set_active,
    set_password,
)
from engage.auth.forms import EditUserForm, LoginForm, NewUserForm
from engage.auth.models import Role, User
from engage.auth.redirects import safe_next_path
from engage.auth.sessions import end_session, start_session
from engage.database import utcnow
from engage.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_email_key() -> str:
    return "login-email:" + (request.form.get("email") or "").strip().lower()


def _failed(response: Response) -> bool:
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@access(Access.PUBLIC)
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limit, methods=["POST"], key_func=_login_email_key, deduct_when=_failed)
def login() -> Response | str | tuple[str, int]:
    """Sign in; failed attempts are rate-limited per address and per account."""
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next_path(form.next.data, url_for("home.index")))
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data or "", form.password.data or "", utcnow())
        if user is not None:
            db.session.commit()
            start_session(user)
            return redirect(safe_next_path(form.next.data, url_for("home.index")))
        form.email.errors = list(form.email.errors) + [
            "The email address or password is not right, or the account is disabled"
        ]
        return render_template("auth/login.html", form=form), 200
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@access(Access.VIEW)
def logout() -> Response:
    """Sign out everywhere: the session version moves on, so copied cookies stop working."""
    end_all_sessions(current_user)
    db.session.commit()
    end_session()
    flash("You have signed out.")
    return redirect(url_for("auth.login"))


@bp.get("/admin/users")
@access(Access.ADMIN)
def users() -> str:
    """Everyone who can sign in, with their roles."""
    rows = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("auth/users.html", users=rows)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@access(Access.ADMIN)
def new_user() -> Response | str:
    """Add a user; there is no self-registration."""
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = create_user(
                db.session, form.email.data or "", form.password.data or "",
                Role(form.role.data), name=form.name.data or "",
            )
        except AccountError as exc:
            form.email.errors = list(form.email.errors) + [str(exc)]
        else:
            record_event(db.session, current_user, "user.create", f"Added {user.email} as {user.role.label}",
                         target=user)
            db.session.commit()
            flash(f"Added {user.email}.")
            return redirect(url_for("auth.users"))
    return render_template("auth/new_user.html", form=form)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@access(Access.ADMIN)
def edit_user(user_id: int) -> Response | str:
    """Change a user's role, disable them, or reset their password."""
    user = db.get_or_404(User, user_id)
    form = EditUserForm(obj=user if request.method == "GET" else None, role=user.role.value)
    if form.validate_on_submit():
        try:
            changes = _apply_user_changes(user, form)
        except AccountError as exc:
            form.role.errors = list(form.role.errors) + [str(exc)]
        else:
            if changes:
                record_event(db.session, current_user, "user.update",
                             f"{user.email}: " + "; ".join(changes), target=user)
            db.session.commit()
            flash(f"Saved {user.email}." if changes else "Nothing changed.")
            return redirect(url_for("auth.users"))
    return render_template("auth/edit_user.html", form=form, user=user)


def _apply_user_changes(user: User, form: EditUserForm) -> list[str]:
    changes = []
    role = Role(form.role.data)
    if role is not user.role:
        changes.append(f"role {user.role.value} → {role.value}")
        change_role(db.session, user, role)
    if bool(form.active.data) != user.active:
        if user.id == current_user.id and not form.active.data:
            raise AccountError("You cannot disable your own account.")
        changes.append("enabled" if form.active.data else "disabled")
        set_active(db.session, user, bool(form.active.data))
    if form.new_password.data:
        set_password(user, form.new_password.data)
        changes.append("password reset")
    return changes
