"""The manager's side: opening registration, the registrants list, its CSV, the section."""

from __future__ import annotations

from datetime import timedelta

from engage.auth.models import Role
from engage.campaigns.dates import utc_to_london_naive
from engage.campaigns.models import Channel
from engage.database import utcnow
from engage.extensions import db
from engage.registration.models import RegistrationSettings, RegistrationStatus
from tests.factories import make_touchpoint
from tests.registration.support import make_event, messages, registrations, sign_up


def _closing_fields(moment) -> dict[str, str]:
    local = utc_to_london_naive(moment)
    return {"closes_at-day": str(local.day), "closes_at-month": str(local.month),
            "closes_at-year": str(local.year), "closes_at-time": local.strftime("%H:%M")}


def test_a_manager_opens_registration_and_gets_the_page_and_short_link(app, manager_client):
    touchpoint = make_touchpoint(planned_at=utcnow() + timedelta(days=5))
    db.session.commit()
    page = manager_client.get(f"/campaigns/touchpoints/{touchpoint.id}")
    assert "Open registration" in page.get_data(as_text=True)
    form = manager_client.get(f"/registrations/{touchpoint.id}/settings")
    assert form.status_code == 200
    response = manager_client.post(f"/registrations/{touchpoint.id}/settings",
                                   data={"is_open": "y", "capacity": "30", "waiting_list": "y"})
    assert response.status_code == 302
    settings = db.session.get(RegistrationSettings, touchpoint.id)
    assert settings is not None and settings.capacity == 30 and settings.is_open
    shown = manager_client.get(f"/campaigns/touchpoints/{touchpoint.id}").get_data(as_text=True)
    assert f"/register/{settings.code}" in shown
    assert f"/q/{settings.short_link.code}" in shown


def test_closing_after_the_start_is_refused_with_nothing_saved(app, manager_client):
    touchpoint = make_touchpoint(planned_at=utcnow() + timedelta(days=5))
    db.session.commit()
    response = manager_client.post(
        f"/registrations/{touchpoint.id}/settings",
        data={"is_open": "y", **_closing_fields(touchpoint.planned_at + timedelta(days=1))})
    assert response.status_code == 409
    assert "must close by the start" in response.get_data(as_text=True)
    assert db.session.get(RegistrationSettings, touchpoint.id) is None


def test_a_bad_number_of_places_is_refused(app, manager_client):
    touchpoint = make_touchpoint(planned_at=utcnow() + timedelta(days=5))
    db.session.commit()
    for capacity in ("0", "-3", "lots", "99999999999999999999"):
        response = manager_client.post(f"/registrations/{touchpoint.id}/settings",
                                       data={"is_open": "y", "capacity": capacity})
        assert response.status_code == 400, capacity
    assert db.session.get(RegistrationSettings, touchpoint.id) is None


def test_more_places_move_the_waiting_list_up(app, manager_client):
    event = make_event(capacity=1)
    sign_up(event, "first@example.org")
    sign_up(event, "second@example.org", now=utcnow() + timedelta(seconds=1))
    db.session.commit()
    response = manager_client.post(f"/registrations/{event.touchpoint_id}/settings",
                                   data={"is_open": "y", "capacity": "2", "waiting_list": "y"})
    assert response.status_code == 302
    assert [r.status for r in registrations(event.touchpoint_id)] == [
        RegistrationStatus.REGISTERED, RegistrationStatus.REGISTERED]
    assert len(messages("registration_promoted")) == 1


def test_the_registrants_page_lists_places_and_the_waiting_list_in_order(app, manager_client):
    event = make_event(capacity=1)
    sign_up(event, "first@example.org")
    sign_up(event, "second@example.org", now=utcnow() + timedelta(seconds=1))
    db.session.commit()
    page = manager_client.get(f"/registrations/{event.touchpoint_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1 registered of 1" in text and "1 on the waiting list" in text
    assert text.index("first@example.org") < text.index("second@example.org")

    csv = manager_client.get(f"/registrations/{event.touchpoint_id}.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0].startswith("Status,Name,Email")
    assert len(lines) == 3


def test_the_registrants_list_is_for_managers_only(app, steering_client):
    event = make_event()
    db.session.commit()
    for path in (f"/registrations/{event.touchpoint_id}",
                 f"/registrations/{event.touchpoint_id}.csv",
                 f"/registrations/{event.touchpoint_id}/settings"):
        assert steering_client.get(path).status_code == 403
    anonymous = app.test_client().get(f"/registrations/{event.touchpoint_id}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_a_steering_member_sees_counts_but_not_the_links(app, login):
    event = make_event()
    sign_up(event, "first@example.org")
    db.session.commit()
    client = login(Role.STEERING)
    page = client.get(f"/campaigns/touchpoints/{event.touchpoint_id}").get_data(as_text=True)
    assert "1 registered" in page
    assert "See who registered" not in page and "Change registration" not in page


def test_no_registration_section_for_a_newsletter(app, manager_client):
    touchpoint = make_touchpoint(channel=Channel.NEWSLETTER)
    db.session.commit()
    page = manager_client.get(f"/campaigns/touchpoints/{touchpoint.id}").get_data(as_text=True)
    assert "Open registration" not in page
    response = manager_client.post(f"/registrations/{touchpoint.id}/settings",
                                   data={"is_open": "y"})
    assert response.status_code == 409
    assert "only webinars" in response.get_data(as_text=True)


def test_unknown_touchpoints_are_404(app, manager_client):
    for path in ("/registrations/999999/settings", "/registrations/999999",
                 "/registrations/999999.csv"):
        assert manager_client.get(path).status_code == 404


def test_the_short_links_page_and_poster_name_the_event(app, manager_client):
    event = make_event()
    db.session.commit()
    link = event.short_link
    shown = manager_client.get(f"/links/{link.id}").get_data(as_text=True)
    assert f'href="/register/{event.code}"' in shown
    poster = manager_client.get(f"/links/{link.id}/poster").get_data(as_text=True)
    assert event.touchpoint.title in poster
    assert "only to book your place" in poster and "does not ask for your name" not in poster


def test_the_registrants_page_runs_as_many_queries_for_five_times_the_people(
        app, manager_client, count_queries):
    def queries_for(people: int) -> int:
        event = make_event(capacity=people // 2 + 1)
        for n in range(people):
            sign_up(event, f"p{n}.{people}@example.org", now=utcnow() + timedelta(seconds=n))
        db.session.commit()
        with count_queries() as counted:
            assert manager_client.get(f"/registrations/{event.touchpoint_id}").status_code == 200
        return counted.count

    assert queries_for(4) == queries_for(20)
