"""Insights in a real browser: the steering group reads the report (at desktop and phone
width, and as printed to A4), coverage, the matrix, the cold list and equity; a manager saves
a snapshot and plans a visit for cold practices."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from engage.auth.models import Role
from engage.extensions import db
from tests.e2e.conftest import LiveServer
from tests.e2e.helpers import fill_date, follow_nav, make_signed_up_user, sign_in

pytestmark = pytest.mark.e2e

PERIOD = "start=2021-06-01&end=2022-06-30"


@pytest.fixture()
def demo(app, shared_data):
    from engage.database import utcnow
    from engage.demo.loader import load_demo

    load_demo(db.session, now=utcnow(), data_dir=shared_data)
    db.session.commit()


def test_steering_group_reads_the_report_and_insights(app, demo, page: Page, check,
                                                      live_server: LiveServer, viewport):
    steering = make_signed_up_user(Role.STEERING)
    db.session.commit()
    sign_in(page, steering.email)
    follow_nav(page, "Insights")
    expect(page.get_by_role("heading", level=1)).to_have_text("Insights")
    check("landing")

    page.goto(live_server(f"/insights/report?{PERIOD}"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Steering-group report")
    expect(page.get_by_role("heading", name="Organisations engaged")).to_be_visible()
    expect(page.get_by_role("heading", name="Organisations contacted")).to_be_visible()
    expect(page.get_by_role("table", name="Referrals per month and service")).to_contain_text(
        "Jun 2022")
    expect(page.locator("#report-uptake-chart")).to_be_visible()
    expect(page.get_by_role("button", name="Save snapshot")).to_have_count(0)
    check("report")
    if viewport == "desktop":
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
        check("report-print")
        page.emulate_media(media="screen")
        page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(live_server(f"/insights/coverage?{PERIOD}"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Coverage")
    expect(page.get_by_text(re.compile(r"Engaged: [\d,]+ of [\d,]+"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"Contacted: [\d,]+ of [\d,]+"))).to_be_visible()
    check("coverage")

    page.goto(live_server(f"/insights/matrix?{PERIOD}&columns=month"))
    expect(page.locator("table.engage-matrix")).to_be_visible()
    check("matrix-by-month")

    page.goto(live_server(f"/insights/cold?{PERIOD}&days=60"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Cold organisations")
    expect(page.get_by_role("button", name=re.compile("Plan a practice visit"))).to_have_count(0)
    check("cold")

    page.goto(live_server(f"/insights/equity?{PERIOD}"))
    expect(page.get_by_role("heading", name="By locality")).to_be_visible()
    check("equity")

    page.goto(live_server(f"/insights/awareness?{PERIOD}"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Awareness")
    check("awareness")


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
def test_manager_saves_a_snapshot_and_plans_a_visit(app, demo, page: Page, check,
                                                    live_server: LiveServer):
    manager = make_signed_up_user(Role.MANAGER)
    db.session.commit()
    sign_in(page, manager.email)
    page.goto(live_server(f"/insights/report?{PERIOD}"))
    page.get_by_label("Title of the snapshot").fill("Steering group, July 2022")
    page.get_by_role("button", name="Save snapshot").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Steering group, July 2022")
    expect(page.get_by_role("table", name="Headline figures when saved and today")
           ).to_contain_text("same")
    check("snapshot")

    page.goto(live_server(f"/insights/cold?{PERIOD}&days=60"))
    boxes = page.locator("input[name=org]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name=re.compile("Plan a practice visit")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Plan a touchpoint for cold organisations")
    fill_date(page, "Planned date and time", date(2026, 12, 7), "10:00")
    check("plan")
    page.get_by_role("button", name="Plan the touchpoint").click()
    expect(page.get_by_text(re.compile("Planned Practice visits: 2 organisations"))
           ).to_be_visible()
