"""The NHS.UK date input: three boxes (and a time box) read back as one date, or an ISO value."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from engage.campaigns.models import Campaign, Touchpoint
from engage.extensions import db
from engage.form_fields import DateProblem, date_from_parts
from tests.factories import make_campaign

BASE = {"name": "Winter", "objective": "Reach every practice.", "owner_id": "",
        "status": "active"}
END = {"end_date-day": "30", "end_date-month": "6", "end_date-year": "2022"}
TOUCHPOINT = {"channel": "webinar", "title": "Managing sickness absence", "campaign_id": "",
              "actual_at": "", "duration_minutes": "60", "location": "Teams", "owner_id": "",
              "notes": ""}


def page_of(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def test_the_three_boxes_make_the_date(app, manager_client):
    response = manager_client.post("/campaigns/new", data={
        **BASE, **END, "start_date-day": " 1 ", "start_date-month": "06",
        "start_date-year": "2021"})
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert (campaign.start_date, campaign.end_date) == (date(2021, 6, 1), date(2022, 6, 30))


def test_an_iso_value_is_still_read(app, manager_client):
    response = manager_client.post("/campaigns/new", data={
        **BASE, "start_date": "2021-06-01", "end_date": "2022-06-30"})
    assert response.status_code == 302
    assert db.session.scalar(select(Campaign)).start_date == date(2021, 6, 1)


def test_a_missing_part_is_named_and_only_its_box_is_red(app, manager_client):
    response = manager_client.post("/campaigns/new", data={
        **BASE, **END, "start_date-day": "1", "start_date-month": "", "start_date-year": "2021"})
    assert response.status_code == 400
    page = page_of(response)
    assert "Date must include a month" in page
    assert re.search(r'class="[^"]*nhsuk-input--error[^"]*" id="start_date-month"', page)
    assert not re.search(r'class="[^"]*nhsuk-input--error[^"]*" id="start_date-day"', page)
    # What was typed stays in the boxes.
    assert re.search(r'id="start_date-year" name="start_date-year"[^>]*value="2021"', page)
    assert db.session.scalar(select(Campaign)) is None


@pytest.mark.parametrize("parts", [("31", "2", "2022"), ("1", "13", "2022"), ("x", "2", "2022")])
def test_an_impossible_date_is_refused(app, manager_client, parts):
    day, month, year = parts
    response = manager_client.post("/campaigns/new", data={
        **BASE, **END, "start_date-day": day, "start_date-month": month,
        "start_date-year": year})
    assert response.status_code == 400
    assert "Enter a real date" in page_of(response)


def test_the_error_summary_links_to_the_first_box_of_the_fieldset(app, manager_client):
    response = manager_client.post("/campaigns/new", data={
        **BASE, **END, "start_date-day": "1", "start_date-month": "", "start_date-year": "2021"})
    page = page_of(response)
    start = page.index("nhsuk-error-summary")
    summary = page[start:page.index("</ul>", start)]
    assert '<a href="#start_date-day">Date must include a month</a>' in summary
    assert 'id="start_date-day"' in page
    # The fieldset is described by its hint and its error, and holds a legend.
    assert re.search(r'<fieldset class="nhsuk-fieldset" role="group" '
                     r'aria-describedby="start_date-hint start_date-error">', page)
    assert "For example, 15 3 2027" in page


def test_nothing_typed_keeps_the_fields_own_message(app, manager_client):
    response = manager_client.post("/campaigns/new", data={**BASE, **END})
    assert response.status_code == 400 and "Enter the start date" in page_of(response)


def test_a_date_and_time_is_uk_time(app, manager_client):
    campaign = make_campaign(start_date=date(2021, 6, 1), end_date=date(2022, 6, 30))
    db.session.commit()
    response = manager_client.post("/campaigns/touchpoints/new", data={
        **TOUCHPOINT, "campaign_id": str(campaign.id), "planned_at-day": "14",
        "planned_at-month": "7", "planned_at-year": "2021", "planned_at-time": "12:30"})
    assert response.status_code == 302
    touchpoint = db.session.scalar(select(Touchpoint))
    assert touchpoint.planned_at.replace(tzinfo=None) == datetime(2021, 7, 14, 11, 30)  # BST


@pytest.mark.parametrize(("raw", "message"), [("", "Enter a time, for example 14:30"),
                                               ("25:00", "Enter a real time, for example 14:30"),
                                               ("noon", "Enter a real time, for example 14:30")])
def test_a_missing_or_impossible_time_is_refused_and_linked(app, manager_client, raw, message):
    response = manager_client.post("/campaigns/touchpoints/new", data={
        **TOUCHPOINT, "planned_at-day": "14", "planned_at-month": "7",
        "planned_at-year": "2021", "planned_at-time": raw})
    assert response.status_code == 400
    assert f'<a href="#planned_at-time">{message}</a>' in page_of(response)


def test_the_insights_filters_read_the_boxes(app, steering_client):
    response = steering_client.get("/insights/coverage", query_string=MultiDict({
        "start-day": "1", "start-month": "1", "start-year": "2022",
        "end-day": "30", "end-month": "6", "end-year": "2022"}))
    page = page_of(response)
    assert response.status_code == 200
    assert re.search(r'name="start-year"[^>]*value="2022"', page)
    assert re.search(r'name="end-month"[^>]*value="6"', page)
    bad = steering_client.get("/insights/coverage?start-day=1&start-year=2022")
    assert "The start date must include a month" in page_of(bad)


def test_the_parts_parser_names_what_is_missing():
    assert date_from_parts({"day": "15", "month": "3", "year": "2027"}) == date(2027, 3, 15)
    for parts, message, wrong in [
        ({"day": "", "month": "", "year": "2027"}, "Date must include a day and month",
         ("day", "month")),
        ({"day": "1", "month": "1", "year": "27"}, "Year must include 4 numbers", ("year",)),
        ({"day": "29", "month": "2", "year": "2027"}, "Enter a real date",
         ("day", "month", "year")),
        ({"day": "1", "month": "1", "year": "3000"}, "Enter a date between 1900 and 2999.",
         ("year",)),
    ]:
        with pytest.raises(DateProblem) as problem:
            date_from_parts(parts)
        assert (str(problem.value), problem.value.parts) == (message, wrong)
