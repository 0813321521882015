"""Changing your own password; the rules every new password meets."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.auth.accounts import AccountError, check_password_strength
from engage.auth.models import Role
from engage.extensions import db
from tests.conftest import sign_in
from tests.factories import PASSWORD, make_user

NEW = "another quite long passphrase"


def change(client, current=PASSWORD, new=NEW, confirm=None):
    return client.post("/account/password", data={
        "current_password": current, "new_password": new,
        "confirm_password": NEW if confirm is None else confirm,
    })


@pytest.mark.parametrize("role", list(Role))
def test_anyone_signed_in_can_change_their_password(app, role):
    user = make_user(role=role)
    db.session.commit()
    client = sign_in(app.test_client(), user)
    assert client.get("/account/password").status_code == 200
    response = change(client)
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this device stays signed in
    sign_in(app.test_client(), user, NEW)
    assert app.test_client().post("/login", data={"email": user.email,
                                                  "password": PASSWORD}).status_code == 200


def test_changing_the_password_ends_every_other_session(app):
    user = make_user()
    db.session.commit()
    here = sign_in(app.test_client(), user)
    elsewhere = sign_in(app.test_client(), user)
    stolen = here.get_cookie("engage_session").value
    change(here)
    assert elsewhere.get("/").status_code == 302
    replay = app.test_client()
    replay.set_cookie("engage_session", stolen)
    assert replay.get("/").status_code == 302
    assert here.get("/").status_code == 200


def test_changing_the_password_is_audited_without_the_password(app):
    user = make_user()
    db.session.commit()
    change(sign_in(app.test_client(), user))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.password_change"))
    assert event is not None and event.actor_id == user.id
    assert NEW not in f"{event.summary}{event.details}"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"current": "not my password"}, "Your current password is not right"),
    ({"confirm": "something else entirely"}, "The two new passwords are not the same"),
    ({"new": "short", "confirm": "short"}, "Use between 12 and 256 characters"),
    ({"new": PASSWORD, "confirm": PASSWORD}, "different from the current one"),
    ({"new": "engage engage 2024", "confirm": "engage engage 2024"}, "too easy to guess"),
])
def test_a_refused_change_says_why_and_changes_nothing(app, kwargs, message):
    user = make_user()
    db.session.commit()
    client = sign_in(app.test_client(), user)
    version = user.session_version
    response = change(client, **kwargs)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.session_version == version
    sign_in(app.test_client(), user, PASSWORD)


@pytest.mark.parametrize("password", [
    "aaaaaaaaaaaaaaaa", "123456789012", "qwertyuiopqwer", "Password2024!", "passwordpassword",
    "x" * 257,
])
def test_guessable_or_oversized_passwords_are_refused(password):
    with pytest.raises(AccountError):
        check_password_strength(password, "jo.bloggs@example.org")


def test_the_email_name_is_not_a_password():
    with pytest.raises(AccountError):
        check_password_strength("JoBloggs1990!!", "jo.bloggs@example.org")


@pytest.mark.parametrize("password", [PASSWORD, "Tr0ub4dor&3xtra", "pebble " * 36 + "lamp",
                                      "kettle lamp orbit quince"])
def test_reasonable_passwords_are_accepted(password):
    check_password_strength(password, "jo.bloggs@example.org")
