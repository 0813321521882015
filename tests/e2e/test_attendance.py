"""Attendance import in a real browser: upload, a refused file, place people by hand, confirm."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from engage.auth.models import Role
from engage.extensions import db
from tests.campaigns.attendance_support import DATA, add_directory, add_touchpoint, invite
from tests.e2e.conftest import BrowserLog
from tests.e2e.helpers import make_signed_up_user, sign_in

pytestmark = pytest.mark.e2e

CHOOSER = re.compile(r"^The attendance report or attendee list")


@pytest.fixture()
def webinar(app):
    orgs = add_directory()
    touchpoint = add_touchpoint(title="Occupational health for practice teams")
    invite(touchpoint, orgs.riverside, orgs.chatteris, orgs.march)
    db.session.commit()
    return touchpoint


def choose_file(page: Page, name: str) -> None:
    """Pick a file through nhsuk-frontend's drop zone, as a person would."""
    with page.expect_file_chooser() as picker:
        page.get_by_role("button", name=CHOOSER).click()
    picker.value.set_files(DATA / name)
    expect(page.get_by_role("button", name=CHOOSER)).to_contain_text(name)


def test_manager_imports_a_teams_report_placing_people_by_hand(app, webinar, page: Page, check,
                                                               browser_log: BrowserLog):
    upload_path = f"/campaigns/touchpoints/{webinar.id}/attendance"
    browser_log.allow_status(400, upload_path)
    browser_log.allow_status(400, upload_path + "/confirm")
    manager = make_signed_up_user(Role.MANAGER)
    sign_in(page, manager.email)

    page.goto(f"/campaigns/touchpoints/{webinar.id}")
    imports = page.get_by_role("region", name="Attendance imports")
    expect(imports).to_contain_text("No attendance list has been imported")
    imports.get_by_role("link", name="Import attendance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import attendance")
    check("upload-form")

    # A file in a layout engage does not know: not read, saying which columns it found, with
    # the step to match its columns.
    choose_file(page, "unknown_layout.csv")
    page.get_by_role("button", name="Check the attendance").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Columns found: 'Order #', 'First Name'")
    expect(summary).to_contain_text("Missing: an email address")
    expect(page).to_have_title(re.compile(r"^Error: Match the columns of unknown_layout.csv"))
    check("unknown-layout")
    page.get_by_role("link", name="Back to the attendance upload").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import attendance")
    page.wait_for_load_state("load")

    # The Teams report (UTF-16, tab-separated, summary block first).
    choose_file(page, "teams_attendance_report.csv")
    page.get_by_role("button", name="Check the attendance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the attendance before saving")
    details = page.locator("dl.nhsuk-summary-list")
    expect(details).to_contain_text("Microsoft Teams attendance report")
    expect(details).to_contain_text("4 people from 3 organisations")
    matched = page.get_by_role("table", name=re.compile("Organisations matched from the list"))
    expect(matched.locator("tbody tr")).to_have_count(3)
    expect(matched).to_contain_text("Riverside Surgery")
    absent = page.get_by_role("list").filter(has_text="Chatteris Surgery (D81003)")
    expect(absent).to_contain_text("March Chemists (FB456)")
    check("preview")

    # Saving with nobody placed: one error per person, linked to their box.
    page.get_by_role("button", name="Save the attendance").click()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(3)
    check("preview-errors")
    summary.get_by_role("link", name=re.compile("Dr Chris Evans")).click()
    chris = page.get_by_role("group", name=re.compile("Dr Chris Evans"))
    box = chris.get_by_label("Organisation (ODS code or name)")
    expect(box).to_be_focused()
    box.fill("March Chemists (FB456)")
    page.get_by_role("group", name=re.compile("Jo Bloggs")).get_by_label(
        "Not from a GP practice, federation or pharmacy").check()
    page.get_by_label("Everyone I leave without an organisation is not from a GP practice, "
                      "federation or pharmacy").check()
    check("placed")
    page.get_by_role("button", name="Save the attendance").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Attendance from teams_attendance_report.csv")
    expect(page.get_by_role("status")).to_contain_text(
        "4 organisations attended, 1 invited and absent")
    recorded = page.get_by_role("table", name="What was recorded")
    expect(recorded.get_by_role("row", name=re.compile("March Chemists"))).to_contain_text(
        "Attended")
    expect(recorded.get_by_role("row", name=re.compile("Chatteris Surgery"))).to_contain_text(
        "Invited, absent")
    check("result")

    # The touchpoint page lists the import.
    page.get_by_role("link", name="Back to the touchpoint").first.click()
    listed = page.get_by_role("table", name=re.compile("Attendance lists imported"))
    expect(listed).to_contain_text("teams_attendance_report.csv")
    expect(listed).to_contain_text(manager.email)
    check("touchpoint-with-import")

    # The same file again is recognised, not counted twice.
    page.goto(upload_path)
    browser_log.allow_status(409, upload_path)
    choose_file(page, "teams_attendance_report.csv")
    page.get_by_role("button", name="Check the attendance").click()
    expect(summary).to_contain_text("already imported for this touchpoint")
    check("duplicate")
