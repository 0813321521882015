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
