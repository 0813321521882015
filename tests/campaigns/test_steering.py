"""The steering group sees every campaign page and changes nothing."""

from __future__ import annotations

from engage.campaigns.models import Campaign, CampaignTarget, Engagement, Touchpoint
from engage.extensions import db
from tests.campaigns.support import count, text
from tests.factories import (
    make_campaign,
    make_campaign_target,
    make_engagement,
    make_organisation,
    make_touchpoint,
)


def test_steering_reads_everything_without_the_buttons(app, steering_client):
    campaign = make_campaign(name="Launch")
    touchpoint = make_touchpoint(campaign, title="Launch webinar")
    org = make_organisation()
    make_engagement(org, touchpoint=touchpoint)
    make_campaign_target(campaign)
    db.session.commit()
    pages = {
        "/campaigns/": ("Plan a campaign",),
        f"/campaigns/{campaign.id}": ("Change the campaign", "Add a target", "Remove",
                                     "Delete"),
        f"/campaigns/{campaign.id}/organisations": (),
        "/campaigns/touchpoints/": ("Plan or log a touchpoint",),
        f"/campaigns/touchpoints/{touchpoint.id}": ("Record who it reached", "Mark as done",
                                                    "Cancel this touchpoint", "Void"),
        f"/directory/organisations/{org.ods_code}": ("Void",),
    }
    for url, hidden in pages.items():
        response = steering_client.get(url)
        assert response.status_code == 200, url
        for words in hidden:
            assert words not in text(response), (url, words)


def test_steering_changes_nothing(app, steering_client):
    campaign = make_campaign(name="Launch")
    touchpoint = make_touchpoint(campaign)
    row = make_engagement(touchpoint=touchpoint)
    target = make_campaign_target(campaign)
    db.session.commit()
    before = (count(Campaign), count(Touchpoint), count(Engagement), count(CampaignTarget))
    for url, data in (
        ("/campaigns/new", {"name": "Mine", "start_date": "2022-01-01",
                            "end_date": "2022-02-01", "status": "draft"}),
        (f"/campaigns/{campaign.id}/edit", {"name": "Renamed"}),
        (f"/campaigns/{campaign.id}/targets", {"target_count": "3", "due_date": "2022-01-01"}),
        (f"/campaigns/{campaign.id}/targets/{target.id}/remove", {}),
        ("/campaigns/touchpoints/new", {"channel": "webinar", "title": "Mine",
                                        "planned_at": "2022-01-01T10:00"}),
        (f"/campaigns/touchpoints/{touchpoint.id}/edit", {"title": "Renamed"}),
        (f"/campaigns/touchpoints/{touchpoint.id}/done", {"actual_at": "2022-01-01T10:00"}),
        (f"/campaigns/touchpoints/{touchpoint.id}/cancel", {}),
        (f"/campaigns/touchpoints/{touchpoint.id}/reach", {"who": "audience",
                                                           "kind": "received"}),
        (f"/campaigns/touchpoints/{touchpoint.id}/void-reach", {"reason": "no"}),
        (f"/campaigns/engagement/{row.id}/void", {"reason": "no"}),
    ):
        assert steering_client.post(url, data=data).status_code == 403, url
    assert steering_client.get(f"/campaigns/touchpoints/{touchpoint.id}/reach").status_code == 403
    db.session.expire_all()
    assert (count(Campaign), count(Touchpoint), count(Engagement), count(CampaignTarget)) == before
    assert db.session.get(Campaign, campaign.id).name == "Launch"
    assert db.session.get(Engagement, row.id).voided_at is None
