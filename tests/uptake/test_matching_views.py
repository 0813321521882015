"""The uptake upload's matching step: a provider's file with headings engage does not know."""

from __future__ import annotations

import html
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from engage.columns import Matching
from engage.extensions import db
from engage.matchings import find_matching, save_matching
from engage.uptake.models import PendingUpload, Referral
from tests.uptake.support import PAM, csv_bytes, setup_directory

# A provider's own headings: "Month of referral" is not a heading engage knows, and there is
# no service column (the file is all one service).
OWN = [["Month of referral", "ODS code", "Referrals", "Why"],
       ["2022-06", "A81001", 3, "Musculoskeletal"],
       ["2022-07", "A81002", 4, "Musculoskeletal"]]


@pytest.fixture()
def directory(app):
    setup_directory()
    db.session.commit()


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def upload(client, rows=OWN):  # type: ignore[no-untyped-def]
    response = client.post("/uptake/import", data={
        "file": (io.BytesIO(csv_bytes(rows)), "own.csv"), "date_order": "auto"},
        content_type="multipart/form-data")
    assert response.status_code == 302
    return response.headers["Location"].rsplit("/", 1)[-1]


def referrals() -> int:
    return db.session.scalar(select(func.count(Referral.id))) or 0


def choose(client, token, **choices):  # type: ignore[no-untyped-def]
    form = {"column_0": "", "column_1": "organisation_code", "column_2": "count",
            "column_3": "", **choices}
    return client.post(f"/uptake/import/{token}/columns", data=form)


def test_a_file_without_known_headings_offers_the_matching_step(manager_client, directory):
    token = upload(manager_client)
    page = text(manager_client.get(f"/uptake/import/{token}"))
    assert "has no column for" in page and "Match the file's columns to fields" in page
    page = text(manager_client.get(f"/uptake/import/{token}/columns"))
    assert "Column 1: Month of referral" in page and "For example: 2022-06, 2022-07" in page
    assert '<option selected value="organisation_code">' in page
    assert referrals() == 0


def test_a_complete_matching_is_checked_then_recorded_and_saved(manager_client, directory):
    token = upload(manager_client)
    response = choose(manager_client, token, column_0="date", column_3="reason",
                      value_service=PAM, save_as="Provider monthly")
    assert response.status_code == 302
    page = text(manager_client.get(f"/uptake/import/{token}"))
    assert "2, with 7 referrals" in page and referrals() == 0
    assert find_matching(db.session, "uptake", "Provider monthly") is None
    response = manager_client.post(f"/uptake/import/{token}/confirm", data={})
    assert response.status_code == 302, text(response)
    assert referrals() == 2
    saved = find_matching(db.session, "uptake", "Provider monthly")
    assert saved is not None and saved.values == {"service": PAM}
    assert saved.columns["date"] == "Month of referral"


def test_a_saved_matching_is_offered_for_the_same_headings(manager_client, directory):
    save_matching(db.session, "uptake", "Provider monthly", OWN[0],
                  Matching({"date": "Month of referral"}, {"service": PAM}), by="",
                  now=datetime(2026, 12, 1, tzinfo=UTC))
    db.session.commit()
    token = upload(manager_client)
    page = text(manager_client.get(f"/uptake/import/{token}/columns"))
    assert "Use saved matching 'Provider monthly'" in page
    assert '<option selected value="date">' in page and f'value="{PAM}"' in page


@pytest.mark.parametrize(("choices", "message"), [
    ({"column_0": "date", "column_3": "date", "value_service": PAM},
     "Columns 1 ('Month of referral') and 4 ('Why') are both matched to Date or month"),
    ({"column_0": "date"}, "Choose the column that holds Service, or give one value"),
    ({"column_0": "colour", "value_service": PAM}, "Not a valid choice"),
])
def test_a_bad_matching_is_refused_and_nothing_is_kept(manager_client, directory, choices,
                                                       message):
    token = upload(manager_client)
    response = choose(manager_client, token, **choices)
    assert response.status_code == 400
    page = text(response)
    assert "nhsuk-error-summary" in page and message in page
    pending = db.session.scalar(select(PendingUpload))
    assert pending is not None and pending.matching is None and referrals() == 0


def test_a_value_invalid_for_its_field_shows_in_the_check(manager_client, directory):
    token = upload(manager_client)
    assert choose(manager_client, token, column_0="date", value_service="Massage"
                  ).status_code == 302
    page = text(manager_client.get(f"/uptake/import/{token}"))
    assert "Map 'Massage' to a catalogue service" in page
    response = manager_client.post(f"/uptake/import/{token}/confirm", data={})
    assert response.status_code == 422 and referrals() == 0


def test_the_matching_page_of_someone_elses_upload_is_not_found(manager_client, directory,
                                                                 login):
    from engage.auth.models import Role

    token = upload(manager_client)
    other = login(Role.ADMIN)
    assert other.get(f"/uptake/import/{token}/columns").status_code == 404
