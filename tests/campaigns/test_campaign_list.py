"""The campaign list: paged like every other list, and a page costs the same number of queries
however many campaigns there are."""

from __future__ import annotations

from datetime import date, timedelta

from engage.campaigns.models import EngagementKind
from engage.campaigns.views import CAMPAIGNS_PER_PAGE
from engage.extensions import db
from tests.campaigns.support import text, utc
from tests.factories import make_campaign, make_engagement, make_organisation


def _campaigns(n: int, start: int = 0) -> list:
    """`n` campaigns, the first starting latest (the list shows the latest first)."""
    first = date(2022, 6, 1)
    return [make_campaign(name=f"Campaign {i:03d}", start_date=first - timedelta(days=i))
            for i in range(start, start + n)]


def test_the_campaign_list_shows_reach_per_campaign(app, steering_client):
    org = make_organisation()
    make_organisation()
    reached, _ = _campaigns(2)
    make_engagement(org, campaign_id=reached.id, kind=EngagementKind.ATTENDED,
                    occurred_at=utc(2021, 9, 1, 10))
    db.session.commit()
    page = text(steering_client.get("/campaigns/"))
    assert "Campaign 000" in page and "Campaign 001" in page
    assert "1 (50%)" in page and "0 (0%)" in page


def test_the_campaign_list_is_paged(app, steering_client):
    _campaigns(CAMPAIGNS_PER_PAGE + 1)
    db.session.commit()
    first = text(steering_client.get("/campaigns/"))
    assert "Campaign 000" in first and f"Campaign {CAMPAIGNS_PER_PAGE:03d}" not in first
    assert 'href="/campaigns/?page=2"' in first and "Pages of campaigns" in first
    second = text(steering_client.get("/campaigns/?page=2"))
    assert f"Campaign {CAMPAIGNS_PER_PAGE:03d}" in second and "Campaign 000" not in second
    assert "page 2 of 2" in second


def test_a_bad_page_is_the_first_and_a_page_past_the_end_is_empty(app, steering_client):
    _campaigns(CAMPAIGNS_PER_PAGE + 1)
    db.session.commit()
    for bad in ("x", "0", "-3", "99999999999"):
        response = steering_client.get(f"/campaigns/?page={bad}")
        assert response.status_code == 200
        assert "Campaign 000" in text(response)
    beyond = steering_client.get("/campaigns/?page=9")
    assert beyond.status_code == 200
    page = text(beyond)
    assert "Campaign 0" not in page and "No campaigns yet" not in page


def _queries_for_the_list(client, count_queries) -> int:
    with count_queries() as counted:
        assert client.get("/campaigns/").status_code == 200
    return counted.count


def test_the_list_costs_the_same_queries_for_5_and_50_campaigns(app, steering_client,
                                                                 count_queries):
    make_organisation()
    _campaigns(5)
    db.session.commit()
    with_five = _queries_for_the_list(steering_client, count_queries)
    _campaigns(45, start=5)
    db.session.commit()
    with_fifty = _queries_for_the_list(steering_client, count_queries)
    assert with_five == with_fifty
