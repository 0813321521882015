"""The directory CSV upload's matching step in a real browser, at both widths."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from engage.auth.models import Role
from engage.directory.models import Organisation, OrgKind
from engage.extensions import db
from engage.matchings import find_matching
from tests.e2e.conftest import BrowserLog
from tests.e2e.helpers import make_signed_up_user, sign_in

pytestmark = pytest.mark.e2e


def test_manager_matches_the_columns_of_a_pharmacy_list(app, page: Page, check, tmp_path: Path,
                                                         browser_log: BrowserLog):
    browser_log.allow_status(400, "/directory/import/csv/match")
    shops = tmp_path / "shops.csv"
    shops.write_text("Branch,Shop,Where,Postcode\r\n"
                     "FQ123,Chatteris Pharmacy,12 High Street,PE16 6AA\r\n"
                     "FQ124,March Chemists,3 Broad Street,PE15 8TP\r\n", encoding="utf-8")
    manager = make_signed_up_user(Role.MANAGER)
    sign_in(page, manager.email)
    page.goto("/directory/import/csv")
    page.locator("input[type=file]").set_input_files(shops)
    page.get_by_role("button", name="Import the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Match the columns of shops.csv")
    expect(page.get_by_label("Column 4: Postcode")).to_have_value("postcode")
    check("matching")

    # Two columns to one field, and no kind: both are named, nothing is written.
    page.get_by_label("Column 1: Branch").select_option(label="ODS code")
    page.get_by_label("Column 2: Shop").select_option(label="Name")
    page.get_by_label("Column 3: Where").select_option(label="Name")
    page.get_by_role("button", name="Check and import the file").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("are both matched to Name")
    expect(summary).to_contain_text("Choose the column that holds Kind")
    expect(page).to_have_title(re.compile(r"^Error: Match the columns"))
    check("matching-errors")

    page.get_by_label("Column 3: Where").select_option(label="Address (lines split by commas)")
    page.get_by_label("Kind for every row").select_option(label="Community pharmacy")
    page.get_by_label("Save this matching as (optional)").fill("Shop list")
    page.get_by_role("button", name="Check and import the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import of shops.csv")
    db.session.remove()
    shop = db.session.get(Organisation, db.session.scalar(
        db.select(Organisation.id).where(Organisation.ods_code == "FQ123")))
    assert shop is not None and shop.kind is OrgKind.COMMUNITY_PHARMACY
    assert find_matching(db.session, "directory", "Shop list") is not None

    # The next file with the same headings is offered the saved matching.
    page.goto("/directory/import/csv")
    page.locator("input[type=file]").set_input_files(shops)
    page.get_by_role("button", name="Import the file").click()
    expect(page.get_by_text("Use saved matching 'Shop list'")).to_be_visible()
    expect(page.get_by_label("Column 1: Branch")).to_have_value("code")
    check("matching-offered")
