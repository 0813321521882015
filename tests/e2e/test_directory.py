"""The directory in a real browser: browse, filter, open an organisation, import the ODS file."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from engage.auth.models import Role
from engage.database import utcnow
from engage.demo.loader import load_demo
from engage.extensions import db
from tests.e2e.conftest import BrowserLog
from tests.e2e.helpers import follow_nav, make_signed_up_user, sign_in

pytestmark = pytest.mark.e2e

ACTIVE_06H_PRACTICES = 88


@pytest.fixture()
def demo_directory(app, shared_data: Path) -> None:
    """The demo installation: real 06H practices, generated pharmacies, federations, contacts."""
    load_demo(db.session, now=utcnow(), data_dir=shared_data)
    db.session.commit()


def results_heading(page: Page):
    return page.locator("#results")


def test_manager_browses_filters_and_opens_an_organisation(app, demo_directory, page: Page,
                                                           check, viewport):
    manager = make_signed_up_user(Role.MANAGER)
    sign_in(page, manager.email)
    expect(page.get_by_role("region", name="Demo data notice")).to_contain_text("Demo data")

    follow_nav(page, "Directory")
    expect(page.get_by_role("heading", level=1)).to_have_text("Directory")
    expect(results_heading(page)).to_have_text(re.compile(r"^\d+ organisations$"))
    list_table = page.get_by_role("table", name=re.compile(r"^Organisations, page 1 of \d+"))
    expect(list_table.get_by_role("row")).to_have_count(51)  # header and a page of 50
    check("list")

    # Filter: active community pharmacies in the Fens.
    page.get_by_label("Kind").select_option(label="Community pharmacy")
    page.get_by_label("Locality").select_option(label="Fens")
    page.get_by_label("Status").select_option(label="Active")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"kind=pharmacy|kind=community"))
    expect(results_heading(page)).to_have_text(re.compile(r"^\d+ organisations? match(es)?$"))
    expect(page.get_by_label("Kind")).to_have_value(re.compile(r"pharmacy"))
    rows = list_table.locator("tbody tr")
    expect(rows.first).to_be_visible()
    for kind in rows.locator("td:nth-child(3)").all_inner_texts():
        assert kind == "Community pharmacy"
    for locality in rows.locator("td:nth-child(4)").all_inner_texts():
        assert locality == "Fens"
    check("filtered")

    # The export carries the same filters.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download these as a CSV file").click()
    exported = list(csv.reader(io.StringIO(
        Path(download_info.value.path()).read_text(encoding="utf-8-sig"))))
    matches = int(results_heading(page).inner_text().split()[0])
    assert len(exported) == matches + 1  # a header row, then every match (not just this page)

    # Search narrows further; then open the first organisation.
    first_name = rows.first.get_by_role("link").inner_text()
    page.get_by_label("Search by name, ODS code or postcode").fill(first_name)
    page.get_by_role("button", name="Apply filters").click()
    expect(list_table).to_contain_text(first_name)
    list_table.get_by_role("link", name=first_name).first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text(first_name)
    details = page.locator("dl.nhsuk-summary-list").first
    expect(details).to_contain_text("Locality")
    expect(details).to_contain_text("Fens")
    contacts = page.get_by_role("table", name=f"Contacts at {first_name}")
    expect(contacts.locator("tbody tr").first).to_be_visible()
    check("organisation")

    page.get_by_role("link", name="Back to the directory").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Directory")


def test_steering_member_reads_the_directory_but_cannot_change_it(app, demo_directory,
                                                                  page: Page, check):
    member = make_signed_up_user(Role.STEERING)
    sign_in(page, member.email)
    follow_nav(page, "Directory")
    expect(page.get_by_role("link", name="Import the NHS ODS practice file")).to_have_count(0)
    page.get_by_role("table").get_by_role("link").first.click()
    expect(page.get_by_role("link", name="Change the details")).to_have_count(0)
    expect(page.get_by_role("link", name="Add a contact")).to_have_count(0)
    check("organisation-read-only")


def test_manager_imports_the_ods_file_and_sees_88_active_practices(app, shared_data: Path,
                                                                    page: Page, check,
                                                                    browser_log: BrowserLog):
    # A refused form answers 400, which Chromium logs; it is the expected answer here.
    browser_log.allow_status(400, "/directory/import/ods")
    manager = make_signed_up_user(Role.MANAGER)
    sign_in(page, manager.email)

    follow_nav(page, "Directory")
    expect(page.get_by_text("The directory is empty.")).to_be_visible()
    check("empty-directory")

    page.get_by_role("link", name="Import the NHS ODS practice file").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import the NHS ODS practice file")
    check("import-form")

    # Nothing chosen: the NHS error summary, focused, linked to the file field.
    page.get_by_role("button", name="Import the file").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Choose the file to upload")
    expect(page).to_have_title(re.compile(r"^Error: "))
    check("import-no-file")
    # The link leads to nhsuk-frontend's "Choose file" drop zone, which opens the file picker.
    summary.get_by_role("link", name="Choose the file to upload").click()
    chooser = page.get_by_role("button", name=re.compile(r"^The epraccur CSV file"))
    expect(chooser).to_be_focused()
    # Its name holds all its visible text, for voice control (the axe waiver in axe.py).
    expect(chooser).to_have_accessible_name(
        re.compile(r"^The epraccur CSV file\s*,\s*No file chosen,?\s+Choose file or drop file$")
    )
    with page.expect_file_chooser() as picker:
        chooser.click()
    picker.value.set_files(shared_data / "epraccur-06H.csv")
    expect(chooser).to_contain_text("epraccur-06H.csv")
    page.get_by_label("Commissioner code").fill("06H")
    page.get_by_label("Skip them").check()
    page.get_by_role("button", name="Import the file").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Import of epraccur-06H.csv")
    expect(page.get_by_role("status")).to_contain_text("Imported epraccur-06H.csv")
    result = page.locator("dl.nhsuk-summary-list")
    expect(result).to_contain_text("Commissioner")
    expect(result).to_contain_text("06H")
    check("import-summary")

    page.get_by_role("link", name="Browse the directory").click()
    page.get_by_label("Kind").select_option(label="GP practice")
    page.get_by_label("Status").select_option(label="Active")
    page.get_by_role("button", name="Apply filters").click()
    expect(results_heading(page)).to_have_text(f"{ACTIVE_06H_PRACTICES} organisations match")
    check("active-practices")

    follow_nav(page, "Overview")
    expect(page.locator(".nhsuk-card", has_text="GP practices")).to_contain_text(
        str(ACTIVE_06H_PRACTICES)
    )
    check("overview-after-import")
