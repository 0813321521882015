"""Sessions end for real: log-out, disabling, role and password changes, and time limits."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest

from engage.auth.models import Role
from engage.auth.sessions import session_expired
from engage.extensions import db
from tests.conftest import sign_in
from tests.factories import make_user


def replay(app, cookie: str):
    client = app.test_client()
    client.set_cookie("engage_session", cookie)
    return client


def test_a_copied_cookie_dies_when_the_user_is_disabled(app, admin_client):
    user = make_user()
    db.session.commit()
    cookie = sign_in(app.test_client(), user).get_cookie("engage_session").value
    assert replay(app, cookie).get("/").status_code == 200
    admin_client.post(f"/admin/users/{user.id}", data={"role": "manager"})  # active unticked
    assert replay(app, cookie).get("/").status_code == 302


def test_a_copied_cookie_dies_when_the_role_changes(app, runner):
    user = make_user(role=Role.MANAGER)
    db.session.commit()
    cookie = sign_in(app.test_client(), user).get_cookie("engage_session").value
    runner.invoke(args=["users", "set-role", user.email, "steering"])
    assert replay(app, cookie).get("/").status_code == 302


def test_log_out_then_log_in_again_gives_a_different_session(app):
    user = make_user()
    db.session.commit()
    client = sign_in(app.test_client(), user)
    first = client.get_cookie("engage_session").value
    client.post("/logout")
    sign_in(client, user)
    assert client.get_cookie("engage_session").value != first
    assert replay(app, first).get("/").status_code == 302


def test_the_session_cookie_expires_with_the_absolute_lifetime(app, client):
    user = make_user()
    db.session.commit()
    response = client.post("/login", data={"email": user.email,
                                           "password": "correct horse battery staple"})
    cookie = SimpleCookie(response.headers["Set-Cookie"])["engage_session"]
    assert cookie["expires"], "the session cookie should carry an expiry"
    assert app.permanent_session_lifetime.total_seconds() == app.config["SESSION_MAX_HOURS"] * 3600


def test_activity_keeps_the_session_alive(app, client):
    user = make_user()
    db.session.commit()
    sign_in(client, user)
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session["seen_at"] -= idle - 60
        session["auth_at"] -= idle - 60
    assert client.get("/").status_code == 200  # just in time; this visit counts as activity
    with client.session_transaction() as session:
        session["auth_at"] -= 0
        assert session["seen_at"] > session["auth_at"]


def test_an_expired_session_sends_you_to_log_in_and_back(app, client):
    user = make_user()
    db.session.commit()
    sign_in(client, user)
    with client.session_transaction() as session:
        session["seen_at"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 1
    response = client.get("/directory/?q=x")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert "session expired" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/").status_code == 302  # and it stays ended


@pytest.mark.parametrize(("auth_ago", "seen_ago", "expired"), [
    (0, 0, False), (100, 10, False), (100, 31 * 60, True), (13 * 3600, 10, True),
    (12 * 3600, 0, False),
])
def test_session_expiry_rule(auth_ago, seen_ago, expired):
    now = 1_000_000.0
    assert session_expired(now - auth_ago, now - seen_ago, now, 30 * 60, 12 * 3600) is expired


def test_a_session_without_times_is_expired(app, client):
    user = make_user()
    db.session.commit()
    sign_in(client, user)
    with client.session_transaction() as session:
        del session["auth_at"]
    assert client.get("/").status_code == 302
