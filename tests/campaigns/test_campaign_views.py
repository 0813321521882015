"""Campaign pages: list, plan, change, audience, targets; bad input is refused, changes nothing."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from engage.campaigns.models import (
    Campaign,
    CampaignStatus,
    CampaignTarget,
    EngagementKind,
    EngagementTier,
    TargetMeasure,
)
from engage.extensions import db
from tests.campaigns.support import count, text, utc
from tests.factories import (
    make_campaign,
    make_campaign_target,
    make_engagement,
    make_locality,
    make_organisation,
    make_service,
    make_touchpoint,
)

VALID = {"name": "OH service launch", "objective": "Reach every practice.", "owner_id": "",
         "status": "active", "start_date": "2021-06-01", "end_date": "2022-06-30"}


def test_a_manager_plans_a_campaign(app, manager_client):
    fens = make_locality("Fens")
    service = make_service(name="Wellbeing App")
    make_organisation(ods_code="D81001")
    db.session.commit()
    form = manager_client.get("/campaigns/new")
    assert form.status_code == 200 and "Plan a campaign" in text(form)
    response = manager_client.post("/campaigns/new", data={
        **VALID, "services": [str(service.id)], "kinds": ["gp_practice"],
        "localities": [str(fens.id)], "include_codes": "d81001"})
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert response.headers["Location"] == f"/campaigns/{campaign.id}"
    assert campaign.status is CampaignStatus.ACTIVE and campaign.services == [service]
    assert campaign.audience_kinds == ["gp_practice"]
    assert campaign.audience_locality_ids == [fens.id]
    assert len(campaign.overrides) == 1
    page = text(manager_client.get(f"/campaigns/{campaign.id}"))
    assert "Active GP practices in Fens; plus 1 included by hand." in page


def test_end_before_start_is_refused_and_nothing_is_saved(app, manager_client):
    response = manager_client.post("/campaigns/new", data={**VALID, "end_date": "2021-05-31"})
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page
    assert "The end date must be the same as or after the start date" in page
    assert count(Campaign) == 0


def test_an_unknown_code_in_the_audience_is_refused(app, manager_client):
    response = manager_client.post("/campaigns/new", data={**VALID, "include_codes": "ZZ999"})
    assert response.status_code == 400 and "Not in the directory: ZZ999" in text(response)
    response = manager_client.post("/campaigns/new", data={**VALID, "exclude_codes": "A-1"})
    assert response.status_code == 400 and "is not an ODS code" in text(response)
    assert count(Campaign) == 0


def test_missing_dates_and_name_are_asked_for(app, manager_client):
    response = manager_client.post("/campaigns/new", data={"status": "draft"})
    assert response.status_code == 400
    page = text(response)
    for message in ("Enter the campaign&#39;s name", "Enter the start date", "Enter the end date"):
        assert message in page


def test_editing_keeps_the_form_filled_and_a_bad_edit_changes_nothing(app, manager_client):
    campaign = make_campaign(name="Launch", audience_pcns=["Wisbech PCN"])
    make_organisation(pcn="Wisbech PCN")
    db.session.commit()
    form = text(manager_client.get(f"/campaigns/{campaign.id}/edit"))
    assert 'value="Launch"' in form
    assert re.search(r'<input checked[^>]*value="Wisbech PCN"', form)
    bad = manager_client.post(f"/campaigns/{campaign.id}/edit",
                              data={**VALID, "name": "Renamed", "end_date": "2020-01-01"})
    assert bad.status_code == 400
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).name == "Launch"
    good = manager_client.post(f"/campaigns/{campaign.id}/edit",
                               data={**VALID, "name": "Renamed"})
    assert good.status_code == 302
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).name == "Renamed"


def test_the_campaign_page_shows_progress_targets_touchpoints_and_the_unreached(app,
                                                                               steering_client):
    fens = make_locality("Fens")
    campaign = make_campaign(name="Launch", start_date=date(2021, 6, 1),
                             end_date=date(2022, 6, 30))
    reached = make_organisation(name="Reached Surgery", locality_id=fens.id)
    make_organisation(name="Waiting Surgery", locality_id=fens.id)
    webinar = make_touchpoint(campaign, title="Launch webinar")
    make_engagement(reached, touchpoint=webinar, occurred_at=utc(2021, 9, 14, 11, 30))
    invited = make_organisation(name="Invited Surgery", locality_id=fens.id)
    make_engagement(invited, touchpoint=webinar, kind=EngagementKind.INVITED,
                    occurred_at=utc(2021, 9, 1, 9, 0))
    make_campaign_target(campaign, locality_id=fens.id, target_count=2,
                         due_date=date(2022, 6, 30))
    db.session.commit()
    page = text(steering_client.get(f"/campaigns/{campaign.id}"))
    assert "3</span> in the audience" in page and "1</span> engaged (33%)" in page
    assert "2</span> contacted (67%)" in page and "1 contacted</a>" in page
    assert "Engaged</strong>: Someone at the organisation did something" in page
    assert "Organisations in Fens" in page and "Missed" in page
    assert "1 engaged of 2" in page and "(2 contacted)" in page
    assert "Launch webinar" in page and "Waiting Surgery" in page
    unreached = page.split('id="unreached"')[1]
    assert "Reached Surgery" not in unreached and "Invited Surgery" in unreached
    listing = text(steering_client.get("/campaigns/"))
    assert "Launch" in listing and "1 (33%)" in listing and "2 (67%)" in listing


def test_the_audience_list_filters_and_ignores_nonsense(app, steering_client):
    fens = make_locality("Fens")
    campaign = make_campaign()
    make_organisation(name="Fen Surgery", locality_id=fens.id)
    make_organisation(name="City Surgery")
    db.session.commit()
    url = f"/campaigns/{campaign.id}/organisations"
    page = text(steering_client.get(url, query_string={"locality": fens.id}))
    assert "Fen Surgery" in page and "City Surgery" not in page
    page = text(steering_client.get(url, query_string={"show": "not_engaged",
                                                       "locality": "none"}))
    assert "City Surgery" in page and "Fen Surgery" not in page
    page = text(steering_client.get(url, query_string={"show": "x", "kind": "x", "page": "-3"}))
    assert "Fen Surgery" in page and "City Surgery" in page


def test_targets_are_added_and_removed(app, manager_client):
    fens = make_locality("Fens")
    campaign = make_campaign()
    for _ in range(12):
        make_organisation(locality_id=fens.id)
    db.session.commit()
    response = manager_client.post(f"/campaigns/{campaign.id}/targets", data={
        "locality_id": str(fens.id), "kind": "gp_practice", "target_count": "12",
        "due_date": "2022-03-31", "tier": "contacted", "measure": "count"})
    assert response.status_code == 302
    target = db.session.scalar(select(CampaignTarget))
    assert (target.locality_id, target.kind, target.target_count, target.tier,
            target.measure) == (fens.id, "gp_practice", 12, EngagementTier.CONTACTED,
                                TargetMeasure.COUNT)
    response = manager_client.post(
        f"/campaigns/{campaign.id}/targets/{target.id}/remove")
    assert response.status_code == 302 and count(CampaignTarget) == 0
    assert manager_client.post(f"/campaigns/{campaign.id}/targets/{target.id}/remove"
                               ).status_code == 404


def test_a_bad_target_is_refused(app, manager_client):
    campaign = make_campaign(start_date=date(2021, 6, 1))
    db.session.commit()
    url = f"/campaigns/{campaign.id}/targets"
    response = manager_client.post(url, data={"target_count": "0", "due_date": "2022-01-01"})
    assert response.status_code == 400 and "Enter a whole number from 1 to 100,000" in text(
        response)
    response = manager_client.post(url, data={"target_count": "5", "due_date": "2021-01-01"})
    assert response.status_code == 400 and "before the campaign starts" in text(response)
    assert count(CampaignTarget) == 0


def test_a_target_larger_than_the_audience_gets_a_clear_message(app, manager_client):
    campaign = make_campaign(start_date=date(2021, 6, 1))
    for _ in range(23):
        make_organisation()
    db.session.commit()
    url = f"/campaigns/{campaign.id}/targets"
    response = manager_client.post(url, data={"target_count": "30", "due_date": "2022-01-01"})
    assert response.status_code == 400
    assert ("The target is 30 organisations but only 23 of the audience are in its scope. "
            "Enter 23 or fewer, or set the target as a percentage of the audience.") in text(
        response)
    response = manager_client.post(url, data={"target_count": "120", "measure": "percent",
                                              "due_date": "2022-01-01"})
    assert response.status_code == 400
    assert "Enter the percentage of the audience as a whole number from 1 to 100" in text(
        response)
    assert count(CampaignTarget) == 0
    response = manager_client.post(url, data={"target_count": "50", "measure": "percent",
                                              "due_date": "2022-01-01"})
    assert response.status_code == 302
    page = text(manager_client.get(f"/campaigns/{campaign.id}"))
    assert "50% engaged (12 of 23)" in page and "0 engaged of 12" in page


def test_unknown_campaigns_are_404(app, manager_client):
    for url in ("/campaigns/999", "/campaigns/999/edit", "/campaigns/999/organisations"):
        assert manager_client.get(url).status_code == 404
