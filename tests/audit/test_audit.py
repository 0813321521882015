"""The audit log: who did what and when; only administrators read it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from engage.audit.log import SYSTEM_ACTOR, record_event
from engage.audit.models import AuditEvent
from engage.auth.accounts import update_user_by
from engage.auth.models import Role
from engage.extensions import db
from tests.conftest import sign_in
from tests.factories import make_user

STRONG = "a long and unguessable phrase"


def events() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_user_changes_are_recorded_with_who_and_when(app):
    admin = make_user(role=Role.ADMIN, email="boss@example.org")
    db.session.commit()
    client = sign_in(app.test_client(), admin)
    client.post("/admin/users/new", data={"email": "pat@example.org", "role": "steering",
                                          "password": STRONG})
    pat = db.session.scalar(select(AuditEvent.target_id).where(AuditEvent.action == "user.create"))
    client.post(f"/admin/users/{pat}", data={"role": "manager", "active": "y"})
    client.post(f"/admin/users/{pat}", data={"role": "manager"})
    recorded = events()
    assert [e.action for e in recorded] == ["user.create", "user.role", "user.disable"]
    for event in recorded:
        assert event.actor_email == "boss@example.org" and event.actor_id == admin.id
        assert event.target_type == "User" and event.target_id == pat
        assert event.at.tzinfo is not None and event.at <= datetime.now(UTC)
    assert "pat@example.org" in recorded[0].summary


def test_command_line_changes_name_the_command_line(app, runner):
    runner.invoke(args=["users", "create", "--email", "cli@example.org", "--role", "manager",
                        "--password", STRONG])
    (event,) = events()
    assert event.actor_email == SYSTEM_ACTOR and event.actor_id is None


def test_an_undone_change_leaves_no_record(app):
    user = make_user(role=Role.STEERING)
    db.session.commit()
    update_user_by(db.session, None, user, role=Role.MANAGER)
    db.session.rollback()
    assert events() == []


def test_other_features_record_with_the_same_call(app):
    """Imports, deletions and exports call record_event with their own action names."""
    manager = make_user()
    record_event(db.session, manager, "directory.export", "Exported 88 organisations as CSV",
                 details={"rows": 88})
    db.session.commit()
    (event,) = events()
    assert event.actor_email == manager.email and event.details == {"rows": 88}


def test_admins_read_the_log_newest_first_and_filtered(app, admin_client):
    record_event(db.session, None, "directory.import", "Imported epraccur.csv")
    record_event(db.session, None, "user.role", "someone: role steering → manager")
    db.session.commit()
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert page.index("someone: role") < page.index("Imported epraccur.csv")
    assert SYSTEM_ACTOR in page
    filtered = admin_client.get("/admin/audit?action=directory.").get_data(as_text=True)
    assert "Imported epraccur.csv" in filtered and "someone: role" not in filtered
    # The filter is a prefix, not a pattern: wildcards match nothing.
    assert "Imported" not in admin_client.get("/admin/audit?action=%25").get_data(as_text=True)


def test_the_log_is_paged(app, admin_client):
    for n in range(55):
        record_event(db.session, None, "directory.import", f"Import number {n:02d}")
    db.session.commit()
    first = admin_client.get("/admin/audit").get_data(as_text=True)
    second = admin_client.get("/admin/audit?page=2").get_data(as_text=True)
    assert "Import number 54" in first and "Import number 00" not in first
    assert "Import number 00" in second
    assert admin_client.get("/admin/audit?page=99").status_code == 200


@pytest.mark.parametrize("role", [Role.MANAGER, Role.STEERING])
def test_only_admins_can_read_the_log(app, login, role):
    record_event(db.session, None, "user.role", "secret-ish change")
    db.session.commit()
    response = login(role).get("/admin/audit")
    assert response.status_code == 403
    assert "secret-ish change" not in response.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_log_in(app, client):
    response = client.get("/admin/audit")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_record_survives_the_actor_being_removed(app):
    user = make_user(email="leaver@example.org")
    record_event(db.session, user, "directory.delete", "Deleted a contact")
    db.session.commit()
    db.session.delete(user)
    db.session.commit()
    (event,) = events()
    assert event.actor_id is None and event.actor_email == "leaver@example.org"
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 1
