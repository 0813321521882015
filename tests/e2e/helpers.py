"""Small steps the journeys share."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect

from engage.auth.models import Role, User
from engage.extensions import db
from tests.factories import PASSWORD, make_user


def make_signed_up_user(role: Role = Role.MANAGER, **overrides: object) -> User:
    """A user the live server can see (committed)."""
    user = make_user(role=role, **overrides)  # type: ignore[arg-type]
    db.session.commit()
    return user


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real form and land on the overview."""
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Sign in to engage")


def follow_nav(page: Page, name: str) -> None:
    """Follow a header navigation link, through the "More" menu when it has moved there."""
    # Wait for nhsuk-frontend to have sorted the links into the bar and the "More" menu.
    page.wait_for_selector("header[data-nhsuk-header-init]", state="attached")
    nav = page.get_by_role("navigation", name="Menu")
    link = nav.get_by_role("link", name=name, exact=True)
    if not link.first.is_visible():
        nav.get_by_role("button", name="Browse More").click()
    link.first.click()


def fill_date(page: Page, legend: str, day: date, time: str | None = None) -> None:
    """Type a date (and a time) into the NHS.UK date input whose fieldset has `legend`."""
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))
    if time is not None:
        group.get_by_label("Time").fill(time)
