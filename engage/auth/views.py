"""Log-in, log-out, changing one's own password, and user administration."""

from __future__ import annotations

import logging

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from engage.auth.access import Access, access
from engage.auth.accounts import (
    AccountError,
    add_user_by,
    authenticate,
    change_own_password,
    end_all_sessions,
    update_user_by,
)
from engage.auth.blueprint import bp
from engage.auth.forms import ChangePasswordForm, EditUserForm, LoginForm, NewUserForm
from engage.auth.models import Role, User
from engage.auth.redirects import safe_next_path
from engage.auth.sessions import end_session, start_session
from engage.auth.throttle import clear_failures, record_failure, seconds_to_wait
from engage.database import utcnow
from engage.extensions import db, limiter
from engage.transactions import commit, saving

log = logging.getLogger(__name__)


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def add_error(form: FlaskForm, error: AccountError, default: str) -> None:
    """Show an account error beside the field it is about (the password fields share one)."""
    candidates = [error.field, "new_password" if error.field == "password" else "", default]
    field = form[next(name for name in candidates if name and name in form)]
    field.errors = list(field.errors) + [str(error)]


def _failed(response: Response) -> bool:
    """Only failed attempts count towards the limit: success answers with a redirect."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@access(Access.PUBLIC)
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
def login() -> Response | str | tuple[str, int, dict[str, str]]:
    """Sign in. Failures are limited per client address (429) and slow the account down
    (a short, growing wait: see `throttle`), so a guesser elsewhere cannot lock anyone out."""
    form = LoginForm(next=request.args.get("next", ""))
    home = url_for("home.index")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next_path(form.next.data, home))
    if form.validate_on_submit():
        email, now = form.email.data or "", utcnow()
        throttled = current_app.config["RATELIMIT_ENABLED"]
        wait = throttled and seconds_to_wait(
            db.session, email, now, current_app.config["LOGIN_ACCOUNT_FREE_FAILURES"],
            current_app.config["LOGIN_ACCOUNT_MAX_WAIT_SECONDS"])
        if wait:
            # Refused unheard, right password or not, and not counted: hammering during the
            # wait neither lengthens it nor lets guesses through.
            form.email.errors = list(form.email.errors) + [
                f"Too many failed sign-ins with this email address. Wait {wait} "
                f"second{'s' if wait != 1 else ''}, then try again."
            ]
            page = render_template("auth/login.html", form=form)
            return page, 429, {"Retry-After": str(wait)}
        user = authenticate(db.session, email, form.password.data or "", now)
        if user is not None:
            if throttled:
                clear_failures(db.session, email)
            commit()
            start_session(user)
            log.info("signed in: user %s", user.id)
            return redirect(safe_next_path(form.next.data, home))
        if throttled:
            record_failure(db.session, email, now)
            commit()
        log.info("failed sign-in")
        form.email.errors = list(form.email.errors) + [
            "The email address or password is not right, or the account is disabled"
        ]
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@access(Access.SELF)
def logout() -> Response:
    """Sign out everywhere: the session version moves on, so copied cookies stop working."""
    with saving():
        end_all_sessions(current_user)
    log.info("signed out: user %s", current_user.id)
    end_session()
    flash("You have signed out.")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@access(Access.SELF)
def change_password() -> Response | str:
    """Change your own password; every other session you have ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with saving(AccountError) as saved:
            change_own_password(db.session, current_user, form.current_password.data or "",
                                form.new_password.data or "")
        if saved.refused:
            add_error(form, saved.refused, default="new_password")
        if saved:
            start_session(current_user._get_current_object())  # this device carries on
            flash("Your password has been changed. You have been signed out everywhere else.")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form)


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
        with saving(AccountError) as saved:
            user = add_user_by(db.session, current_user, form.email.data or "",
                               form.password.data or "", Role(form.role.data),
                               name=form.name.data or "")
        if saved.refused:
            add_error(form, saved.refused, default="email")
        if saved:
            flash(f"Added {user.email}.")
            return redirect(url_for("auth.users"))
    return render_template("auth/new_user.html", form=form)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@access(Access.ADMIN)
def edit_user(user_id: int) -> Response | str:
    """Change a user's role, disable them, or reset their password."""
    user = db.get_or_404(User, user_id)
    form = EditUserForm(obj=user if request.method == "GET" else None)
    if form.validate_on_submit():
        with saving(AccountError) as saved:
            changes = update_user_by(db.session, current_user, user, role=Role(form.role.data),
                                     active=bool(form.active.data),
                                     new_password=form.new_password.data or "")
        if saved.refused:
            add_error(form, saved.refused, default="role")
        if saved:
            flash(f"Saved {user.email}." if changes else "Nothing changed.")
            return redirect(url_for("auth.users"))
    return render_template("auth/edit_user.html", form=form, user=user)
