"""Insight pages show organisations' names as people read them, in case-blind order; the
downloads keep the published name and add the shown one."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from engage.extensions import db
from tests.factories import make_locality, make_organisation
from tests.insights.helpers import engage

PERIOD = "start=2022-01-01&end=2022-06-30"


@pytest.fixture()
def orgs(app):
    fens = make_locality("Fens")
    made = {
        "corner": make_organisation(name="CORNERSTONE PRACTICE", ods_code="D81010",
                                    locality_id=fens.id),
        "chatteris": make_organisation(name="Chatteris Pharmacy", ods_code="FA100",
                                       locality_id=fens.id, kind="community_pharmacy"),
        "george": make_organisation(name="ST. GEORGE'S MEDICAL CENTRE", ods_code="D81003",
                                    locality_id=fens.id),
        "mine": make_organisation(name="MARCH HEALTH CENTRE", preferred_name="March HC (North)",
                                  ods_code="D81004", locality_id=fens.id),
    }
    engage(made["george"], datetime(2022, 3, 1, 10, tzinfo=UTC))
    db.session.commit()
    return made


def text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def in_order(page: str, *names: str) -> bool:
    places = [page.find(name) for name in names]
    return -1 not in places and places == sorted(places)


def test_cold_page_shows_proper_case_in_case_blind_order(orgs, manager_client):
    page = text(manager_client.get(f"/insights/cold?{PERIOD}&days=30"))
    assert in_order(page, ">Chatteris Pharmacy<", ">Cornerstone Practice<", ">March HC (North)<")
    assert "Choose Cornerstone Practice" in page and "CORNERSTONE" not in page


def test_matrix_shows_proper_case_sorted_by_the_shown_name(orgs, steering_client):
    page = text(steering_client.get(f"/insights/matrix?{PERIOD}&sort=name"))
    assert in_order(page, ">Chatteris Pharmacy<", ">Cornerstone Practice<", ">March HC (North)<",
                    ">St. George&#39;s Medical Centre<")
    assert "CORNERSTONE" not in page and "GEORGE&#39;S" not in page


def test_plan_form_lists_the_chosen_organisations_in_proper_case(orgs, manager_client):
    ids = "&".join(f"org={orgs[k].id}" for k in ("mine", "corner", "chatteris"))
    page = text(manager_client.get(f"/insights/cold/plan?{ids}"))
    assert in_order(page, "Chatteris Pharmacy (FA100)", "Cornerstone Practice (D81010)",
                    "March HC (North) (D81004)")
    assert "CORNERSTONE" not in page


def test_report_lists_cold_organisations_in_proper_case(orgs, steering_client):
    page = text(steering_client.get(f"/insights/report?{PERIOD}"))
    assert "Cornerstone Practice" in page and "CORNERSTONE" not in page


def test_cold_download_keeps_the_published_name_and_adds_the_shown_one(orgs, steering_client):
    body = steering_client.get(f"/insights/export/cold?{PERIOD}&days=30&format=csv")
    rows = [row for row in csv.reader(io.StringIO(body.get_data(as_text=True)))
            if len(row) > 2]
    header = rows[0]
    assert header[1] == "name" and header[-1] == "display name"
    got = {row[0]: (row[1], row[-1]) for row in rows[1:]}
    assert got["D81010"] == ("CORNERSTONE PRACTICE", "Cornerstone Practice")
    assert got["FA100"] == ("Chatteris Pharmacy", "Chatteris Pharmacy")
    assert got["D81004"] == ("MARCH HEALTH CENTRE", "March HC (North)")
    data = steering_client.get(f"/insights/export/cold?{PERIOD}&days=30&format=json").get_json()
    by_code = {row["ods code"]: row for row in data["rows"]}
    assert by_code["D81010"]["name"] == "CORNERSTONE PRACTICE"
    assert by_code["D81010"]["display name"] == "Cornerstone Practice"
