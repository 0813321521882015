"""The administrator's pages: users, adding one (with the error pattern), the audit log."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from engage.auth.models import Role
from tests.e2e.helpers import follow_nav, make_signed_up_user, sign_in

pytestmark = pytest.mark.e2e


def test_admin_adds_a_user_and_reads_the_audit_log(app, page: Page, check, viewport):
    admin = make_signed_up_user(Role.ADMIN, name="Ada Admin")
    for n in range(3):
        make_signed_up_user(Role.STEERING, name=f"Steering member {n}")
    sign_in(page, admin.email)

    follow_nav(page, "Users")
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    table = page.get_by_role("table", name="All users")
    expect(table.get_by_role("row")).to_have_count(5)
    if viewport == "phone":
        # Too wide for a phone: the table scrolls in its own box, which keyboards can reach.
        region = page.get_by_role("region", name="All users")
        expect(region).to_have_attribute("tabindex", "0")
        region.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "() => document.querySelector('.engage-table-wrap').scrollLeft > 0"
        )
    check("users")

    page.get_by_role("link", name="Add a user").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a user")
    check("new-user-form")

    page.get_by_role("button", name="Add user").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title("Error: Add a user – engage")
    check("new-user-errors")

    page.get_by_label("Email address").fill("new.person@example.org")
    page.get_by_label("Full name").fill("New Person")
    page.get_by_label("Role").select_option(label="Steering group")
    page.get_by_label("Initial password").fill("three unrelated words here")
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_role("status")).to_contain_text("Added new.person@example.org")
    expect(table).to_contain_text("new.person@example.org")
    check("user-added")

    follow_nav(page, "Audit log")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    expect(page.get_by_role("table")).to_contain_text("new.person@example.org")
    check("audit-log")
