"""The admin pages for adding users and changing roles; nobody can sign themselves up."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engage.audit.models import AuditEvent
from engage.auth.access import Access, access_level_of
from engage.auth.accounts import find_user
from engage.auth.models import Role, User
from engage.extensions import db
from tests.conftest import sign_in
from tests.factories import PASSWORD, make_user

STRONG = "a long and unguessable phrase"


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_admin_adds_a_user(app, admin_client):
    response = admin_client.post("/admin/users/new", data={
        "email": "Newcomer@Example.org", "name": "New Comer", "role": "steering",
        "password": STRONG,
    })
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    user = find_user(db.session, "newcomer@example.org")
    assert user is not None and user.role is Role.STEERING
    assert "newcomer@example.org" in admin_client.get("/admin/users").get_data(as_text=True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create"))
    assert event is not None and event.actor_email.startswith("user")
    assert event.target_id == str(user.id)
    sign_in(app.test_client(), user, STRONG)


@pytest.mark.parametrize(("email", "password", "message"), [
    ("not-an-email", STRONG, "Enter a valid email address"),
    ("ok@example.org", "short", "Use between 12 and 256 characters"),
    ("ok@example.org", "password12345", "too easy to guess"),
    ("", STRONG, "Enter an email address"),
])
def test_adding_a_user_with_bad_details_says_why_and_adds_nobody(app, admin_client, email,
                                                                 password, message):
    before = db.session.scalar(select(func.count(User.id)))
    response = admin_client.post("/admin/users/new", data={
        "email": email, "role": "manager", "password": password,
    })
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == before
    assert "user.create" not in audit_actions()


def test_adding_a_duplicate_is_refused(app, admin_client):
    make_user(email="twice@example.org")
    db.session.commit()
    response = admin_client.post("/admin/users/new", data={
        "email": "Twice@example.org", "role": "manager", "password": STRONG,
    })
    assert "already exists" in response.get_data(as_text=True)


def test_admin_changes_a_role_which_ends_the_users_sessions(app, admin_client):
    user = make_user(role=Role.STEERING)
    db.session.commit()
    victim = sign_in(app.test_client(), user)
    page = admin_client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert 'value="steering" selected' in page or 'selected value="steering"' in page
    response = admin_client.post(f"/admin/users/{user.id}", data={"role": "manager",
                                                                  "active": "y"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.role is Role.MANAGER and user.active
    assert victim.get("/").status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.role"))
    assert event is not None and "steering → manager" in event.summary
    assert event.details == {"from": "steering", "to": "manager"}


def test_admin_resets_a_password(app, admin_client):
    user = make_user()
    db.session.commit()
    response = admin_client.post(f"/admin/users/{user.id}", data={
        "role": "manager", "active": "y", "new_password": STRONG,
    })
    assert response.status_code == 302
    sign_in(app.test_client(), user, STRONG)
    assert "user.password_reset" in audit_actions()


def test_saving_without_changes_records_nothing(app, admin_client):
    user = make_user()
    db.session.commit()
    admin_client.post(f"/admin/users/{user.id}", data={"role": "manager", "active": "y"})
    assert audit_actions() == []


def test_admin_cannot_disable_themselves(app):
    admin = make_user(role=Role.ADMIN)
    make_user(role=Role.ADMIN)
    db.session.commit()
    client = sign_in(app.test_client(), admin)
    response = client.post(f"/admin/users/{admin.id}", data={"role": "admin"})
    assert response.status_code == 200
    assert "You cannot disable your own account" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.active


def test_the_last_admin_cannot_demote_themselves(app):
    admin = make_user(role=Role.ADMIN)
    db.session.commit()
    client = sign_in(app.test_client(), admin)
    response = client.post(f"/admin/users/{admin.id}", data={"role": "manager", "active": "y"})
    assert "at least one active administrator" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.role is Role.ADMIN


def test_editing_an_unknown_user_is_404(app, admin_client):
    assert admin_client.get("/admin/users/999999").status_code == 404


@pytest.mark.parametrize("role", [Role.MANAGER, Role.STEERING])
def test_only_admins_manage_users(app, login, role):
    client = login(role)
    target = make_user()
    db.session.commit()
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users/new", data={"email": "x@example.org", "role": "admin",
                                                 "password": STRONG}).status_code == 403
    assert client.post(f"/admin/users/{target.id}", data={"role": "admin"}).status_code == 403
    assert find_user(db.session, "x@example.org") is None


def test_there_is_no_self_registration(app, client):
    for path in ("/register", "/signup", "/sign-up", "/users/new", "/account/new"):
        assert client.post(path, data={"email": "me@example.org",
                                       "password": PASSWORD}).status_code in (302, 404, 405)
    public_changes = [
        rule.endpoint for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("auth.") and "POST" in (rule.methods or ())
        and access_level_of(app, rule.endpoint) is Access.PUBLIC
    ]
    assert public_changes == ["auth.login"]
    assert db.session.scalar(select(func.count(User.id))) == 0
