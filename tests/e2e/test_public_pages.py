"""Staff in a staff room: scan the poster's QR code with a phone, land on the service page."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import select

from engage.auth.models import Role
from engage.campaigns.models import Channel
from engage.catalogue.models import AccessRoute, Audience
from engage.extensions import db
from engage.links.models import AwarenessAnswer, Device, Scan
from tests.e2e.conftest import BrowserLog
from tests.e2e.helpers import make_signed_up_user, sign_in
from tests.factories import (
    make_campaign,
    make_locality,
    make_organisation,
    make_service,
    make_short_link,
    make_touchpoint,
)

pytestmark = pytest.mark.e2e

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")


@pytest.fixture()
def sharps_poster(app, live_server):
    """A poster link for the sharps line at one practice, printed with the live server's URL."""
    app.config["PUBLIC_BASE_URL"] = live_server.url
    service = make_service(
        name="24/7 Sharps Line", slug="sharps-line", phone="0306 999 0123",
        summary="Urgent advice after a needlestick or sharps injury, day or night.",
        hours="24 hours a day, 7 days a week", audience=Audience.ALL_STAFF,
        access_routes=[AccessRoute.PHONE_LINE.value, AccessRoute.SELF_REFERRAL.value],
        description="Call **straight away** after a sharps or splash injury.\n\n"
                    "1. Wash the wound under running water\n2. Encourage it to bleed\n"
                    "3. Do not suck it\n4. Call the number on this page",
    )
    organisation = make_organisation(name="Lensfield Medical Practice")
    touchpoint = make_touchpoint(make_campaign(), channel=Channel.POSTER,
                                 title="Staff room posters")
    link = make_short_link(service=service, organisation=organisation, touchpoint=touchpoint)
    db.session.commit()
    return link


def decode_element(page: Page, selector: str) -> str:
    shot = page.locator(selector).screenshot()
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)).convert("L"))
    assert len(results) == 1, f"expected one QR code in {selector}, found {len(results)}"
    return results[0].text


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_staff_scan_the_printed_qr_code_and_land_on_the_service_page(
        app, live_server, sharps_poster, page: Page, check):
    link = sharps_poster
    # The poster as the browser draws it; its QR code read back with a real decoder.
    manager = make_signed_up_user(Role.MANAGER)
    sign_in(page, manager.email)
    page.goto(f"/links/{link.id}/poster")
    check("poster")
    url = decode_element(page, ".poster-qr")
    assert url == f"{live_server.url}/q/{link.code}"
    page.context.clear_cookies()

    # A phone in the staff room opens what the camera read.
    page.set_extra_http_headers({"User-Agent": IPHONE})
    page.goto(url)
    expect(page).to_have_url(f"{live_server.url}/services/sharps-line?via={link.code}")
    expect(page.get_by_role("heading", level=1)).to_have_text("24/7 Sharps Line")
    call = page.get_by_role("link", name="0306 999 0123").first
    expect(call).to_have_attribute("href", "tel:03069990123")
    expect(page.locator("main strong")).to_have_text("straight away")
    check("service-page")

    page.get_by_role("button", name="No").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    check("answered")

    scan = db.session.scalars(select(Scan)).one()
    assert (scan.link_id, scan.device) == (link.id, Device.MOBILE)
    answer = db.session.scalars(select(AwarenessAnswer)).one()
    assert (answer.link_id, answer.organisation_id, answer.knew_before) == (
        link.id, link.organisation_id, False)
    assert page.context.cookies() == []


def test_an_unknown_code_shows_a_friendly_page_that_leads_to_the_services(
        app, live_server, page: Page, check, browser_log: BrowserLog):
    browser_log.allow_status(404, "/q/ZZZZ222")
    make_service(name="Wellbeing App", slug="wellbeing-app", summary="An app for staff.")
    db.session.commit()
    page.goto("/q/ZZZZ222")
    expect(page.get_by_role("heading", level=1)).to_have_text("This code does not open a page")
    check("unknown-code")
    page.get_by_role("link", name="See all occupational health services").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Occupational health services")
    check("services-list")
    page.get_by_role("link", name="Wellbeing App").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wellbeing App")


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_a_practice_manager_on_a_phone_finds_how_to_refer(app, live_server, page: Page, check):
    """390 px, the width of a common phone: the services list, then a manager's service."""
    make_organisation(name="Lensfield Medical Practice", locality=make_locality("Cambridge"))
    app.config.update(PROVIDER_NAME="Fenland Occupational Health",
                      PROVIDER_PHONE="01632 960 000", PROVIDER_EMAIL="oh@example.org")
    make_service(name="Wellbeing App", slug="wellbeing-app", audience=Audience.STAFF_AND_FAMILY,
                 website="https://wellbeing.example.org/", hours="Any time",
                 access_routes=[AccessRoute.APP.value, AccessRoute.SELF_REFERRAL.value])
    make_service(
        name="Performance and Attendance Management", slug="attendance",
        summary="Advice for managers on sickness absence, adjustments and a safe return to work.",
        audience=Audience.MANAGERS_ONLY, access_routes=[AccessRoute.MANAGER_REFERRAL.value],
        website="", referral_form_url="https://oh.example.org/refer/attendance",
        email="oh-referrals@example.org", phone="01632 960 102",
        hours="Monday to Friday, 9am to 5pm",
        what_to_have_ready="The member of staff's agreement to the referral\n"
                           "Their job title, working hours and main tasks",
        what_happens_next="The team offers an appointment by phone, video or in person.\n"
                          "You receive a report with practical recommendations.")
    db.session.commit()
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto("/services")
    expect(page.get_by_role("heading", name="For managers")).to_be_visible()
    expect(page.get_by_role("link", name="01632 960 000")).to_have_attribute(
        "href", "tel:01632960000")
    check("services-index-390")

    page.get_by_role("link", name="Performance and Attendance Management").click()
    refer = page.get_by_role("region", name="How to refer")
    expect(refer.get_by_role("link", name="Fill in the referral form")).to_have_attribute(
        "href", "https://oh.example.org/refer/attendance")
    expect(refer.get_by_role("link", name="oh-referrals@example.org")).to_have_attribute(
        "href", "mailto:oh-referrals@example.org")
    expect(refer.get_by_role("link", name="01632 960 102")).to_have_attribute(
        "href", "tel:01632960102")
    expect(refer.get_by_role("heading", name="What to have ready")).to_be_visible()
    check("how-to-refer-390")


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_a_manager_cannot_publish_a_service_nobody_can_reach(app, live_server, page: Page,
                                                             check, browser_log: BrowserLog):
    browser_log.allow_status(400, "/catalogue/new")
    sign_in(page, make_signed_up_user(Role.MANAGER).email)
    page.goto("/catalogue/new")
    page.get_by_label("Name").fill("Ill Health Retirement")
    page.get_by_label("Manager referral").check()
    page.get_by_role("button", name="Save service").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("To publish this service, add a phone number, email "
                                    "address, website or referral form")
    check("publish-refused")
    page.get_by_label("Referral form (web address)").fill("https://oh.example.org/refer/ihr")
    page.get_by_role("button", name="Save service").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ill Health Retirement")
    expect(page.get_by_text("see the public page")).to_be_visible()
    page.goto("/catalogue/")
    expect(page.get_by_text("Published", exact=True)).to_be_visible()
    check("catalogue-list")
