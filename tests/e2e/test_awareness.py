"""The awareness question on a phone: asked once per device, counted for every person.

The device keeps its own note (localStorage, set by the page's script file under the CSP), so
a reload does not ask again; without JavaScript the question simply stays, and the server only
holds back a repeat from the same connection for a few minutes.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from engage.extensions import db
from engage.links.models import AwarenessAnswer
from tests.e2e.conftest import VIEWPORTS, BrowserLog
from tests.factories import make_organisation, make_service, make_short_link

pytestmark = pytest.mark.e2e

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")
QUESTION = "Did you know about this service before today?"


@pytest.fixture()
def poster_link(app):
    service = make_service(name="Physiotherapy", slug="physiotherapy", phone="0306 999 0456",
                           summary="Fast access to a physiotherapist for work-related aches.")
    link = make_short_link(service=service,
                           organisation=make_organisation(name="Lensfield Medical Practice"))
    db.session.commit()
    return link


def answers() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(AwarenessAnswer))


@pytest.mark.parametrize("viewport", ["phone-390"], indirect=True)
def test_a_phone_answers_once_and_is_not_asked_again_on_reload(
        app, live_server, poster_link, page: Page, check, browser_log: BrowserLog):
    page.set_extra_http_headers({"User-Agent": IPHONE})
    page.goto(f"/q/{poster_link.code}")
    landing = page.url
    question = page.get_by_role("group", name=QUESTION)
    expect(question).to_be_visible()
    check("question")

    # With the keyboard only: Tab reaches the answer in order, focus is shown, Enter answers.
    yes = page.get_by_role("button", name="Yes")
    for _ in range(20):
        page.keyboard.press("Tab")
        if yes.evaluate("(el) => el === document.activeElement"):
            break
    expect(yes).to_be_focused()
    assert yes.evaluate("(el) => getComputedStyle(el).backgroundColor") == "rgb(255, 235, 59)"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    check("answered")
    assert answers() == 1

    page.goto(landing)
    expect(page.get_by_role("heading", level=1)).to_have_text("Physiotherapy")
    expect(page.get_by_role("group", name=QUESTION)).to_be_hidden()
    expect(page.get_by_text("You have told us whether you knew about this service")).to_be_visible()
    check("question-hidden-after-reload")
    assert page.evaluate("() => Object.entries(localStorage)") == [
        ["engage-awareness-answered:physiotherapy", "1"]]
    assert page.context.cookies() == []

    # A colleague's phone of the same kind on the same network (here: this phone with its note
    # cleared) answering a minute later is held back kindly, and told when to try again.
    page.evaluate("() => localStorage.clear()")
    page.reload()
    expect(page.get_by_role("group", name=QUESTION)).to_be_visible()
    browser_log.allow_status(429, "/services/physiotherapy/awareness")
    page.get_by_role("button", name="No").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answer is already recorded")
    expect(page.get_by_text("you can add your own answer in 10 minutes")).to_be_visible()
    check("repeat-within-minutes")
    assert page.evaluate("() => localStorage.length") == 0, "a held-back answer hides nothing"
    assert answers() == 1

    # The footer leads to the privacy notice and the accessibility statement.
    page.get_by_role("contentinfo").get_by_role("link", name="Privacy notice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    check("privacy")
    page.get_by_role("contentinfo").get_by_role("link", name="Accessibility statement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement")
    check("accessibility")
    assert answers() == 1


def test_without_javascript_the_question_stays_and_a_quick_repeat_is_explained(
        app, live_server, poster_link, browser: Browser):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False,
                                  viewport=VIEWPORTS["phone-390"],  # type: ignore[arg-type]
                                  extra_http_headers={"User-Agent": IPHONE})
    try:
        page = context.new_page()
        page.goto(f"/q/{poster_link.code}")
        landing = page.url
        page.get_by_role("button", name="No").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
        page.goto(landing)
        expect(page.get_by_role("group", name=QUESTION)).to_be_visible()
        page.get_by_role("button", name="No").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Your answer is already recorded")
        expect(page.get_by_text("recorded from this connection a moment ago")).to_be_visible()
        assert answers() == 1
    finally:
        context.close()
