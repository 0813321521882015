"""Outreach and uptake in a real browser: the steering group reads the event study and the
model, chooses a channel, and the charts draw under the page's content security policy."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from engage.auth.models import Role
from engage.extensions import db
from tests.e2e.conftest import LiveServer
from tests.e2e.helpers import make_signed_up_user, sign_in
from tests.insights.test_outreach_page import _world

pytestmark = pytest.mark.e2e


@pytest.fixture()
def world(app):
    _world()
    db.session.commit()


def test_steering_group_reads_outreach_and_uptake(app, world, page: Page, check,
                                                  live_server: LiveServer):
    steering = make_signed_up_user(Role.STEERING)
    db.session.commit()
    sign_in(page, steering.email)
    page.goto(live_server("/insights/outreach?start=2021-06-01&end=2022-06-30"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Outreach and uptake")
    expect(page.locator("#bottom-line")).to_contain_text("higher after practice visits")
    expect(page.locator(".nhsuk-warning-callout")).to_contain_text("association, not cause")
    expect(page.get_by_role("table", name=re.compile("Mean referrals per organisation"))
           ).to_contain_text("Month of first engagement")
    expect(page.locator("#outreach-event-study")).to_be_visible()
    expect(page.locator("#outreach-forest-practice_visit")).to_be_visible()
    check("outreach")

    page.get_by_label("Channel for the before-and-after chart and the comparison").select_option(
        label="Practice visit")
    page.get_by_role("button", name="Show this channel").click()
    expect(page).to_have_url(re.compile(r"channel=practice_visit"))
    expect(page).to_have_url(re.compile(r"start=2021-06-01"))
    page.get_by_text("Detailed model figures, for analysts").click()
    model = page.get_by_role("table", name=re.compile("Incidence-rate ratios by channel"))
    expect(model).to_contain_text("Practice visit")
    expect(page.locator("#glossary")).to_be_visible()
    check("outreach-practice-visits")
