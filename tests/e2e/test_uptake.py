"""Uptake in a real browser: a refused file, mapping a service name, confirming, the uptake page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from engage.auth.models import Role
from engage.extensions import db
from tests.e2e.conftest import BrowserLog
from tests.e2e.helpers import follow_nav, make_signed_up_user, sign_in
from tests.uptake.support import HEADER, PAM, csv_bytes, setup_directory

pytestmark = pytest.mark.e2e

CHOOSER = re.compile(r"^The provider's referral figures")


@pytest.fixture()
def directory(app):
    setup_directory()
    db.session.commit()


def choose_file(page: Page, path: Path) -> None:
    """Pick a file through nhsuk-frontend's drop zone once it has started, as a person would."""
    page.wait_for_selector("[data-nhsuk-file-upload-init]", state="attached")
    with page.expect_file_chooser() as picker:
        page.get_by_role("button", name=CHOOSER).click()
    picker.value.set_files(path)
    expect(page.get_by_role("button", name=CHOOSER)).to_contain_text(path.name)


def test_manager_imports_the_providers_figures(app, directory, page: Page, check, tmp_path,
                                              browser_log: BrowserLog):
    bad = tmp_path / "june-draft.csv"
    bad.write_bytes(csv_bytes([HEADER, ["2022-06-14", "A81009", PAM, -2],
                               ["2022-06-14", "A81002", PAM, 1]]))
    good = tmp_path / "june.csv"
    good.write_bytes(csv_bytes([
        HEADER + ["reason"], ["14/06/2022", "A81001", "Management Referral", 2, "Musculoskeletal"],
        ["2022-06", "A81002", PAM, 7, "Mental and behavioural"],
        ["2022-06", "", "Medical Helpline", 5, ""]]))
    manager = make_signed_up_user(Role.MANAGER)
    sign_in(page, manager.email)

    follow_nav(page, "Uptake")
    expect(page.get_by_role("heading", level=1)).to_have_text("Uptake")
    page.get_by_role("link", name="Import the provider's figures").first.click()
    check("upload-form")

    choose_file(page, bad)
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check the figures before recording them")
    problems = page.get_by_role("table", name=re.compile("Problems in the file"))
    expect(problems).to_contain_text("A81001 (Riverside Surgery 1)")
    expect(problems).to_contain_text("The count is negative")
    expect(page.get_by_role("button", name="Record these figures")).to_have_count(0)
    check("preview-with-problems")

    page.get_by_role("link", name="Upload a different file").click()
    choose_file(page, good)
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Service names engage does not know")).to_be_visible()
    page.get_by_label("'Management Referral' means").select_option(label=PAM)
    check("map-service")
    page.get_by_role("button", name="Remember and check again").click()
    expect(page.locator(".nhsuk-summary-list")).to_contain_text("Delimiter: comma")
    expect(page.locator(".nhsuk-summary-list")).to_contain_text("day first")
    totals = page.get_by_role("table", name=re.compile("Referrals in the file per month"))
    expect(totals).to_contain_text("Jun 2022")
    check("preview")
    page.get_by_role("button", name="Record these figures").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Import batch \d+"))
    check("batch")

    follow_nav(page, "Uptake")
    expect(page.locator(".engage-chart canvas")).to_be_visible()
    kinds = page.get_by_role("table", name="Referrals by kind of organisation")
    expect(kinds).to_contain_text("No referrals")
    check("uptake-page")

    page.goto("/directory/organisations/A81002")
    expect(page.get_by_role("region", name="Referrals", exact=True)).to_contain_text("Jun 2022")
    check("organisation-page")


def test_steering_group_reads_the_demo_uptake_page(app, page: Page, check, shared_data):
    from engage.database import utcnow
    from engage.demo.loader import load_demo

    load_demo(db.session, now=utcnow(), data_dir=shared_data)
    db.session.commit()
    steering = make_signed_up_user(Role.STEERING)
    sign_in(page, steering.email)
    follow_nav(page, "Uptake")
    expect(page.locator(".engage-chart canvas")).to_be_visible()
    services = page.get_by_role("table", name="Referrals by service")
    expect(services).to_contain_text("283")
    expect(services).to_contain_text("248")
    expect(page.get_by_role("table", name=re.compile("Referrals by reason"))).to_contain_text(
        "Mental and behavioural")
    expect(page.get_by_role("link", name="Import the provider's figures")).to_have_count(0)
    check("demo-uptake-page")
