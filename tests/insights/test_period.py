"""The period shown when none was chosen: the latest 12 months with data, or the campaign's dates;
and a chosen period with no data says where the data is."""

import csv
import html
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from engage.campaigns.models import Channel
from engage.extensions import db
from engage.insights.models import ReportSnapshot
from engage.insights.period import latest_data_day
from engage.links.models import Device, Scan
from tests.factories import make_campaign, make_referral, make_service, make_short_link
from tests.insights.helpers import engage, two_localities

LATEST = "Showing the latest 12 months with data: 1 May 2021 to 30 April 2022."
PAGES = ["/insights/", "/insights/coverage", "/insights/matrix", "/insights/cold",
         "/insights/awareness", "/insights/equity", "/insights/report", "/insights/outreach"]


@pytest.fixture()
def scene(app):
    """Data in March and April 2022 only: years before today, as after an old import."""
    fens, cambridge, orgs = two_localities()
    engage(orgs["f1"], datetime(2022, 3, 1, 10, tzinfo=UTC))
    engage(orgs["c1"], datetime(2022, 4, 1, 10, tzinfo=UTC), Channel.WEBINAR)
    service = make_service(name="Wellbeing App")
    make_referral(organisation_id=orgs["f1"].id, service_id=service.id, count=12,
                  referred_on=date(2022, 3, 1))
    make_referral(organisation_id=orgs["c1"].id, service_id=service.id, count=2,
                  referred_on=date(2022, 4, 1))
    db.session.commit()
    return {"orgs": orgs, "service": service}


def text(response):
    """The page's words with inline marks (a figure's <span data-figure>) taken out."""
    page = re.sub(r"</?span[^>]*>", "", response.get_data(as_text=True))
    return html.unescape(re.sub(r"\s+", " ", page))


@pytest.mark.parametrize("path", PAGES)
def test_every_page_opens_on_the_latest_12_months_with_data(scene, steering_client, path):
    response = steering_client.get(path)
    assert response.status_code == 200, text(response)[:2000]
    page = text(response)
    assert LATEST in page
    assert "1 May 2021 to 30 April 2022" in page


def test_the_report_opens_on_the_data_not_on_an_empty_year(scene, steering_client):
    page = text(steering_client.get("/insights/report"))
    assert "2 of 6 target organisations engaged (33%); 2 contacted (33%)" in page
    assert "No data in this period" not in page


def test_a_default_period_stays_out_of_links_and_the_form(scene, steering_client):
    page = steering_client.get("/insights/").get_data(as_text=True)
    assert "/insights/coverage?start=" not in page
    start = re.search(r'<input[^>]*name="start-year"[^>]*>', page)
    assert start and 'value="2' not in start.group(0)
    chosen = steering_client.get("/insights/?start=2022-01-01&end=2022-06-30")
    assert "/insights/coverage?start=2022-01-01" in chosen.get_data(as_text=True)


def test_choosing_a_campaign_shows_its_dates(scene, steering_client):
    campaign = make_campaign(name="Spring push", start_date=date(2022, 4, 1),
                             end_date=date(2022, 4, 30))
    engage(scene["orgs"]["c2"], datetime(2022, 4, 10, 10, tzinfo=UTC), campaign_id=campaign.id)
    engage(scene["orgs"]["f2"], datetime(2022, 2, 10, 10, tzinfo=UTC), campaign_id=campaign.id)
    db.session.commit()
    page = text(steering_client.get(f"/insights/coverage?campaign={campaign.id}"))
    assert "Showing the campaign's dates: 1 April 2022 to 30 April 2022." in page
    assert "1 April 2022 to 30 April 2022; campaign Spring push" in page
    assert "Engaged: 1 of 6" in page


def test_a_period_the_user_chose_is_kept_with_a_campaign(scene, steering_client):
    campaign = make_campaign(start_date=date(2022, 4, 1), end_date=date(2022, 4, 30))
    db.session.commit()
    page = text(steering_client.get(
        f"/insights/coverage?campaign={campaign.id}&start=2022-01-01&end=2022-06-30"))
    assert "1 January 2022 to 30 June 2022; campaign" in page
    assert "Showing the campaign's dates" not in page


def test_a_period_with_no_data_says_where_the_data_is(scene, steering_client):
    response = steering_client.get("/insights/report?start=2030-01-01&end=2030-03-31")
    assert response.status_code == 200
    page = text(response)
    assert ("No engagement, referrals or scans were recorded between 1 January 2030 and "
            "31 March 2030") in page
    assert "The latest data is in April 2022" in page
    assert "start=2021-05-01&end=2022-04-30" in page


