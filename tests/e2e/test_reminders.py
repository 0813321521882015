"""Reminders in a real browser: a reminder previewed and saved on a webinar, a bulletin written,
previewed and scheduled, and the overview of what is coming."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from engage.auth.models import Role
from engage.campaigns.models import Channel, EngagementKind
from engage.database import utcnow
from engage.extensions import db
from tests.e2e.conftest import BrowserLog
from tests.e2e.helpers import fill_date, follow_nav, make_signed_up_user, sign_in
from tests.factories import (
    make_campaign,
    make_contact,
    make_engagement,
    make_organisation,
    make_touchpoint,
)

pytestmark = pytest.mark.e2e


@pytest.fixture()
def webinar(app):
    today = utcnow().date()
    campaign = make_campaign(start_date=today - timedelta(days=30),
                             end_date=today + timedelta(days=90))
    touchpoint = make_touchpoint(campaign, title="Winter webinar", channel=Channel.WEBINAR,
                                 planned_at=utcnow() + timedelta(days=5), duration_minutes=45)
    for n, name in enumerate(("North Brink Practice", "Clarkson Surgery", "Lensfield Practice")):
        org = make_organisation(name=name)
        make_contact(org, name=f"Manager {n}", email=f"pm{n}@example.org")
        make_engagement(org, touchpoint=touchpoint, kind=EngagementKind.INVITED,
                        channel=Channel.WEBINAR, occurred_at=utcnow())
    make_contact(org, name="Opted Out", email="optout@example.org", do_not_email=True)
    db.session.commit()
    return touchpoint


def test_manager_previews_and_saves_a_reminder_then_writes_a_bulletin(
        app, webinar, live_server, page: Page, check, browser_log: BrowserLog):
    browser_log.allow_status(400, f"/reminders/campaigns/{webinar.campaign_id}/bulletins/new")
    manager = make_signed_up_user(Role.MANAGER)
    sign_in(page, manager.email)
    page.goto(live_server(f"/campaigns/touchpoints/{webinar.id}"))
    expect(page.get_by_role("heading", name="Reminders and follow-ups")).to_be_visible()
    check("touchpoint-without-reminders")

    page.get_by_role("link", name="Add a reminder or follow-up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a reminder or follow-up")
    page.get_by_label("How long before (reminder) or after (follow-up)").fill("2")
    page.get_by_role("button", name="Preview who gets what, and when").click()
    expect(page.get_by_role("heading", name="Preview: nothing is saved yet")).to_be_visible()
    expect(page.get_by_text("Marked 'do not email'")).to_be_visible()
    check("reminder-preview")

    page.get_by_role("button", name="Save the rule").click()
    expect(page.get_by_text("2 days before it starts", exact=True)).to_be_visible()
    expect(page.get_by_text("to 3 people (1 left out)")).to_be_visible()
    check("touchpoint-with-a-reminder")

    page.get_by_role("link", name="Back to the campaign").click()
    page.get_by_role("link", name="Write a bulletin or newsletter").click()
    page.get_by_role("button", name="Save and preview").click()
    expect(page.get_by_text("Enter a subject line").first).to_be_visible()
    check("bulletin-errors")
    page.get_by_label("Subject line").fill("Looking after your team this winter")
    page.get_by_label("The bulletin").fill("## Help is here\n\nBook a **manager referral** today.")
    page.get_by_role("button", name="Save and preview").click()
    expect(page.frame_locator("iframe.engage-email-frame").get_by_role(
        "heading", name="Help is here")).to_be_visible()
    when = utcnow() + timedelta(days=2)
    fill_date(page, "Send at", when.date(), when.strftime("%H:%M"))
    check("bulletin-preview")
    page.get_by_role("button", name="Schedule it").click()
    expect(page.get_by_text(re.compile(r"^Goes \w+day "))).to_be_visible()
    check("bulletin-scheduled")

    follow_nav(page, "Reminders")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reminders and bulletins")
    expect(page.get_by_role("link", name="Email bulletin: Looking after your team this winter")
           ).to_be_visible()
    check("reminders-overview")
