"""Signing in and out, and the session rules around it."""

from __future__ import annotations

import pytest

from engage.auth.models import Role
from engage.auth.redirects import safe_next_path
from engage.extensions import db
from tests.conftest import sign_in
from tests.factories import PASSWORD, make_user


def test_login_with_right_password_lands_on_overview(app, client):
    user = make_user(role=Role.MANAGER)
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_login_with_wrong_password_says_so_and_stays_signed_out(app, client):
    user = make_user()
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": "wrong password!!"})
    assert response.status_code == 200
    assert "email address or password is not right" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_passwords_are_stored_hashed(app):
    user = make_user(password=PASSWORD)
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_disabled_user_cannot_sign_in(app, client):
    user = make_user(active=False)
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200


OFF_SITE = ["//evil.example", "/\\evil.example", "https://evil.example", "http:/evil.example",
            "\t//evil.example", "///evil.example", "/\t/evil.example", "javascript:alert(1)",
            "/\r\nLocation: https://evil.example", " //evil.example", "\\\\evil.example",
            "https:evil.example", "%2F%2Fevil.example"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_next_parameter_never_leaves_the_app(app, client, target):
    user = make_user()
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_safe_next_path_refuses_anything_off_site(target):
    assert safe_next_path(target, "/fallback") == "/fallback"


@pytest.mark.parametrize("target", ["/directory/?kind=gp&page=2", "/admin/users", "/%09/x"])
def test_safe_next_path_keeps_local_paths(target):
    assert safe_next_path(target, "/fallback") == target


def test_a_signed_in_visit_to_the_login_page_follows_a_safe_next_only(app, manager_client):
    assert manager_client.get("/login?next=//evil.example").headers["Location"] == "/"
    assert manager_client.get("/login?next=/directory/").headers["Location"] == "/directory/"


def test_next_parameter_to_a_local_page_is_followed(app, client):
    user = make_user(role=Role.ADMIN)
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "next": "/admin/users"})
    assert response.headers["Location"] == "/admin/users"


def test_logout_ends_every_copy_of_the_session(app):
    user = make_user()
    db.session.commit()
    first = sign_in(app.test_client(), user)
    stolen_cookie = first.get_cookie("engage_session").value
    assert first.post("/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("engage_session", stolen_cookie)
    assert replay.get("/").status_code == 302  # back to log-in: the old cookie is dead


def test_disabling_a_user_signs_them_out(app, admin_client):
    user = make_user()
    db.session.commit()
    victim = sign_in(app.test_client(), user)
    assert victim.get("/").status_code == 200
    # The active box left unticked, as a browser sends it
    response = admin_client.post(f"/admin/users/{user.id}", data={"role": "manager"})
    assert response.status_code == 302
    assert victim.get("/").status_code == 302


def test_login_starts_a_fresh_session(app, client):
    user = make_user()
    db.session.commit()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in(client, user)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_session_expires_after_inactivity(app, client):
    user = make_user()
    db.session.commit()
    sign_in(client, user)
    with client.session_transaction() as session:
        session["seen_at"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 1
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_session_has_an_absolute_lifetime(app, client):
    user = make_user()
    db.session.commit()
    sign_in(client, user)
    with client.session_transaction() as session:
        session["auth_at"] -= app.config["SESSION_MAX_HOURS"] * 3600 + 1
    assert client.get("/").status_code == 302


def test_logout_by_get_is_refused(app, manager_client):
    assert manager_client.get("/logout").status_code == 405