def test_a_period_before_any_data_says_where_the_data_is(scene, manager_client):
    page = text(manager_client.get("/insights/coverage?start=2019-01-01&end=2019-12-31"))
    assert "No data in this period" in page
    assert "The latest data is in April 2022" in page


def test_with_no_data_at_all_the_page_says_so(app, steering_client):
    page = text(steering_client.get("/insights/report"))
    assert "Nothing has been recorded yet: no engagement, referrals or scans." in page


def test_a_snapshot_keeps_the_period_it_showed(scene, manager_client):
    page = manager_client.get("/insights/report").get_data(as_text=True)
    assert '<input type="hidden" name="start" value="2021-05-01">' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    data = {"title": "Steering", "start": "2021-05-01", "end": "2022-04-30",
            **({"csrf_token": token.group(1)} if token else {})}
    assert manager_client.post("/insights/snapshots", data=data).status_code == 302
    saved = db.session.scalar(db.select(ReportSnapshot))
    assert saved.figures["filters"]["start"] == "2021-05-01"


def test_future_engagement_and_superseded_referrals_are_not_the_latest_data(scene):
    later = datetime.now(UTC) + timedelta(days=40)
    engage(scene["orgs"]["f3"], later)
    db.session.commit()
    assert latest_data_day(db.session, datetime.now(UTC).date()) == date(2022, 4, 1)


def test_scans_count_as_data(scene):
    link = make_short_link()
    db.session.add(Scan(link_id=link.id, at=datetime(2023, 2, 3, 9, tzinfo=UTC),
                        day=date(2023, 2, 3), device=Device.MOBILE, visitor_key="k"))
    db.session.commit()
    assert latest_data_day(db.session, date(2026, 1, 1)) == date(2023, 2, 3)
    assert latest_data_day(db.session, date(2022, 12, 31)) == date(2022, 4, 1)


def run(runner, *args):
    return runner.invoke(args=["insights", "export", *args])


def test_cli_export_defaults_to_the_latest_12_months_with_data(scene, runner):
    result = run(runner, "coverage")
    assert result.exit_code == 0, result.output
    assert LATEST in result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert ["overall", "All target organisations", "6", "2", "4", "33", "2", "33"] in rows


def test_cli_export_with_a_campaign_uses_its_dates(scene, runner):
    campaign = make_campaign(start_date=date(2022, 3, 1), end_date=date(2022, 3, 31))
    engage(scene["orgs"]["f2"], datetime(2022, 3, 9, 10, tzinfo=UTC), campaign_id=campaign.id)
    db.session.commit()
    result = run(runner, "uptake", "--campaign", str(campaign.id))
    assert result.exit_code == 0, result.output
    assert "1 March 2022 to 31 March 2022" in result.stderr
    assert result.stdout.splitlines()[1:] == ["2022-03,12,12"]


def test_cli_export_of_an_empty_period_says_where_the_data_is(scene, runner):
    result = run(runner, "coverage", "--start", "2030-01-01", "--end", "2030-01-31")
    assert result.exit_code == 0
    assert "The latest data is in April 2022" in result.stderr


def test_outreach_long_after_the_last_referrals_does_not_empty_the_default(scene, steering_client,
                                                                           runner):
    """A bulletin sent years after the last referral import (the demo's winter campaign) would
    open every page on months with no uptake at all; the default stays on the referral months
    and says where the later outreach is."""
    engage(scene["orgs"]["f2"], datetime(2026, 10, 20, 10, tzinfo=UTC), Channel.NEWSLETTER)
    db.session.commit()
    for path in ("/insights/report", "/insights/outreach", "/insights/coverage"):
        page = text(steering_client.get(path))
        assert ("Showing the latest 12 months with referral figures: 1 May 2021 to "
                "30 April 2022. Outreach or scans were recorded later, up to 20 October 2026, "
                "but no referral figures have been imported for those months") in page, path
    assert "2 of 6 target organisations engaged" in text(steering_client.get("/insights/report"))
    result = run(runner, "coverage")
    assert result.exit_code == 0, result.output
    assert "latest 12 months with referral figures: 1 May 2021 to 30 April 2022" in result.stderr


def test_referrals_a_few_months_behind_the_outreach_keep_the_latest_months(scene,
                                                                            steering_client):
    """The usual live case: referral figures lag the outreach by a month or two, and the
    latest outreach stays in the default period."""
    engage(scene["orgs"]["f2"], datetime(2022, 7, 20, 10, tzinfo=UTC), Channel.NEWSLETTER)
    db.session.commit()
    page = text(steering_client.get("/insights/coverage"))
    assert "Showing the latest 12 months with data: 1 August 2021 to 31 July 2022." in page
