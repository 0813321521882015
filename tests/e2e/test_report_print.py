"""The steering-group report printed to A4, as a member of the group would before a meeting:
at most two pages, nothing but the report on them, every chart whole and within the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from engage.auth.models import Role
from engage.extensions import db
from tests.e2e.conftest import OUTPUT, SCREENSHOTS, LiveServer
from tests.e2e.helpers import make_signed_up_user, sign_in

pytestmark = pytest.mark.e2e

PERIOD = "start=2021-06-01&end=2022-06-30"
MAX_PAGES = 2
# A4 less the 12 mm margins of `@page` in css/insights.css, in CSS pixels (96 to the inch).
MM = 96 / 25.4
CONTENT_WIDTH = round((210 - 2 * 12) * MM)
CONTENT_HEIGHT = round((297 - 2 * 12) * MM)
# One pixel either way for sub-pixel rounding of boxes.
TOLERANCE = 1
# A page object in the PDF (not the /Pages tree above them).
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]")
A4_POINTS = (595.3, 841.9)  # 210 x 297 mm at 72 points to the inch


@pytest.fixture()
def demo(app, shared_data):
    from engage.database import utcnow
    from engage.demo.loader import load_demo

    load_demo(db.session, now=utcnow(), data_dir=shared_data)
    db.session.commit()


def open_report(page: Page, live_server: LiveServer) -> None:
    steering = make_signed_up_user(Role.STEERING)
    sign_in(page, steering.email)
    page.goto(live_server(f"/insights/report?{PERIOD}"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Steering-group report")
    # Charts are drawn after load by js/charts.js; print only once each has its chart.
    page.wait_for_function(
        """() => window.Chart && document.querySelectorAll('.engage-chart').length > 0
            && Object.keys(window.Chart.instances).length
               === document.querySelectorAll('.engage-chart canvas').length""")


def test_report_prints_on_at_most_two_a4_pages(app, demo, page: Page, live_server: LiveServer,
                                               viewport: str):
    open_report(page, live_server)
    pdf = page.pdf(format="A4", print_background=True)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / f"report-{viewport}.pdf").write_bytes(pdf)

    pages = len(PAGE_OBJECT.findall(pdf))
    assert 1 <= pages <= MAX_PAGES, (
        f"the report prints on {pages} A4 pages, more than {MAX_PAGES}: "
        f"see {OUTPUT / f'report-{viewport}.pdf'}")
    sizes = [(float(w), float(h)) for w, h in MEDIA_BOX.findall(pdf)]
    assert len(sizes) == pages, sizes
    for width, height in sizes:
        assert abs(width - A4_POINTS[0]) < 2 and abs(height - A4_POINTS[1]) < 2, (
            f"a page is {width} x {height} points, not A4 portrait")


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
def test_printed_report_keeps_every_chart_whole_and_within_the_page(app, demo, page: Page,
                                                                    live_server: LiveServer):
    open_report(page, live_server)
    # As the browser does when printing: tell the page, then lay it out for paper.
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": CONTENT_WIDTH, "height": CONTENT_HEIGHT})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "report-print-a4.png"), full_page=True)

    for hidden in (".nhsuk-header", ".nhsuk-footer", ".nhsuk-back-link", "main form",
                   "main button", ".engage-filters"):
        for element in page.locator(hidden).all():
            expect(element).to_be_hidden()

    charts = page.evaluate(
        """() => Array.from(document.querySelectorAll(
                '.engage-report .engage-chart, .engage-report .engage-chart canvas, '
                + '.engage-report svg'))
            .filter((el) => el.getClientRects().length > 0)
            .map((el) => {
              const r = el.getBoundingClientRect();
              const holder = el.closest('.engage-chart') || el;
              return {what: `${el.tagName.toLowerCase()} ${el.className.baseVal ?? el.className}`,
                      left: r.left, right: r.right, width: r.width, height: r.height,
                      breakInside: getComputedStyle(holder).breakInside};
            })""")
    assert any(c["what"].startswith("canvas") for c in charts), charts
    for chart in charts:
        assert chart["width"] > 0 and chart["height"] > 0, f"{chart['what']} is not drawn"
        assert chart["left"] >= -TOLERANCE, f"{chart['what']} starts left of the page: {chart}"
        assert chart["right"] <= CONTENT_WIDTH + TOLERANCE, (
            f"{chart['what']} runs past the page's right margin: {chart}")
        # Kept whole by the printer: it never breaks inside, and it is shorter than a page.
        assert chart["breakInside"] in ("avoid", "avoid-page"), (
            f"{chart['what']} may be split across pages: {chart}")
        assert chart["height"] < CONTENT_HEIGHT / 2, f"{chart['what']} is too tall: {chart}"

    widest = page.evaluate("() => document.documentElement.scrollWidth")
    assert widest <= CONTENT_WIDTH + TOLERANCE, (
        f"the printed report is {widest}px wide, wider than the page ({CONTENT_WIDTH}px)")
