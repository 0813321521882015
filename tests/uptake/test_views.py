"""The upload → preview → confirm pages, batches and rollback, the uptake and organisation pages."""

from __future__ import annotations

import io
import re
import time

import pytest
from sqlalchemy import func, select

from engage.extensions import db
from engage.uptake import pending as pending_module
from engage.uptake.models import PendingUpload, Referral, UptakeBatch
from tests.uptake.support import HEADER, PAM, csv_bytes, setup_directory

GOOD = [HEADER + ["reason", "staff_group"],
        ["2022-06-14", "A81001", PAM, 2, "Musculoskeletal", "Nursing"],
        ["2022-06", "A81002", PAM, 7, "Mental and behavioural", "Admin and clerical"],
        ["2022-06", "", "Medical Helpline", 5, "", ""]]


@pytest.fixture()
def directory(app):
    setup_directory()
    db.session.commit()


def upload(client, rows=GOOD, name="june.csv", **extra):
    data = {"file": (io.BytesIO(csv_bytes(rows)), name), "date_order": "auto", **extra}
    return client.post("/uptake/import", data=data, content_type="multipart/form-data")


def token_of(response) -> str:
    return response.headers["Location"].rsplit("/", 1)[-1]


def referrals() -> int:
    return db.session.scalar(select(func.count(Referral.id))) or 0


def test_upload_shows_a_preview_and_records_nothing(manager_client, directory):
    response = upload(manager_client)
    assert response.status_code == 302
    page = manager_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Check the figures before recording them" in page
    assert "Delimiter: comma" in page and "3, with 14 referrals" in page
    assert "/confirm\"" in page and referrals() == 0


def test_confirm_records_the_batch_and_shows_it(manager_client, directory):
    token = token_of(upload(manager_client))
    response = manager_client.post(f"/uptake/import/{token}/confirm", data={})
    assert response.status_code == 302
    assert referrals() == 3
    page = manager_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "june.csv" in page and "Roll back batch" in page
    assert db.session.scalar(select(func.count(PendingUpload.id))) == 0


def test_a_file_with_errors_cannot_be_confirmed(manager_client, directory):
    token = token_of(upload(manager_client, [HEADER, ["2022-06-14", "A81009", PAM, -1]]))
    page = manager_client.get(f"/uptake/import/{token}").get_data(as_text=True)
    assert "Problems to fix" in page and "A81001 (Riverside Surgery 1)" in page
    assert "/confirm\"" not in page
    response = manager_client.post(f"/uptake/import/{token}/confirm", data={})
    assert response.status_code == 422 and referrals() == 0


def test_a_file_that_cannot_be_read_says_why(manager_client, directory):
    token = token_of(upload(manager_client, [["Patient Name", "date", "service"], ["A", "x", "y"]]))
    page = manager_client.get(f"/uptake/import/{token}").get_data(as_text=True)
    assert "identify people" in page and "The file cannot be read" in page


def test_upload_without_a_file_is_refused(manager_client, directory):
    response = manager_client.post("/uptake/import", data={"date_order": "auto"})
    assert response.status_code == 400
    assert "Choose the provider" in response.get_data(as_text=True)


def test_uploading_the_same_file_again_is_refused(manager_client, directory):
    manager_client.post(f"/uptake/import/{token_of(upload(manager_client))}/confirm", data={})
    token = token_of(upload(manager_client))
    page = manager_client.get(f"/uptake/import/{token}").get_data(as_text=True)
    assert "Already imported" in page and "/confirm\"" not in page
    assert manager_client.post(f"/uptake/import/{token}/confirm").status_code == 409


def test_overlap_asks_to_replace_or_add(manager_client, directory):
    manager_client.post(f"/uptake/import/{token_of(upload(manager_client))}/confirm", data={})
    token = token_of(upload(manager_client, [HEADER, ["2022-06-20", "A81001", PAM, 4]], "v2.csv"))
    page = manager_client.get(f"/uptake/import/{token}").get_data(as_text=True)
    assert "Some months already have figures" in page
    assert manager_client.post(f"/uptake/import/{token}/confirm").status_code == 409
    response = manager_client.post(f"/uptake/import/{token}/confirm", data={"mode": "replace"})
    assert response.status_code == 302
    batch = db.session.scalar(select(UptakeBatch).order_by(UptakeBatch.id.desc()))
    assert batch.replaced == 2


