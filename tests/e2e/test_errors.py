"""Error pages: helpful, styled like every other page, and accessible."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from engage.auth.models import Role
from tests.e2e.conftest import BrowserLog
from tests.e2e.helpers import make_signed_up_user, sign_in

pytestmark = pytest.mark.e2e


def test_missing_page_shows_the_404_page(app, page: Page, check, browser_log: BrowserLog):
    # Chromium logs a page's own 4xx status as a console error; here it is the point.
    browser_log.allow_status(404, "/no-such-page")
    browser_log.allow_status(404, "/directory/organisations/NOPE0")

    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page).to_have_title("Page not found – engage")
    check("anonymous-404")

    user = make_signed_up_user(Role.MANAGER)
    sign_in(page, user.email)
    response = page.goto("/directory/organisations/NOPE0")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    page.get_by_role("link", name="Go to the engage overview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Occupational health outreach")


def test_forbidden_page_tells_steering_members_what_to_do(app, page: Page, check,
                                                          browser_log: BrowserLog):
    browser_log.allow_status(403, "/admin/users")
    user = make_signed_up_user(Role.STEERING)
    sign_in(page, user.email)

    response = page.goto("/admin/users")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "You do not have permission to see this page"
    )
    check("steering-403")
