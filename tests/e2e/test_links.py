"""A manager makes a poster link on a touchpoint, prints it, and prints a campaign's pack."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from engage.auth.models import Role
from engage.campaigns.models import Channel
from engage.extensions import db
from tests.e2e.helpers import make_signed_up_user, sign_in
from tests.factories import make_campaign, make_organisation, make_service, make_touchpoint

pytestmark = pytest.mark.e2e


def test_manager_makes_a_poster_link_and_a_poster_pack(app, live_server, page: Page, check):
    app.config["PUBLIC_BASE_URL"] = live_server.url
    make_service(name="Wellbeing App", slug="wellbeing-app", summary="An app for staff.")
    campaign = make_campaign(name="Wellbeing push")
    for n, name in enumerate(("North Brink Practice", "Clarkson Surgery"), start=1):
        make_organisation(ods_code=f"D8100{n}", name=name)
    touchpoint = make_touchpoint(campaign, channel=Channel.POSTER, title="Staff room posters")
    db.session.commit()
    manager = make_signed_up_user(Role.MANAGER)
    sign_in(page, manager.email)

    page.goto(f"/campaigns/touchpoints/{touchpoint.id}")
    page.get_by_role("link", name="Make a short link or poster").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Make a short link or poster")
    page.get_by_label("Page it opens").select_option(label="Wellbeing App")
    page.get_by_label("Organisation (ODS code)").fill("d81001")
    page.get_by_role("button", name="Make the link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Short link")
    expect(page.get_by_role("status")).to_contain_text("Made the short link")
    check("link-page")

    page.get_by_role("link", name="Open the A4 poster to print").click()
    expect(page.locator(".poster-title")).to_have_text("Wellbeing App")
    expect(page.locator(".poster-who")).to_have_text(
        "For everyone who works at North Brink Practice")
    check("poster")

    page.goto(f"/campaigns/touchpoints/{touchpoint.id}")
    page.get_by_role("link", name="Make a poster for every organisation in the campaign").click()
    page.get_by_label("Page the posters open").select_option(label="Wellbeing App")
    page.get_by_role("button", name="Make the posters").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Made 1 new poster; 1 organisation already has one.")
    check("touchpoint-with-links")

    page.goto(f"/campaigns/{campaign.id}")
    expect(page.get_by_role("heading", name="QR codes and short links")).to_be_visible()
    page.get_by_role("link", name="print the pack for Staff room posters").click()
    expect(page.locator("article.poster")).to_have_count(2)
    check("poster-pack")
