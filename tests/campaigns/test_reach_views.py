"""The reach form and voiding records through the pages."""

from __future__ import annotations

import re

from sqlalchemy import select

from engage.campaigns.models import Channel, Engagement, EngagementKind, EngagementTier
from engage.extensions import db
from tests.campaigns.support import NOW, ledger_rows, text, utc
from tests.factories import (
    make_campaign,
    make_engagement,
    make_locality,
    make_organisation,
    make_touchpoint,
)


def test_the_form_suggests_the_usual_kind_and_the_touchpoints_time(app, manager_client):
    touchpoint = make_touchpoint(make_campaign(), channel=Channel.NEWSLETTER,
                                 actual_at=utc(2021, 10, 5, 9))
    db.session.commit()
    page = text(manager_client.get(f"/campaigns/touchpoints/{touchpoint.id}/reach"))
    assert '<option selected value="received">' in page
    for part, value in (("day", "5"), ("month", "10"), ("year", "2021"), ("time", "10:00")):
        assert re.search(rf'name="occurred_at-{part}"[^>]*value="{value}"', page)  # UK time
    assert re.search(r'<input checked[^>]*value="audience"', page)


def test_record_by_codes_then_the_whole_audience(app, manager_client):
    campaign = make_campaign()
    touchpoint = make_touchpoint(campaign, title="Launch webinar")
    a = make_organisation(ods_code="D81001")
    make_organisation(ods_code="D81002")
    db.session.commit()
    url = f"/campaigns/touchpoints/{touchpoint.id}/reach"
    response = manager_client.post(url, data={
        "who": "codes", "codes": "d81001", "kind": "attended", "occurred_at": "2021-09-14T12:30",
        "people": "3", "note": "Two GPs and the PM"})
    assert response.status_code == 302
    row = db.session.scalar(select(Engagement))
    assert (row.organisation_id, row.kind, row.people, row.occurred_at, row.note) == (
        a.id, EngagementKind.ATTENDED, 3, utc(2021, 9, 14, 11, 30), "Two GPs and the PM")
    response = manager_client.post(url, data={
        "who": "audience", "kind": "attended", "occurred_at": "2021-09-14T12:30", "people": "1"},
        follow_redirects=True)
    assert "Recorded 1 organisation as reached by Launch webinar" in text(response)
    assert "Recorded by hand: Two GPs and the PM" in text(response)
    assert "1 organisation was already recorded that way" in text(response)
    assert ledger_rows() == 2


def test_a_phone_call_is_recorded_as_engaged_only_when_the_form_says_so(app, manager_client):
    touchpoint = make_touchpoint(channel=Channel.PHONE_CALL, actual_at=utc(2021, 9, 14, 9))
    make_organisation(ods_code="D81001")
    make_organisation(ods_code="D81002")
    db.session.commit()
    url = f"/campaigns/touchpoints/{touchpoint.id}/reach"
    page = text(manager_client.get(url))
    assert "For a phone call or other contact: did they engage?" in page
    base = {"who": "codes", "kind": "called", "occurred_at": "2021-09-14T10:30", "people": "1"}
    assert manager_client.post(url, data={**base, "codes": "D81001"}).status_code == 302
    assert manager_client.post(url, data={**base, "codes": "D81002",
                                          "tier": "engaged"}).status_code == 302
    # An invitation stays contacted whatever the form says.
    assert manager_client.post(url, data={**base, "codes": "D81002", "kind": "invited",
                                          "tier": "engaged"}).status_code == 302
    rows = db.session.execute(select(Engagement.kind, Engagement.tier)
                              .order_by(Engagement.id)).all()
    assert [tuple(r) for r in rows] == [
        (EngagementKind.CALLED, EngagementTier.CONTACTED),
        (EngagementKind.CALLED, EngagementTier.ENGAGED),
        (EngagementKind.INVITED, EngagementTier.CONTACTED)]


