"""nhsuk-frontend's JavaScript starts under the strict CSP and its components work."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from engage.auth.models import Role
from tests.e2e.conftest import BrowserLog
from tests.e2e.helpers import make_signed_up_user, sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_header_menu_collects_overflowing_links_at_phone_width(app, page: Page, check):
    admin = make_signed_up_user(Role.ADMIN)
    sign_in(page, admin.email)

    header = page.locator("header.nhsuk-header")
    expect(header).to_have_attribute("data-nhsuk-header-init", "")
    nav = page.get_by_role("navigation", name="Menu")
    toggle = nav.get_by_role("button", name="Browse More")
    # Four links cannot fit in 320 px: the header moves the last ones into the "More" menu.
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    check("menu-closed")

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    menu = nav.locator(".nhsuk-header__menu-list")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("link", name="Audit log")).to_be_visible()
    check("menu-open")

    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()

    toggle.click()
    menu.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
def test_header_keeps_links_that_do_not_fit_under_more_on_a_wide_screen(app, page: Page):
    """An administrator has a dozen sections: the first show, the rest wait under "More"."""
    admin = make_signed_up_user(Role.ADMIN)
    sign_in(page, admin.email)
    nav = page.get_by_role("navigation", name="Menu")
    for name in ("Overview", "Directory", "Campaigns"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    more = nav.get_by_role("button", name="Browse More")
    expect(more).to_be_visible()
    more.click()
    menu = nav.locator(".nhsuk-header__menu-list")
    expect(menu.get_by_role("link", name="Audit log")).to_be_visible()
    menu.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
def test_skip_link_moves_focus_to_the_main_content(app, page: Page):
    page.goto("/login")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#maincontent")).to_be_focused()


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
def test_harness_catches_csp_violations_and_axe_failures(app, page: Page, check,
                                                         browser_log: BrowserLog):
    """The checks are not vacuous: an inline script and an unlabelled image are caught."""
    from tests.e2e.axe import run_axe

    page.goto("/login")
    page.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.inlineRan = true';
        document.body.appendChild(s);
        const img = document.createElement('img');
        img.src = '/static/vendor/nhsuk-frontend-10.6.1/assets/images/favicon.svg';
        document.querySelector('main').appendChild(img);
    }""")
    expect(page.locator("main img")).to_be_visible()
    assert page.evaluate("() => window.inlineRan") is None, "CSP let an inline script run"
    page.wait_for_function("() => true")
    assert any("script-src" in c for c in browser_log.csp), browser_log.messages
    browser_log.csp.clear()
    browser_log.errors.clear()

    result = run_axe(page, "harness-self-test")
    assert [v["id"] for v in result.blocking] == ["image-alt"], result.describe()
