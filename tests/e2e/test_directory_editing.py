"""Changing the directory by hand and from a CSV file: every form, its errors, at both widths."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from engage.auth.models import Role
from engage.directory.models import OrgKind
from engage.extensions import db
from tests.e2e.conftest import BrowserLog
from tests.e2e.helpers import follow_nav, make_signed_up_user, sign_in
from tests.factories import make_locality, make_organisation

pytestmark = pytest.mark.e2e


@pytest.fixture()
def practice(app):
    fens = make_locality("Fens")
    make_locality("Cambridge")
    org = make_organisation(name="Riverside Surgery", ods_code="D99001", postcode="PE13 1AA",
                            post_town="WISBECH", locality=fens, kind=OrgKind.GP_PRACTICE)
    db.session.commit()
    return org


def test_manager_changes_an_organisation_and_adds_a_contact(app, practice, page: Page, check,
                                                            browser_log: BrowserLog):
    browser_log.allow_status(400, "/directory/organisations/D99001/edit")
    browser_log.allow_status(400, "/directory/organisations/D99001/contacts/new")
    manager = make_signed_up_user(Role.MANAGER)
    sign_in(page, manager.email)
    page.goto("/directory/organisations/D99001")
    expect(page.get_by_text("No contacts yet.")).to_be_visible()

    page.get_by_role("link", name="Change the details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change Riverside Surgery")
    check("edit-form")

    page.get_by_label("Postcode").fill("NOT A POSTCODE")
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter a UK postcode")
    expect(page).to_have_title(re.compile(r"^Error: Change Riverside Surgery"))
    check("edit-errors")

    summary.get_by_role("link", name=re.compile("Enter a UK postcode")).click()
    expect(page.get_by_label("Postcode")).to_be_focused()
    page.get_by_label("Postcode").fill("PE13 2BB")
    page.get_by_label("Staff headcount").fill("23")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved Riverside Surgery")
    expect(page.locator("dl.nhsuk-summary-list").first).to_contain_text("23")

    page.get_by_role("link", name="Add a contact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a contact")
    page.get_by_label("Email address").fill("not-an-email")
    page.get_by_role("button", name="Add the contact").click()
    expect(summary).to_contain_text("Enter the contact's name")
    expect(page.get_by_label("Name")).to_have_attribute("aria-describedby", "name-error")
    check("contact-errors")

    page.get_by_label("Name").fill("Priya Shah")
    page.get_by_label("Role").select_option(label="Practice manager")
    page.get_by_label("Email address").fill("priya.shah@example.org")
    page.get_by_role("button", name="Add the contact").click()
    contacts = page.get_by_role("table", name="Contacts at Riverside Surgery")
    expect(contacts).to_contain_text("priya.shah@example.org")
    check("contact-added")

    # Deleting asks first, on a page of its own; cancel leaves the contact, confirming deletes.
    contacts.get_by_role("link", name="Delete Priya Shah").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to delete the contact Priya Shah?")
    expect(page.locator(".nhsuk-summary-list")).to_contain_text("priya.shah@example.org")
    check("contact-delete-confirm")
    page.get_by_role("link", name="Cancel").click()
    expect(contacts).to_contain_text("priya.shah@example.org")
    contacts.get_by_role("link", name="Delete Priya Shah").click()
    page.get_by_role("button", name="Delete the contact").click()
    expect(page.get_by_role("status")).to_contain_text("Removed Priya Shah.")
    expect(page.get_by_text("priya.shah@example.org")).to_have_count(0)


def test_manager_reads_the_locality_rules(app, practice, page: Page, check):
    manager = make_signed_up_user(Role.MANAGER)
    sign_in(page, manager.email)
    follow_nav(page, "Directory")
    page.get_by_role("link", name="Localities and their rules").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Localities")
    expect(page.get_by_role("heading", name=re.compile(r"^Fens"))).to_be_visible()
    check("localities")


def test_csv_import_refuses_a_bad_file_then_takes_a_good_one(app, page: Page, check,
                                                             tmp_path: Path,
                                                             browser_log: BrowserLog):
    browser_log.allow_status(400, "/directory/import/csv")
    bad = tmp_path / "pharmacies-bad.csv"
    bad.write_text("code,name,kind,postcode,email\r\n"
                   "FA001,High Street Pharmacy,Community pharmacy,PE13 1AA,not-an-email\r\n",
                   encoding="utf-8")
    good = tmp_path / "pharmacies.csv"
    good.write_text("ODS code,Name,Type,Postcode,Email\r\n"
                    "FA001,High Street Pharmacy,Pharmacy,PE13 1AA,lead@high-street.example.org\r\n"
                    "FA002,Market Pharmacy,Pharmacy,PE15 2BN,\r\n",
                    encoding="utf-8")
    manager = make_signed_up_user(Role.MANAGER)
    sign_in(page, manager.email)
    follow_nav(page, "Directory")
    page.get_by_role("link", name=re.compile(r"^Import pharmacies or other organisations")).click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Import organisations from a CSV file")
    check("csv-form")

    page.locator("input[type=file]").set_input_files(bad)
    page.get_by_role("button", name="Import the file").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Row 2")
    check("csv-rejected")

    page.locator("input[type=file]").set_input_files(good)
    page.get_by_role("button", name="Import the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import of pharmacies.csv")
    expect(page.locator("dl.nhsuk-summary-list")).to_contain_text("Added")
    check("csv-imported")


def test_names_read_in_proper_case_and_a_manager_sets_a_preferred_name(app, page: Page, check):
    make_organisation(name="CORNERSTONE PRACTICE", ods_code="D99010")
    make_organisation(name="Chatteris Pharmacy", ods_code="FA991",
                      kind=OrgKind.COMMUNITY_PHARMACY)
    make_organisation(name="LENSFIELD MEDICAL PRACTICE", ods_code="D99011")
    db.session.commit()
    manager = make_signed_up_user(Role.MANAGER)
    sign_in(page, manager.email)
    follow_nav(page, "Directory")
    links = page.locator("#maincontent table tbody tr td:first-child a")
    expect(links).to_have_text(["Chatteris Pharmacy", "Cornerstone Practice",
                                "Lensfield Medical Practice"])
    check("list-proper-case")

    links.get_by_text("Lensfield Medical Practice").click()
    page.get_by_role("link", name="Change the details").click()
    field = page.get_by_label("Name as people read it")
    expect(page.locator("#preferred_name-hint")).to_have_text(
        "Published name: LENSFIELD MEDICAL PRACTICE. Leave blank to show it as: "
        "Lensfield Medical Practice.")
    field.fill("The Lensfield Practice")
    check("preferred-name-form")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved The Lensfield Practice")
    expect(page.get_by_role("heading", level=1)).to_have_text("The Lensfield Practice")

    page.goto("/directory/?q=lensfield+medical")
    expect(links).to_have_text(["The Lensfield Practice"])
    follow_nav(page, "Directory")
    expect(links).to_have_text(["Chatteris Pharmacy", "Cornerstone Practice",
                                "The Lensfield Practice"])
