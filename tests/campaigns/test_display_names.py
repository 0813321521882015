"""Campaign pages show organisations' names as people read them, in case-blind order."""

from __future__ import annotations

from datetime import date

from engage.campaigns.models import EngagementKind
from engage.extensions import db
from tests.campaigns.support import text, utc
from tests.factories import make_campaign, make_engagement, make_organisation, make_touchpoint


def in_order(page: str, *names: str) -> bool:
    places = [page.find(name) for name in names]
    return -1 not in places and places == sorted(places)


def scene():
    campaign = make_campaign(name="Launch", start_date=date(2021, 6, 1),
                             end_date=date(2022, 6, 30))
    make_organisation(name="CORNERSTONE PRACTICE", ods_code="D81010")
    make_organisation(name="Chatteris Pharmacy", ods_code="FA100")
    make_organisation(name="ST. GEORGE'S MEDICAL CENTRE", ods_code="D81003")
    make_organisation(name="ZETLAND SURGERY", preferred_name="Bury Zetland", ods_code="D81020")
    db.session.commit()
    return campaign


def test_campaign_page_lists_the_unreached_in_proper_case_and_case_blind_order(app,
                                                                               steering_client):
    campaign = scene()
    unreached = text(steering_client.get(f"/campaigns/{campaign.id}")).split('id="unreached"')[1]
    assert in_order(unreached, ">Bury Zetland<", ">Chatteris Pharmacy<",
                    ">Cornerstone Practice<", ">St. George&#39;s Medical Centre<")
    assert "CORNERSTONE" not in unreached and "ZETLAND" not in unreached


def test_audience_list_is_in_proper_case_and_case_blind_order(app, steering_client):
    campaign = scene()
    page = text(steering_client.get(f"/campaigns/{campaign.id}/organisations"))
    assert in_order(page, ">Bury Zetland<", ">Chatteris Pharmacy<", ">Cornerstone Practice<",
                    ">St. George&#39;s Medical Centre<")
    assert "CORNERSTONE" not in page


def test_touchpoint_page_names_reached_organisations_in_proper_case(app, steering_client):
    campaign = scene()
    org = make_organisation(name="ARBURY ROAD SURGERY")
    touchpoint = make_touchpoint(campaign, title="Launch webinar")
    make_engagement(org, touchpoint=touchpoint, kind=EngagementKind.INVITED,
                    occurred_at=utc(2021, 9, 1, 9, 0))
    db.session.commit()
    page = text(steering_client.get(f"/campaigns/touchpoints/{touchpoint.id}"))
    assert ">Arbury Road Surgery<" in page and "ARBURY" not in page
