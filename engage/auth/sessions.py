"""Signed-in sessions that can be ended for real and that expire.

Flask keeps the session in a signed cookie, which cannot be revoked on the server. The user id
in the session carries the user's session version, so bumping the version ends every copy of
the cookie; idle and absolute limits are checked on every request.
"""

from __future__ import annotations

import time

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from engage.auth.models import User
from engage.extensions import db

AUTH_AT = "auth_at"
SEEN_AT = "seen_at"


def load_user(user_id: str) -> User | None:
    """Flask-Login loader: a stale session version or a disabled account means no user."""
    raw_id, _, version = user_id.partition(".")
    if not raw_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def start_session(user: User, now: float | None = None) -> None:
    """Begin a fresh session: nothing from before log-in survives (no session fixation)."""
    now = time.time() if now is None else now
    session.clear()
    login_user(user)
    session.permanent = True
    session[AUTH_AT] = now
    session[SEEN_AT] = now


def end_session() -> None:
    logout_user()
    session.clear()


def session_expired(auth_at: float, seen_at: float, now: float, idle_seconds: float,
                    lifetime_seconds: float) -> bool:
    """Idle too long, or signed in too long ago; a session missing its times has expired."""
    return now - seen_at > idle_seconds or now - auth_at > lifetime_seconds


def enforce_session_lifetime() -> Response | None:
    """Before every request: sign out after inactivity or once the absolute lifetime has passed."""
    endpoint = request.endpoint or ""
    if endpoint == "static" or endpoint.endswith(".static") or not current_user.is_authenticated:
        return None
    now = time.time()
    config = current_app.config
    if session_expired(
        float(session.get(AUTH_AT, 0)), float(session.get(SEEN_AT, 0)), now,
        config["SESSION_IDLE_MINUTES"] * 60, config["SESSION_MAX_HOURS"] * 3600,
    ):
        end_session()
        flash("You were signed out because your session expired. Sign in again to continue.")
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target))
    session[SEEN_AT] = now
    return None
