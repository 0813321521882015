"""Touchpoint pages: plan, warn outside the campaign's dates, change, done, cancel, restore."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from engage.campaigns.models import Touchpoint, TouchpointStatus
from engage.extensions import db
from tests.campaigns.support import count, text, utc
from tests.factories import make_campaign, make_engagement, make_service, make_touchpoint

VALID = {"channel": "webinar", "title": "Managing sickness absence", "campaign_id": "",
         "planned_at": "2022-01-19T12:30", "actual_at": "", "duration_minutes": "60",
         "location": "Teams", "owner_id": "", "notes": ""}


def test_a_manager_plans_a_touchpoint_in_uk_time(app, manager_client):
    service = make_service(name="Wellbeing App")
    campaign = make_campaign(start_date=date(2021, 6, 1), end_date=date(2022, 6, 30))
    db.session.commit()
    form = text(manager_client.get(f"/campaigns/touchpoints/new?campaign_id={campaign.id}"))
    assert f'<option selected value="{campaign.id}">' in form
    response = manager_client.post("/campaigns/touchpoints/new", data={
        **VALID, "campaign_id": str(campaign.id), "services": [str(service.id)],
        "planned_at": "2021-07-14T12:30"})
    assert response.status_code == 302
    touchpoint = db.session.scalar(select(Touchpoint))
    assert touchpoint.planned_at == utc(2021, 7, 14, 11, 30)  # 12:30 BST
    assert touchpoint.campaign_id == campaign.id and touchpoint.services == [service]
    page = text(manager_client.get(f"/campaigns/touchpoints/{touchpoint.id}"))
    assert "14 Jul 2021 12:30" in page and "Created" in page


def test_a_date_outside_the_campaign_warns_and_saves_only_when_confirmed(app, manager_client):
    campaign = make_campaign(name="Launch", start_date=date(2021, 6, 1),
                             end_date=date(2022, 6, 30))
    db.session.commit()
    data = {**VALID, "campaign_id": str(campaign.id), "planned_at": "2022-09-01T10:00"}
    warned = manager_client.post("/campaigns/touchpoints/new", data=data)
    assert warned.status_code == 200
    page = text(warned)
    assert "Outside the campaign's dates" in page
    assert "1 September 2022 is outside the campaign &#39;Launch&#39;" in page
    assert "Save anyway" in page and count(Touchpoint) == 0
    saved = manager_client.post("/campaigns/touchpoints/new", data={**data, "confirm_outside": "y"})
    assert saved.status_code == 302 and count(Touchpoint) == 1


def test_a_touchpoint_needs_a_title_and_a_time(app, manager_client):
    response = manager_client.post("/campaigns/touchpoints/new",
                                   data={**VALID, "title": "", "planned_at": ""})
    assert response.status_code == 400
    page = text(response)
    assert "Enter a title for the touchpoint" in page
    assert "Enter when it is planned, or when it happened" in page
    assert count(Touchpoint) == 0
    future = manager_client.post("/campaigns/touchpoints/new",
                                 data={**VALID, "actual_at": "2999-01-01T10:00"})
    assert future.status_code == 400 and "still to come" in text(future)


def test_an_edit_is_kept_in_the_history_and_leaves_the_reach_alone(app, manager_client):
    touchpoint = make_touchpoint(title="Webinar", planned_at=utc(2022, 1, 19, 12, 30))
    row = make_engagement(touchpoint=touchpoint, occurred_at=utc(2022, 1, 19, 12, 30))
    db.session.commit()
    form = text(manager_client.get(f"/campaigns/touchpoints/{touchpoint.id}/edit"))
    for part, value in (("day", "19"), ("month", "1"), ("year", "2022"), ("time", "12:30")):
        assert re.search(rf'name="planned_at-{part}"[^>]*value="{value}"', form)
    response = manager_client.post(f"/campaigns/touchpoints/{touchpoint.id}/edit", data={
        **VALID, "title": "Webinar (moved)", "planned_at": "2022-01-26T12:30"})
    assert response.status_code == 302
    page = text(manager_client.get(f"/campaigns/touchpoints/{touchpoint.id}"))
    assert "Changed title, planned time" in page
    assert "Webinar → Webinar (moved)" in page
    assert "19 Jan 2022 12:30 → 26 Jan 2022 12:30" in page
    db.session.expire_all()
    assert db.session.get(type(row), row.id).occurred_at == utc(2022, 1, 19, 12, 30)


def test_mark_done_cancel_and_restore(app, manager_client):
    touchpoint = make_touchpoint(title="Webinar", planned_at=utc(2022, 1, 19, 12, 30))
    db.session.commit()
    url = f"/campaigns/touchpoints/{touchpoint.id}"
    assert "Mark as done" in text(manager_client.get(url))
    bad = manager_client.post(url + "/done", data={"actual_at": ""})
    assert bad.status_code == 400 and "Enter when it happened" in text(bad)
    assert manager_client.post(url + "/done", data={"actual_at": "2022-01-19T12:40"}
                               ).status_code == 302
    db.session.expire_all()
    assert db.session.get(Touchpoint, touchpoint.id).status is TouchpointStatus.DONE
    assert manager_client.post(url + "/cancel", data={"reason": "Speaker ill"}).status_code == 302
    page = text(manager_client.get(url))
    assert "Cancelled: Speaker ill" in page and "Restore this touchpoint" in page
    edit = manager_client.get(url + "/edit")
    assert edit.status_code == 302  # restore first
    assert manager_client.post(url + "/restore").status_code == 302
    again = manager_client.post(url + "/restore")
    assert again.status_code == 409 and "Only a cancelled touchpoint can be restored" in text(again)
    db.session.expire_all()
    assert db.session.get(Touchpoint, touchpoint.id).status is TouchpointStatus.DONE


def test_the_touchpoint_list_filters_by_status(app, steering_client):
    make_touchpoint(title="Planned one")
    make_touchpoint(title="Cancelled one", status=TouchpointStatus.CANCELLED)
    db.session.commit()
    page = text(steering_client.get("/campaigns/touchpoints/?status=cancelled"))
    assert "Cancelled one" in page and "Planned one" not in page
    page = text(steering_client.get("/campaigns/touchpoints/?status=nonsense"))
    assert "Cancelled one" in page and "Planned one" in page


def test_meeting_touchpoints_offer_the_attendance_import(app, manager_client):
    webinar = make_touchpoint()
    db.session.commit()
    page = text(manager_client.get(f"/campaigns/touchpoints/{webinar.id}"))
    assert "Attendance imports" in page
