"""Campaigns in a real browser: plan a campaign, plan a touchpoint, record reach, see progress."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from engage.auth.models import Role
from engage.database import utcnow
from engage.demo.loader import load_demo
from engage.demo.outreach import CAMPAIGN
from engage.directory.models import OrgKind
from engage.extensions import db
from tests.e2e.conftest import BrowserLog
from tests.e2e.helpers import fill_date, follow_nav, make_signed_up_user, sign_in
from tests.factories import make_locality, make_organisation, make_service

pytestmark = pytest.mark.e2e


@pytest.fixture()
def small_directory(app) -> None:
    """Two localities, five practices and two pharmacies, and one service."""
    fens, city = make_locality("Fens"), make_locality("Cambridge")
    for n, (name, locality) in enumerate((("North Brink Practice", fens),
                                          ("Clarkson Surgery", fens),
                                          ("Lensfield Medical Practice", city),
                                          ("Trumpington Street Practice", city),
                                          ("Nuffield Road Medical Centre", city)), start=1):
        make_organisation(ods_code=f"D8100{n}", name=name, locality_id=locality.id)
    make_organisation(ods_code="FA001", name="Wisbech Pharmacy", locality_id=fens.id,
                      kind=OrgKind.COMMUNITY_PHARMACY)
    make_organisation(ods_code="FA002", name="Mill Road Pharmacy", locality_id=city.id,
                      kind=OrgKind.COMMUNITY_PHARMACY)
    make_service(name="Wellbeing App")
    db.session.commit()


def test_manager_plans_a_campaign_and_records_reach(app, small_directory, page: Page, check,
                                                    browser_log: BrowserLog):
    browser_log.allow_status(400, "/campaigns/new")
    manager = make_signed_up_user(Role.MANAGER)
    sign_in(page, manager.email)
    today = date.today()
    start, end = today - timedelta(days=60), today + timedelta(days=300)

    follow_nav(page, "Campaigns")
    expect(page.get_by_role("heading", level=1)).to_have_text("Campaigns")
    expect(page.get_by_text("No campaigns yet.")).to_be_visible()
    page.get_by_role("link", name="Plan a campaign").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan a campaign")

    # End before start: the NHS error summary, and nothing saved.
    page.get_by_label("Name").fill("Practice launch")
    page.get_by_label("Objective").fill("Every practice hears about the OH service.")
    page.get_by_label("Active").check()
    fill_date(page, "Start date", start)
    fill_date(page, "End date", start - timedelta(days=1))
    page.get_by_label("Wellbeing App").check()
    page.get_by_label("GP practice", exact=True).check()
    page.get_by_role("button", name="Add the campaign").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("The end date must be the same as or after the start date")
    expect(page).to_have_title(re.compile(r"^Error: "))
    check("campaign-end-before-start")

    fill_date(page, "End date", end)
    page.get_by_role("button", name="Add the campaign").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Practice launch")
    expect(page.get_by_role("status")).to_contain_text("Added the campaign Practice launch.")
    expect(page.locator(".engage-headline")).to_contain_text("5 in the audience")
    expect(page.locator(".engage-headline")).to_contain_text("0 engaged (0%)")
    expect(page.locator(".engage-headline")).to_contain_text("0 contacted (0%)")

    # A target: three practices in Cambridge by the end.
    page.get_by_text("Add a target").click()
    page.get_by_label("In the locality").select_option(label="Cambridge")
    page.get_by_label("Number (or percentage) to reach").fill("3")
    page.get_by_role("button", name="Add the target").click()
    targets = page.get_by_role("table", name="Targets: planned against delivered")
    expect(targets).to_contain_text("Organisations in Cambridge")
    expect(targets).to_contain_text("In progress")
    check("campaign-planned")

    # A touchpoint after the campaign's end: a warning to confirm, nothing saved yet.
    page.get_by_role("link", name="Plan a touchpoint for this campaign").click()
    expect(page.get_by_label("Campaign")).to_have_value(re.compile(r"\d+"))
    page.get_by_label("Channel").select_option(label="Webinar")
    page.get_by_label("Title").fill("Managing sickness absence with OH")
    fill_date(page, "Planned date and time", end + timedelta(days=10), "12:30")
    page.get_by_role("button", name="Save the touchpoint").click()
    warning = page.locator(".nhsuk-warning-callout")
    expect(warning).to_contain_text("is outside the campaign")
    expect(page.get_by_role("button", name="Save anyway")).to_be_visible()
    check("touchpoint-outside-dates")

    # The date was wrong: a week ago, inside the campaign.
    fill_date(page, "Planned date and time", today - timedelta(days=7), "12:30")
    page.get_by_role("button", name="Save anyway").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Managing sickness absence with OH")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Planned")
    page.get_by_role("button", name="Mark as done").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Done")
    expect(page.get_by_role("status")).to_contain_text("Now record whom it reached")

    # Two practices by ODS code, two people each.
    page.get_by_role("link", name="Record who it reached").click()
    page.get_by_label("Organisations I name by ODS code").check()
    page.get_by_label("ODS codes").fill("d81003, D81004")
    page.get_by_label("Kind of contact").select_option(label="Attended")
    page.get_by_label("People reached at each organisation").fill("2")
    check("reach-form")
    page.get_by_role("button", name="Record the reach").click()
    expect(page.get_by_role("status")).to_contain_text("Recorded 2 organisations as reached")
    reached = page.get_by_role("table", name=re.compile(r"^Organisations reached by"))
    expect(reached.locator("tbody tr")).to_have_count(2)
    expect(page.get_by_text("Attended (engaged): 2 organisations, 4 people")).to_be_visible()
    check("touchpoint-reached")

    # The campaign page: plan against delivered.
    page.get_by_role("link", name="Back to the campaign").click()
    expect(page.locator(".engage-headline")).to_contain_text("2 engaged (40%)")
    expect(page.locator(".engage-tier-note").first).to_contain_text("Every organisation that "
                                                                   "engaged was also contacted")
    by_locality = page.get_by_role(
        "table", name="Audience organisations engaged and contacted, by locality")
    expect(by_locality.get_by_role("row", name=re.compile(r"^Cambridge"))).to_contain_text("2")
    expect(page.get_by_role("table", name=re.compile(r"^Audience organisations not engaged"))
           ).to_contain_text("North Brink Practice")
    expect(page.get_by_role("table", name=re.compile(r"^The campaign's touchpoints"))
           ).to_contain_text("Managing sickness absence with OH")
    check("campaign-progress")

    # The organisation page shows its outreach timeline.
    page.get_by_role("link", name=re.compile(r"^See all 5")).click()
    audience = page.get_by_role("table", name=re.compile(r"^Audience organisations"))
    expect(audience.get_by_role("row", name=re.compile("Lensfield"))).not_to_contain_text(
        "Not yet")
    check("audience")
    audience.get_by_role("link", name="Lensfield Medical Practice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lensfield Medical Practice")
    outreach = page.get_by_role("region", name="Outreach", exact=True)
    expect(outreach).to_contain_text("Managing sickness absence with OH")
    expect(outreach).to_contain_text("Attended")
    check("organisation-timeline")


def test_steering_member_reads_the_demo_campaign(app, shared_data: Path, page: Page, check):
    load_demo(db.session, now=utcnow(), data_dir=shared_data)
    db.session.commit()
    member = make_signed_up_user(Role.STEERING)
    sign_in(page, member.email)
    follow_nav(page, "Campaigns")
    expect(page.get_by_role("link", name="Plan a campaign")).to_have_count(0)
    check("campaign-list")
    page.get_by_role("link", name=CAMPAIGN).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(CAMPAIGN)
    expect(page.get_by_role("link", name=re.compile("^Change the campaign"))).to_have_count(0)
    expect(page.get_by_role("table", name="Targets: planned against delivered")
           ).to_contain_text("Met")
    check("demo-campaign")
    page.get_by_role("table", name=re.compile(r"^The campaign's touchpoints")).get_by_role(
        "link").first.click()
    expect(page.get_by_role("link", name="Record who it reached")).to_have_count(0)
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    check("demo-touchpoint")
