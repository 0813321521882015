"""A manager opens a poster on a phone (390 px), prints it on A4 and A3, and reads a link's
scans as a chart with its table."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from engage.auth.models import Role
from engage.catalogue.models import Audience
from engage.extensions import db
from engage.links.scans import ScanRequest, handle_scan
from tests.e2e.conftest import OUTPUT, SCREENSHOTS, VIEWPORTS, LiveServer
from tests.e2e.helpers import make_signed_up_user, sign_in
from tests.factories import make_organisation, make_service, make_short_link

pytestmark = pytest.mark.e2e

PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"
BOT_UA = "Googlebot/2.1 (+http://www.google.com/bot.html)"
MM = 96 / 25.4  # CSS pixels to the millimetre
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]")
PAPER = {"a4": (210, 297), "a3": (297, 420)}  # millimetres


@pytest.fixture(autouse=True)
def phone_390(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This module's phone is 390 px wide (a common phone today), not the suite's 320 px."""
    monkeypatch.setitem(VIEWPORTS, "phone", {"width": 390, "height": 844})
    yield


def _poster_link(app, live_server: LiveServer):
    app.config["PUBLIC_BASE_URL"] = live_server.url
    service = make_service(name="Staff Counselling", slug="staff-counselling",
                           summary="Talk to a counsellor in confidence, about work or home.",
                           audience=Audience.STAFF_AND_FAMILY, phone="0300 123 4567 (example)",
                           email="counselling@example.org", hours="Monday to Friday, 9am to 5pm")
    organisation = make_organisation(ods_code="D81001", name="ARBURY ROAD SURGERY")
    link = make_short_link(service=service, organisation=organisation)
    db.session.commit()
    return link


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_poster_on_a_phone(app, live_server: LiveServer, page: Page, check):
    link = _poster_link(app, live_server)
    sign_in(page, make_signed_up_user(Role.MANAGER).email)
    page.goto(f"/links/{link.id}/poster")
    expect(page.locator(".poster-title")).to_have_text("Staff Counselling")
    expect(page.locator(".poster-who")).to_have_text(
        "For staff at Arbury Road Surgery and their families")
    expect(page.locator(".poster-contact")).to_contain_text("Call 0300 123 4567 (example)")
    expect(page.locator(".poster-url")).to_have_text(
        f"{live_server.url.removeprefix('http://')}/q/{link.code}")
    # The live server is on 127.0.0.1: the manager is told phones cannot open it.
    expect(page.get_by_role("heading", name="Phones cannot open this address")).to_be_visible()
    check("poster-390px")
    page.get_by_role("link", name="A3").click()
    expect(page.get_by_role("link", name="A3 (chosen)")).to_be_visible()
    check("poster-a3-390px")


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
@pytest.mark.parametrize("size", ["a4", "a3"])
def test_printed_poster_fills_one_sheet(app, live_server: LiveServer, page: Page, size: str):
    link = _poster_link(app, live_server)
    sign_in(page, make_signed_up_user(Role.MANAGER).email)
    page.goto(f"/links/{link.id}/poster?size={size}")
    expect(page.locator(".poster-title")).to_have_text("Staff Counselling")
    width_mm, height_mm = PAPER[size]
    width, height = round(width_mm * MM), round(height_mm * MM)
    page.emulate_media(media="print")
    page.set_viewport_size({"width": width, "height": height})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"poster-print-{size}.png"), full_page=True)

    expect(page.locator(".poster-toolbar")).to_be_hidden()
    boxes = page.evaluate(
        """() => Object.fromEntries(['.poster', '.poster-qr', '.poster-domain', '.poster-contact',
                                     '.poster-url']
            .map((s) => [s, document.querySelector(s).getBoundingClientRect().toJSON()]))""")
    poster, qr, last = boxes[".poster"], boxes[".poster-qr"], boxes[".poster-domain"]
    assert abs(poster["width"] - width) <= 2 and height - 6 <= poster["height"] <= height, boxes
    # No empty lower third: the last line sits in the bottom tenth, the code is large.
    assert last["bottom"] > 0.9 * height, boxes
    assert qr["width"] >= 0.45 * width and abs(qr["width"] - qr["height"]) <= 1, boxes
    for name in (".poster-contact", ".poster-url", ".poster-domain"):
        assert boxes[name]["right"] <= width and boxes[name]["bottom"] <= height, (name, boxes)

    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / f"poster-{size}.pdf").write_bytes(pdf)
    assert len(PAGE_OBJECT.findall(pdf)) == 1, f"the poster prints on more than one {size} sheet"
    (media_width, media_height), = [(float(w), float(h)) for w, h in MEDIA_BOX.findall(pdf)]
    assert abs(media_width - width_mm * 72 / 25.4) < 2
    assert abs(media_height - height_mm * 72 / 25.4) < 2


@pytest.mark.parametrize("viewport", ["phone", "desktop"], indirect=True)
def test_link_page_shows_scans_as_a_chart_with_its_table(app, live_server: LiveServer,
                                                         page: Page, check):
    link = _poster_link(app, live_server)
    now = datetime.now(UTC)
    for days_ago, agent, address in ((9, PHONE_UA, "192.0.2.1"), (9, PHONE_UA, "192.0.2.2"),
                                     (9, BOT_UA, "192.0.2.3"), (4, PHONE_UA, "192.0.2.1"),
                                     (1, BOT_UA, "192.0.2.9"), (0, PHONE_UA, "192.0.2.4")):
        handle_scan(db.session, ScanRequest(link.code, address=address, user_agent=agent,
                                            now=now - timedelta(days=days_ago)))
    db.session.commit()
    sign_in(page, make_signed_up_user(Role.MANAGER).email)
    page.goto(f"/links/{link.id}")
    expect(page.get_by_role("heading", name="Scans per day")).to_be_visible()
    chart = page.get_by_role("img", name="Scans per day")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("aria-describedby", "scan-chart-summary")
    expect(page.locator("#scan-chart-summary")).to_contain_text(
        "4 scans by people and 2 by bots and link previews, per day")
    table = page.get_by_role("table", name=re.compile("Scans per day, latest first"))
    expect(table.locator("tbody tr")).to_have_count(4)
    check("link-with-scan-chart")