def test_unknown_service_names_are_mapped_from_the_preview(manager_client, directory):
    token = token_of(upload(manager_client, [HEADER, ["2022-06", "A81001", "Management Referral",
                                                      3]]))
    page = manager_client.get(f"/uptake/import/{token}").get_data(as_text=True)
    assert "Service names engage does not know" in page
    service_id = re.search(r'<option value="(\d+)">' + PAM, page)[1]
    response = manager_client.post(f"/uptake/import/{token}/aliases",
                                   data={"service_0": service_id})
    assert response.status_code == 302
    page = manager_client.get(f"/uptake/import/{token}").get_data(as_text=True)
    assert "/confirm\"" in page


def test_mapping_nothing_is_refused(manager_client, directory):
    token = token_of(upload(manager_client, [HEADER, ["2022-06", "A81001", "Mystery", 3]]))
    assert manager_client.post(f"/uptake/import/{token}/aliases",
                               data={"service_0": ""}).status_code == 400


def test_another_users_upload_is_not_found(manager_client, login, directory):
    from engage.auth.models import Role

    token = token_of(upload(manager_client))
    other = login(Role.MANAGER)
    assert other.get(f"/uptake/import/{token}").status_code == 404


def test_a_large_file_is_checked_in_the_background_with_progress(
        manager_client, directory, monkeypatch):
    monkeypatch.setattr(pending_module, "BACKGROUND_ROWS", 1)
    token = token_of(upload(manager_client))
    for _ in range(100):
        db.session.expire_all()
        record = db.session.scalar(select(PendingUpload).where(PendingUpload.token == token))
        if record.status != "checking":
            break
        time.sleep(0.05)
    assert record.status == "ready"
    page = manager_client.get(f"/uptake/import/{token}").get_data(as_text=True)
    assert "/confirm\"" in page


def test_checking_page_refreshes_and_shows_rows_done(manager_client, directory):
    token = token_of(upload(manager_client))
    record = db.session.scalar(select(PendingUpload).where(PendingUpload.token == token))
    record.status, record.rows_done = "checking", 15000
    db.session.commit()
    page = manager_client.get(f"/uptake/import/{token}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in page and "15,000" in page and "of about 3" in page


def test_rollback_from_the_batch_page(manager_client, directory):
    location = manager_client.post(f"/uptake/import/{token_of(upload(manager_client))}/confirm",
                                   data={}).headers["Location"]
    response = manager_client.post(location + "/rollback")
    assert response.status_code == 302 and referrals() == 0
    assert manager_client.post(location + "/rollback").status_code == 409


def test_uptake_page_and_organisation_page_show_the_figures(manager_client, steering_client,
                                                            directory):
    manager_client.post(f"/uptake/import/{token_of(upload(manager_client))}/confirm", data={})
    page = steering_client.get("/uptake").get_data(as_text=True)
    assert "Organisations referring" in page and "2 of 4" in page
    assert "Community pharmacies" in page and "No referrals" in page
    assert "Musculoskeletal" in page and "&lt;5" in page  # 2 nursing referrals suppressed
    assert "data-chart-data='" in page
    org_page = steering_client.get("/directory/organisations/A81002").get_data(as_text=True)
    assert "referrals-heading" in org_page and "Jun 2022" in org_page


def test_steering_cannot_import(steering_client, directory):
    assert steering_client.get("/uptake/import").status_code == 403


def test_a_workbook_sheet_can_be_chosen_from_the_preview(manager_client, directory):
    from tests.uptake.support import xlsx_bytes

    data = xlsx_bytes({"Notes": [["nothing"]],
                       "Referrals": [HEADER, ["2022-06", "A81001", PAM, 3]]})
    response = manager_client.post("/uptake/import", data={
        "file": (io.BytesIO(data), "june.xlsx"), "date_order": "auto", "sheet": "Referrals"},
        content_type="multipart/form-data")
    page = manager_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sheet: Referrals" in page and "/confirm\"" in page
    token = token_of(response)
    response = manager_client.post(f"/uptake/import/{token}/recheck",
                                   data={"sheet": "Notes", "date_order": "auto"})
    page = manager_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "has no column for" in page


def test_a_workbook_whose_first_sheet_is_not_the_data_offers_its_sheets(manager_client,
                                                                       directory):
    from tests.uptake.support import xlsx_bytes

    data = xlsx_bytes({"Notes": [["nothing"]],
                       "Referrals": [HEADER, ["2022-06", "A81001", PAM, 3]]})
    response = manager_client.post("/uptake/import", data={
        "file": (io.BytesIO(data), "june.xlsx"), "date_order": "auto"},
        content_type="multipart/form-data")
    token = token_of(response)
    page = manager_client.get(f"/uptake/import/{token}").get_data(as_text=True)
    assert "The file cannot be read" in page and "Read this sheet" in page
    response = manager_client.post(f"/uptake/import/{token}/recheck",
                                   data={"sheet": "Referrals", "date_order": "auto"})
    page = manager_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "/confirm\"" in page