def test_bad_reach_is_refused_with_a_message_and_nothing_written(app, manager_client):
    touchpoint = make_touchpoint()
    make_organisation(ods_code="D81001")
    make_locality("Empty")
    db.session.commit()
    url = f"/campaigns/touchpoints/{touchpoint.id}/reach"
    base = {"who": "codes", "kind": "attended", "occurred_at": "2021-09-14T12:30", "people": "1"}
    for data, message in (
        ({"codes": ""}, "Enter at least one ODS code"),
        ({"codes": "D81001 NOPE9"}, "Not in the directory: NOPE9"),
        ({"codes": "D81001", "people": "-2"}, "Enter a whole number from 0 to 100,000"),
        ({"codes": "D81001", "occurred_at": ""}, "Enter when they were reached"),
        ({"who": "locality", "locality_id": ""}, "Choose a locality"),
        ({"who": "audience"}, "not part of a campaign"),
    ):
        response = manager_client.post(url, data={**base, **data})
        assert response.status_code == 400, data
        assert message in text(response), data
    assert ledger_rows() == 0


def test_void_a_record_with_a_reason(app, manager_client):
    org = make_organisation(name="Wrong Surgery")
    touchpoint = make_touchpoint()
    row = make_engagement(org, touchpoint=touchpoint)
    db.session.commit()
    url = f"/campaigns/engagement/{row.id}/void"
    assert "Wrong Surgery" in text(manager_client.get(url))
    missing = manager_client.post(url, data={"reason": ""})
    assert missing.status_code == 400 and "Say why the record is being voided" in text(missing)
    response = manager_client.post(url, data={"reason": "Recorded against the wrong practice"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/campaigns/touchpoints/{touchpoint.id}"
    db.session.expire_all()
    assert db.session.get(Engagement, row.id).void_reason == "Recorded against the wrong practice"
    again = manager_client.post(url, data={"reason": "again"})
    assert again.status_code == 409 and "already voided" in text(again)
    page = text(manager_client.get(f"/campaigns/touchpoints/{touchpoint.id}"))
    assert "Recorded against the wrong practice" in page and "engage-voided" in page


def test_void_returns_only_to_this_apps_pages(app, manager_client):
    org = make_organisation()
    row = make_engagement(org)
    db.session.commit()
    response = manager_client.post(f"/campaigns/engagement/{row.id}/void",
                                   data={"reason": "Duplicate", "next": "https://evil.example/"})
    assert response.headers["Location"] == f"/directory/organisations/{org.ods_code}"


def test_void_everything_a_touchpoint_recorded(app, manager_client):
    touchpoint = make_touchpoint(title="Newsletter")
    for _ in range(3):
        make_engagement(touchpoint=touchpoint)
    db.session.commit()
    url = f"/campaigns/touchpoints/{touchpoint.id}/void-reach"
    assert manager_client.post(url, data={"reason": ""}).status_code == 400
    response = manager_client.post(url, data={"reason": "Sent to the wrong list"},
                                   follow_redirects=True)
    assert "Voided 3 records of Newsletter" in text(response)
    assert all(r.voided_at is not None for r in db.session.scalars(select(Engagement)))
    again = manager_client.post(url, data={"reason": "again"})
    assert again.status_code == 400 and "no reach recorded that still counts" in text(again)


def test_void_time_is_recorded(app, manager_client):
    row = make_engagement()
    db.session.commit()
    manager_client.post(f"/campaigns/engagement/{row.id}/void", data={"reason": "Duplicate"})
    db.session.expire_all()
    voided_at = db.session.get(Engagement, row.id).voided_at
    assert voided_at is not None and voided_at > NOW


def test_void_from_the_organisation_page_returns_there(app, manager_client):
    org = make_organisation()
    row = make_engagement(org, touchpoint=make_touchpoint())
    db.session.commit()
    page = text(manager_client.get(f"/directory/organisations/{org.ods_code}"))
    link = f"/campaigns/engagement/{row.id}/void?next=/directory/organisations/{org.ods_code}"
    assert link in page
    form = text(manager_client.get(link))
    assert f'name="next" value="/directory/organisations/{org.ods_code}"' in form
    response = manager_client.post(f"/campaigns/engagement/{row.id}/void", data={
        "reason": "Duplicate", "next": f"/directory/organisations/{org.ods_code}"})
    assert response.headers["Location"] == f"/directory/organisations/{org.ods_code}"
