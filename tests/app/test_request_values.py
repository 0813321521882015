"""The shared guards against hostile request values, each seen once through a real request."""

from __future__ import annotations

from engage.auth.models import Role
from engage.extensions import db
from engage.request_values import MAX_DB_INT, bounded_int, parse_day
from tests.factories import make_campaign, make_service


def test_a_nul_in_the_path_is_400_without_signing_in(app, client):
    make_service(slug="wellbeing")
    db.session.commit()
    response = client.get("/services/%00")
    assert response.status_code == 400
    assert "contains a NUL character" in response.get_data(as_text=True)
    assert client.get("/services/well%00being").status_code == 400
    assert client.get("/services/wellbeing").status_code == 200


def test_a_nul_in_the_login_email_is_400(app, client):
    response = client.post("/login", data={"email": "a\x00@example.org", "password": "x" * 12})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The request holds a character engage cannot read" in page
    assert "Type the address or the value again" in page


def test_a_nul_in_a_query_or_form_field_name_or_value_is_400(app, login):
    client = login(Role.MANAGER)
    assert client.get("/directory/?q=a%00b").status_code == 400
    assert client.get("/directory/?a%00b=1").status_code == 400
    assert client.post("/catalogue/new", data={"name": "x\x00"}).status_code == 400


def test_ids_beyond_what_an_id_column_holds_are_not_found(app, login):
    client = login(Role.MANAGER)
    campaign = make_campaign()
    db.session.commit()
    assert client.get(f"/campaigns/{campaign.id}").status_code == 200
    for huge in (MAX_DB_INT, MAX_DB_INT + 1, 2**63, 10**30):
        assert client.get(f"/campaigns/{huge}").status_code == 404, huge


def test_a_huge_page_number_shows_the_first_page(app, login):
    client = login(Role.STEERING)
    for path in ("/directory/", "/admin/audit", "/campaigns/touchpoints/", "/insights/cold"):
        response = client.get(path, query_string={"page": str(10**30)})
        assert response.status_code in (200, 400, 403), path


def test_filter_dates_beyond_the_supported_years_are_explained(app, login):
    client = login(Role.STEERING)
    response = client.get("/insights/coverage?start=9999-12-31&end=0001-01-01")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "is not a date like 2022-06-30 between 1900 and 2999" in page


def test_a_form_date_in_year_9999_is_refused_with_a_message(app, login):
    client = login(Role.MANAGER)
    response = client.post("/campaigns/new", data={
        "name": "Winter", "objective": "Reach everyone", "status": "draft",
        "start_date": "2026-01-01", "end_date": "9999-12-31"})
    assert response.status_code in (200, 400)
    assert "Enter a date between 1900 and 2999" in response.get_data(as_text=True)


def test_the_parsers_refuse_what_no_column_or_calendar_holds():
    assert bounded_int("42") == 42
    assert bounded_int(str(2**31 - 1)) == 2**31 - 1
    assert bounded_int(str(2**31)) is None
    assert bounded_int("-1") is None
    assert bounded_int("²") is None
    assert bounded_int("-1", minimum=-5) == -1
    assert parse_day("2026-02-28") is not None
    for raw in ("2026-02-30", "0000-01-01", "9999-12-31", "0001-01-01", "20260228", "", None):
        assert parse_day(raw) is None, raw
