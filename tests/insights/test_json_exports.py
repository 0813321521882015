"""JSON exports carry numbers as numbers and missing figures as null; CSV stays as it was."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from flask.testing import FlaskClient

from engage.campaigns.models import EngagementKind
from engage.extensions import db
from engage.insights.exports import Table, to_csv, to_json
from tests.insights.helpers import engage, two_localities
from tests.insights.test_outreach_page import PERIOD, _world

# The columns of the outreach tables that hold a figure, and of the insight tables.
FIGURES = {"mean", "ci_low", "ci_high", "irr", "rate_per_organisation_month", "organisations",
           "organisation_months", "referrals", "lag", "months_from_first_engagement",
           "exposed_organisation_months", "organisations_changing_exposure",
           "organisations_differing_within_month"}


def _assert_typed(rows: list[dict], columns: set[str]) -> None:
    """No figure is text, and no cell is the empty string standing in for a missing one."""
    for row in rows:
        for key, value in row.items():
            assert value != "", f"{key} is an empty string, not null: {row}"
            if key in columns:
                assert value is None or isinstance(value, int | float), f"{key}: {value!r}"
                assert not isinstance(value, bool)


def test_to_json_writes_numbers_and_null_for_missing_nan_and_infinity():
    from engage.insights.exports import Figure

    table = Table("t", ["figure", "nan", "inf", "empty", "none", "decimal", "whole", "text"],
                  [[Figure(0.98341234), Figure(math.nan), math.inf, "", None,
                    Decimal("2.50"), Decimal("3"), "<5"]])
    text = to_json(table)
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text)["rows"] == [{"figure": 0.9834, "nan": None, "inf": None,
                                         "empty": None, "none": None, "decimal": 2.5,
                                         "whole": 3, "text": "<5"}]


def test_to_csv_writes_figures_as_before():
    from engage.insights.exports import Figure

    table = Table("t", ["irr", "missing", "big"], [[Figure(0.98341234), Figure(None),
                                                    Figure(12345.6)], [None, "", 7]])
    assert to_csv(table).splitlines() == ["irr,missing,big", "0.9834,,1.235e+04", ",,7"]


@pytest.mark.parametrize("table", ["event_study", "reached", "model"])
def test_outreach_json_download_has_numbers_and_nulls(app, steering_client: FlaskClient,
                                                      table: str) -> None:
    _world()
    data = steering_client.get(f"/insights/outreach/{table}.json", query_string=PERIOD).get_json()
    rows = data["rows"]
    _assert_typed(rows, FIGURES)
    text_rows = list(csv.DictReader(io.StringIO(steering_client.get(
        f"/insights/outreach/{table}.csv", query_string=PERIOD).get_data(as_text=True))))
    assert len(text_rows) == len(rows)
    for as_json, as_csv in zip(rows, text_rows, strict=True):
        for key, value in as_json.items():
            # The CSV is as it was: a missing figure is an empty cell, a figure its 4 digits.
            if value is None:
                assert as_csv[key] == ""
            elif isinstance(value, float):
                assert float(as_csv[key]) == value and as_csv[key] == f"{value:.4g}"
    if table == "reached":
        ratio = rows[-1]
        assert ratio["group"] == "rate ratio" and ratio["organisations"] is None
        assert isinstance(ratio["rate_per_organisation_month"], float)
        assert rows[0]["ci_low"] is None and rows[0]["note"] is None
    if table == "model":
        irrs = [r["irr"] for r in rows if r["channel"] == "practice_visit"]
        assert any(isinstance(v, float) for v in irrs)


def test_insight_json_downloads_have_numbers_and_nulls(app, steering_client: FlaskClient):
    _, _, orgs = two_localities()
    engage(orgs["f1"], datetime(2022, 3, 1, 10, tzinfo=UTC))
    engage(orgs["f3"], datetime(2022, 3, 1, 10, tzinfo=UTC), kind=EngagementKind.INVITED)
    db.session.commit()
    query = "start=2022-01-01&end=2022-06-30&format=json"
    exported = steering_client.get(f"/insights/export/coverage?{query}").get_json()
    assert "Engaged: someone at the organisation did something" in exported["about"]
    coverage = exported["rows"]
    assert {"breakdown": "overall", "group": "All target organisations", "target": 6,
            "engaged": 1, "not engaged": 5, "percent engaged": 17, "contacted": 2,
            "percent contacted": 33} in coverage
    cold = steering_client.get(f"/insights/export/cold?{query}&days=30").get_json()["rows"]
    never = [r for r in cold if r["name"] == "Fen Two"][0]
    assert never["last contact"] is None and never["last channel"] is None
    assert never["last engaged"] is None and never["referrals"] == 0
    # Invited, not engaged: still cold, with the invitation as its last contact.
    invited = [r for r in cold if r["name"] == "Fen Three"][0]
    assert invited["last engaged"] is None
    assert invited["last contact"].startswith("2022-03-01")
    equity = steering_client.get(f"/insights/export/equity?{query}").get_json()["rows"]
    _assert_typed(equity, {"organisations", "engaged", "contacted", "staff", "share of staff",
                           "share of referrals"})
    fens = [r for r in equity if (r["breakdown"], r["group"]) == ("locality", "Fens")][0]
    assert fens["referrals"] == 0 and fens["share of referrals"] is None  # "<5" stays text
    csv_text = steering_client.get("/insights/export/cold?start=2022-01-01&end=2022-06-30"
                                   "&days=30&format=csv").get_data(as_text=True)
    assert "Fen Two,GP practice,Fens,,,,no,0" in csv_text.replace("\r", "")


def test_cli_json_export_has_numbers_and_nulls(app, runner) -> None:
    _world()
    result = runner.invoke(args=["insights", "export", "model", "--start", "2021-06-01",
                                 "--end", "2022-06-30", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["rows"]
    _assert_typed(rows, FIGURES)
    assert any(isinstance(r["irr"], float) for r in rows)
    result = runner.invoke(args=["insights", "export", "cold", "--start", "2021-06-01",
                                 "--end", "2022-06-30", "--days", "30", "--format", "json"])
    assert result.exit_code == 0, result.output
    cold = json.loads(result.output)["rows"]
    assert cold and all(r["last contact"] is None or isinstance(r["last contact"], str)
                        for r in cold)
    assert any(r["last contact"] is None for r in cold)
