"""`flask users ...`: what operators use on the server."""

from __future__ import annotations

from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.auth.accounts import find_user
from engage.auth.models import Role
from engage.extensions import db
from tests.conftest import sign_in
from tests.factories import PASSWORD, make_user

STRONG = "a long and unguessable phrase"


def users(runner, *args, password=None):
    extra = ["--password", password] if password is not None else []
    return runner.invoke(args=["users", *args, *extra])


def test_create_adds_a_user_who_can_sign_in(app, runner, client):
    result = users(runner, "create", "--email", "New.Person@Example.org", "--role", "steering",
                   "--name", "New Person", password=STRONG)
    assert result.exit_code == 0, result.output
    assert "Created new.person@example.org (steering)" in result.output
    user = find_user(db.session, "new.person@example.org")
    assert user is not None and user.role is Role.STEERING and user.name == "New Person"
    sign_in(client, user, STRONG)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create"))
    assert event is not None and event.actor_email == "system (command line)"


def test_create_prompts_for_the_password_twice_without_echo(app, runner):
    result = runner.invoke(args=["users", "create", "--email", "p@example.org", "--role",
                                 "manager"], input=f"{STRONG}\n{STRONG}\n")
    assert result.exit_code == 0, result.output
    assert STRONG not in result.output
    assert find_user(db.session, "p@example.org") is not None


def test_create_refuses_a_bad_email(app, runner):
    result = users(runner, "create", "--email", "not-an-email", "--role", "manager",
                   password=STRONG)
    assert result.exit_code == 1
    assert "not a valid email address" in result.output
    assert find_user(db.session, "not-an-email") is None


def test_create_refuses_a_short_password(app, runner):
    result = users(runner, "create", "--email", "short@example.org", "--role", "manager",
                   password="short")
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output
    assert find_user(db.session, "short@example.org") is None


def test_create_refuses_a_guessable_password(app, runner):
    result = users(runner, "create", "--email", "guess@example.org", "--role", "manager",
                   password="Password123456")
    assert result.exit_code == 1
    assert "too easy to guess" in result.output


def test_create_refuses_an_unknown_role(app, runner):
    result = users(runner, "create", "--email", "r@example.org", "--role", "superuser",
                   password=STRONG)
    assert result.exit_code == 2
    assert "superuser" in result.output


def test_create_refuses_a_duplicate(app, runner):
    make_user(email="taken@example.org")
    db.session.commit()
    result = users(runner, "create", "--email", "TAKEN@example.org", "--role", "manager",
                   password=STRONG)
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_set_role_changes_the_role_and_ends_sessions(app, runner):
    user = make_user(role=Role.STEERING)
    db.session.commit()
    client = sign_in(app.test_client(), user)
    result = users(runner, "set-role", user.email, "manager")
    assert result.exit_code == 0, result.output
    db.session.refresh(user)
    assert user.role is Role.MANAGER
    assert client.get("/").status_code == 302


def test_the_last_administrator_cannot_be_demoted_or_disabled(app, runner):
    admin = make_user(role=Role.ADMIN)
    db.session.commit()
    assert users(runner, "set-role", admin.email, "manager").exit_code == 1
    result = users(runner, "disable", admin.email)
    assert result.exit_code == 1 and "at least one active administrator" in result.output
    db.session.refresh(admin)
    assert admin.role is Role.ADMIN and admin.active


def test_disable_and_enable(app, runner):
    user = make_user()
    db.session.commit()
    client = sign_in(app.test_client(), user)
    assert users(runner, "disable", user.email).exit_code == 0
    assert client.get("/").status_code == 302
    assert app.test_client().post("/login", data={"email": user.email,
                                                  "password": PASSWORD}).status_code == 200
    assert users(runner, "enable", user.email).exit_code == 0
    sign_in(app.test_client(), user)
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["user.disable", "user.enable"]


def test_set_password_resets_and_ends_sessions(app, runner):
    user = make_user()
    db.session.commit()
    client = sign_in(app.test_client(), user)
    result = users(runner, "set-password", user.email, password=STRONG)
    assert result.exit_code == 0, result.output
    assert client.get("/").status_code == 302
    sign_in(app.test_client(), user, STRONG)


def test_commands_name_an_unknown_user(app, runner):
    result = users(runner, "disable", "ghost@example.org")
    assert result.exit_code == 1
    assert "No user with the email ghost@example.org" in result.output


def test_list_prints_csv(app, runner):
    make_user(email="b@example.org", role=Role.STEERING)
    make_user(email="a@example.org", role=Role.ADMIN, active=False)
    db.session.commit()
    result = users(runner, "list")
    assert result.output.splitlines() == [
        "email,role,active", "a@example.org,admin,no", "b@example.org,steering,yes",
    ]
