"""Signing in and out in a real browser, at desktop and phone widths."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from engage.auth.models import Role
from tests.e2e.helpers import make_signed_up_user, sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


def test_sign_in_lands_on_the_overview_and_sign_out_ends_it(app, page: Page, check):
    user = make_signed_up_user(Role.MANAGER)

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to engage")
    check("sign-in-form")

    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Occupational health outreach")
    expect(page.get_by_role("banner")).to_contain_text(user.email)
    check("overview")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You have signed out")
    check("signed-out")


def test_failed_sign_in_shows_the_error_summary_linked_to_the_field(app, page: Page, check):
    user = make_signed_up_user(Role.MANAGER)

    page.goto("/login")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Enter your email address")
    expect(summary).to_contain_text("Enter your password")
    # nhsuk-frontend moves focus to the summary so screen readers announce it at once.
    expect(summary).to_be_focused()
    check("empty-form")

    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(summary).to_contain_text("The email address or password is not right")
    expect(page.locator("#email-error")).to_contain_text("not right")
    expect(page.get_by_label("Email address")).to_have_attribute(
        "aria-describedby", "email-error"
    )
    check("wrong-password")

    summary.get_by_role("link", name="The email address or password is not right").click()
    expect(page.get_by_label("Email address")).to_be_focused()


def test_signed_in_user_reaches_the_overview_through_the_helper(app, page: Page, check):
    user = make_signed_up_user(Role.STEERING)
    sign_in(page, user.email)
    expect(page.get_by_role("navigation", name="Menu")).to_contain_text("Directory")
    check("steering-overview")
