"""Uploads waiting for confirmation: the background check's problem list, and how long and how
many uploads are kept."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from engage.auth.models import Role, User
from engage.extensions import db
from engage.uptake import pending as pending_module
from engage.uptake.importer import check_file
from engage.uptake.models import PendingUpload
from engage.uptake.pending import MAX_PENDING_PER_USER, create_pending, needs_background
from tests.uptake.support import HEADER, NOW, PAM, TODAY, csv_bytes, setup_directory

UNKNOWN_AND_UNDECIDED = csv_bytes([HEADER, ["1/1/22", "A81001", "Occupational Therapy", 1]])


@pytest.fixture()
def directory(app):
    setup_directory()
    db.session.commit()


def upload(client, data: bytes, name: str = "figures.csv"):
    return client.post("/uptake/import", data={"file": (io.BytesIO(data), name),
                                               "date_order": "auto"},
                       content_type="multipart/form-data")


def token_of(response) -> str:
    return response.headers["Location"].rsplit("/", 1)[-1]


def pending_count(**where) -> int:
    query = select(func.count(PendingUpload.id)).filter_by(**where)
    return db.session.scalar(query) or 0


def test_an_unknown_service_beside_an_undecidable_date_is_listed_not_a_crash(directory):
    preview, _ = check_file(db.session, UNKNOWN_AND_UNDECIDED, "figures.csv", today=TODAY)
    found = {(p["row"], p["what"]) for p in preview.problems}
    assert (2, "is not a service in the catalogue") in found
    assert (2, "the file's dates are ambiguous") in found


def test_the_upload_page_lists_those_problems(manager_client, directory):
    response = upload(manager_client, UNKNOWN_AND_UNDECIDED)
    assert response.status_code == 302
    page = manager_client.get(response.headers["Location"])
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Occupational Therapy" in text and "could be day first or month first" in text


def test_the_background_check_reports_the_real_problem_list(app, manager_client, directory):
    rows = [HEADER] + [["1/1/22", f"X{n:05d}", "Occupational Therapy", 1]
                       for n in range(pending_module.BACKGROUND_ROWS + 1)]
    data = csv_bytes(rows)
    manager_id = db.session.scalar(select(User.id).where(User.role == Role.MANAGER))
    record = create_pending(db.session, data, "large.csv", user_id=manager_id, now=NOW)
    db.session.commit()
    assert needs_background(record)
    pending_module._check_in_background(app, record.id, NOW)  # the thread's step, run here
    db.session.expire_all()
    record = db.session.get(PendingUpload, record.id)
    assert record.status == "ready", record.message
    whats = {p["what"] for p in record.preview["problems"]}
    assert {"is not a service in the catalogue", "is not an ODS code in the directory",
            "the file's dates are ambiguous"} <= whats
    assert record.preview["problem_count"] == 2 * (pending_module.BACKGROUND_ROWS + 1) + 1
    page = manager_client.get(f"/uptake/import/{record.token}").get_data(as_text=True)
    assert "could not finish" not in page
    assert "… and 29,503 more problems, not listed." in page


def test_a_small_xlsx_of_many_rows_is_checked_in_the_background(directory):
    from tests.uptake.bombs import many_rows

    data = many_rows(pending_module.BACKGROUND_ROWS + 1, declare=False)
    assert len(data) < 1_000_000  # the old threshold: compressed bytes
    record = create_pending(db.session, data, "many.xlsx", user_id=None, now=NOW)
    assert needs_background(record)


def test_each_user_keeps_at_most_three_uploads_the_oldest_replaced(manager_client, login,
                                                                    directory):
    other = login(Role.MANAGER)
    theirs = token_of(upload(other, csv_bytes([HEADER, ["2022-06", "A81001", PAM, 9]])))
    tokens = [token_of(upload(manager_client, csv_bytes([HEADER, ["2022-06", "A81001", PAM, n]])))
              for n in range(MAX_PENDING_PER_USER + 1)]
    assert pending_count() == MAX_PENDING_PER_USER + 1  # three of the manager's, one of theirs
    assert manager_client.get(f"/uptake/import/{tokens[0]}").status_code == 404
    for token in tokens[1:]:
        assert manager_client.get(f"/uptake/import/{token}").status_code == 200
    assert other.get(f"/uptake/import/{theirs}").status_code == 200


def test_discarding_an_upload_deletes_it(manager_client, directory):
    token = token_of(upload(manager_client, UNKNOWN_AND_UNDECIDED))
    page = manager_client.get(f"/uptake/import/{token}").get_data(as_text=True)
    assert f"/uptake/import/{token}/discard" in page
    response = manager_client.post(f"/uptake/import/{token}/discard")
    assert response.status_code == 302 and response.headers["Location"] == "/uptake/import"
    assert pending_count() == 0
    assert manager_client.get(f"/uptake/import/{token}").status_code == 404


def test_another_users_upload_cannot_be_discarded(manager_client, login, directory):
    token = token_of(upload(manager_client, UNKNOWN_AND_UNDECIDED))
    assert login(Role.MANAGER).post(f"/uptake/import/{token}/discard").status_code == 404
    assert pending_count() == 1


def test_a_file_that_cannot_be_read_is_not_kept(manager_client, directory):
    token = token_of(upload(manager_client, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "chart.csv"))
    record = db.session.scalar(select(PendingUpload).where(PendingUpload.token == token))
    assert record.status == "failed" and record.data == b"" and "PNG" in record.message
    page = manager_client.get(f"/uptake/import/{token}").get_data(as_text=True)
    assert "engage has not kept the file" in page


def test_a_confirmed_upload_is_deleted(manager_client, directory):
    token = token_of(upload(manager_client, csv_bytes([HEADER, ["2022-06", "A81001", PAM, 2]])))
    assert manager_client.post(f"/uptake/import/{token}/confirm").status_code == 302
    assert pending_count() == 0
