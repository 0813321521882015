"""The catalogue pages: managers add, change, retire and restore; the steering group only reads."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engage.audit.models import AuditEvent
from engage.catalogue.models import Audience, Service
from engage.extensions import db
from tests.factories import make_service

VALID = {"name": "Mental Health First Aid", "summary": "Trained staff to help colleagues.",
         "description": "", "audience": "all_staff", "access_routes": ["self_referral"],
         "phone": "01632 960123", "email": "", "website": "", "hours": "Weekdays",
         "attributable_to_organisation": "y"}


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Service)) or 0


def test_everyone_signed_in_sees_the_catalogue_and_a_service(app, steering_client):
    service = make_service(name="Wellbeing App", summary="An app.")
    retired = make_service(name="Old Line", retired=True)
    db.session.commit()
    page = text(steering_client.get("/catalogue/"))
    assert "Wellbeing App" in page and "Old Line" in page and "Retired" in page
    assert page.index("Wellbeing App") < page.index("Old Line")  # retired ones last
    assert "Add a service" not in page
    detail = text(steering_client.get(f"/catalogue/{service.id}"))
    assert "An app." in detail and "Change details" not in detail
    assert steering_client.get(f"/catalogue/{retired.id}").status_code == 200


def test_a_manager_adds_a_service(app, manager_client):
    response = manager_client.post("/catalogue/new", data=VALID)
    assert response.status_code == 302
    service = db.session.scalar(select(Service).where(Service.name == VALID["name"]))
    assert service is not None and service.slug == "mental-health-first-aid"
    assert service.audience is Audience.ALL_STAFF and service.access_routes == ["self_referral"]
    assert db.session.scalar(select(AuditEvent.action).where(
        AuditEvent.target_id == str(service.id))) == "catalogue.create"


@pytest.mark.parametrize(("change", "message"), [
    ({"name": ""}, "Enter the service name"),
    ({"access_routes": []}, "Choose at least one way to access the service"),
    ({"website": "not a url"}, "Enter a full web address starting with https://"),
    ({"email": "nobody"}, "Enter a valid email address"),
])
def test_a_bad_service_is_refused_with_a_message_and_nothing_saved(app, manager_client, change,
                                                                   message):
    response = manager_client.post("/catalogue/new", data={**VALID, **change})
    assert response.status_code == 400
    assert message in text(response)
    assert count() == 0


def test_a_second_service_with_the_same_name_is_refused(app, manager_client):
    make_service(name="Mental health first aid")
    db.session.commit()
    response = manager_client.post("/catalogue/new", data=VALID)
    assert response.status_code == 400
    assert "There is already a service called" in text(response)
    assert count() == 1


def test_a_manager_changes_a_service_and_its_address_stays(app, manager_client):
    service = make_service(name="Wellbeing App", slug="wellbeing-app")
    db.session.commit()
    response = manager_client.post(f"/catalogue/{service.id}/edit",
                                   data={**VALID, "name": "Staff Wellbeing App"})
    assert response.status_code == 302
    db.session.expire_all()
    changed = db.session.get(Service, service.id)
    assert changed.name == "Staff Wellbeing App" and changed.slug == "wellbeing-app"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "catalogue.update"))
    assert event is not None and "name" in event.summary


def test_the_edit_form_shows_the_current_values(app, manager_client):
    service = make_service(name="Sharps Line", hours="Any time")
    db.session.commit()
    page = text(manager_client.get(f"/catalogue/{service.id}/edit"))
    assert 'value="Sharps Line"' in page and 'value="Any time"' in page


def test_retire_and_restore(app, manager_client):
    service = make_service(name="Helpline")
    db.session.commit()
    assert manager_client.post(f"/catalogue/{service.id}/retire").status_code == 302
    db.session.expire_all()
    assert db.session.get(Service, service.id).retired
    assert "Offer again" in text(manager_client.get(f"/catalogue/{service.id}"))
    assert manager_client.post(f"/catalogue/{service.id}/restore").status_code == 302
    db.session.expire_all()
    assert not db.session.get(Service, service.id).retired
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"catalogue.retire", "catalogue.restore"} <= actions


def test_the_steering_group_cannot_change_the_catalogue(app, steering_client):
    service = make_service(name="Helpline")
    db.session.commit()
    assert steering_client.get("/catalogue/new").status_code == 403
    assert steering_client.post("/catalogue/new", data=VALID).status_code == 403
    assert steering_client.post(f"/catalogue/{service.id}/edit",
                                data={**VALID, "name": "Changed"}).status_code == 403
    assert steering_client.post(f"/catalogue/{service.id}/retire").status_code == 403
    db.session.expire_all()
    kept = db.session.get(Service, service.id)
    assert kept.name == "Helpline" and not kept.retired and count() == 1


def test_an_unknown_service_is_404(app, manager_client):
    assert manager_client.get("/catalogue/999").status_code == 404
    assert manager_client.post("/catalogue/999/retire").status_code == 404
