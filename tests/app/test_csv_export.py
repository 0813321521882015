"""The one CSV writer: formula triggers neutralised in every export and command, numbers kept."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from engage.csv_export import csv_cell, csv_text
from engage.extensions import db
from tests.factories import (
    make_campaign,
    make_locality,
    make_organisation,
    make_service,
    make_uptake_batch,
)

# What a spreadsheet would run, however it trims or splits the cell.
PLANTED = ['=HYPERLINK("http://evil.example","Open")', "\uff1d1+1", ";=1+1"]
TRIGGERS = ["=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20"]
DANGER = re.compile("^[;,\\s]*[=+\\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r]")


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_safe(text: str) -> None:
    """No cell, nor any part of one split on `;` or a line break, can start a formula."""
    for cell in cells(text):
        for part in re.split("[;\r\n]", cell) + [cell]:
            if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", part):
                assert not DANGER.match(part), f"{cell!r} would run as a formula"


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_every_formula_trigger_gets_an_apostrophe(trigger):
    assert csv_cell(trigger + "cmd|' /C calc'!A0") == "'" + trigger + "cmd|' /C calc'!A0"
    assert csv_cell(trigger) == "'" + trigger


@pytest.mark.parametrize("value, expected", [
    (";=1+1", "';'=1+1"),
    (",@SUM(A1)", "','@SUM(A1)"),
    ("  =1+1", "'  =1+1"),
    ("; \uff0b1", "'; '\uff0b1"),
    ("\n-2+3", "'\n'-2+3"),
])
def test_a_trigger_after_a_leading_run_of_separators_or_spaces_is_neutralised(value, expected):
    assert csv_cell(value) == expected


def test_a_trigger_after_a_separator_inside_a_cell_stays_text_when_split():
    assert csv_cell("Smith Surgery;=1+1") == "Smith Surgery;'=1+1"
    assert csv_cell("1 High Street\n-cmd") == "1 High Street\n'-cmd"
    assert csv_cell("Smith, Jones and Partners") == "Smith, Jones and Partners"


@pytest.mark.parametrize("value", [-6, 0, 7, -0.25, 1e5, Decimal("-1.50"), "-6", "-0.25", "+3",
                                   "1e5", "-1E-3", ".5", "42"])
def test_real_numbers_stay_numbers(value):
    assert csv_cell(value) == value
    assert csv_text([[value]]) == f"{value}\r\n"


@pytest.mark.parametrize("value", ["-6+cmd|' /C calc'!A0", "-6 ", "--6", "-1_000", "-inf",
                                   float("-inf"), Decimal("-Infinity"), "-0x10"])
def test_text_that_only_starts_like_a_number_is_neutralised(value):
    assert csv_cell(value) == "'" + str(value)


def test_other_values_are_written_as_text():
    assert csv_cell(None) == ""
    assert csv_cell(date(2022, 1, 31)) == "2022-01-31"
    assert csv_cell("Plain Surgery") == "Plain Surgery"
    assert csv_cell(True) == "True"


def test_nothing_in_the_app_writes_csv_around_the_shared_writer():
    package = Path(__file__).resolve().parents[2] / "engage"
    offenders = [str(path.relative_to(package)) for path in package.rglob("*.py")
                 if path.name != "csv_export.py"
                 and re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8"))]
    assert offenders == []


# The commands that print CSV.

@pytest.mark.parametrize("planted", PLANTED)
def test_campaigns_list_and_unreached_neutralise_names(app, runner, planted):
    campaign = make_campaign(name=planted)
    make_organisation(name=planted, locality_id=make_locality(planted).id)
    db.session.commit()
    listed = runner.invoke(args=["campaigns", "list"])
    assert listed.exit_code == 0, listed.output
    assert_safe(listed.output)
    assert csv_cell(planted) in cells(listed.output)
    unreached = runner.invoke(args=["campaigns", "unreached", str(campaign.id)])
    assert unreached.exit_code == 0, unreached.output
    assert_safe(unreached.output)
    assert cells(unreached.output).count(csv_cell(planted)) == 3  # name, locality, shown name


@pytest.mark.parametrize("planted", PLANTED)
def test_uptake_batches_neutralises_the_uploaded_files_name(app, runner, planted):
    make_uptake_batch(filename=planted + ".csv", rows=-6)
    db.session.commit()
    result = runner.invoke(args=["uptake", "batches"])
    assert result.exit_code == 0, result.output
    assert_safe(result.output)
    row = list(csv.reader(io.StringIO(result.output)))[1]
    assert row[2] == csv_cell(planted + ".csv") and row[2].startswith("'")
    assert row[5] == "-6"  # a number stays a number


@pytest.mark.parametrize("planted", PLANTED)
def test_catalogue_list_neutralises_service_names(app, runner, planted):
    make_service(name=planted)
    db.session.commit()
    result = runner.invoke(args=["catalogue", "list"])
    assert result.exit_code == 0, result.output
    assert_safe(result.output)
    assert csv_cell(planted) in cells(result.output)


# The web's downloads.

@pytest.mark.parametrize("planted", PLANTED)
def test_directory_export_neutralises_names(app, steering_client, planted):
    make_organisation(name=planted, pcn="-6", staff_headcount=12)
    db.session.commit()
    body = steering_client.get("/directory/export.csv").get_data(as_text=True)
    assert_safe(body)
    (row,) = csv.DictReader(io.StringIO(body))
    assert row["name"] == csv_cell(planted) and row["name"].startswith("'")
    assert row["pcn"] == "-6" and row["staff headcount"] == "12"


@pytest.mark.parametrize("planted", PLANTED)
def test_insights_export_neutralises_names(app, steering_client, planted):
    make_organisation(name=planted)
    db.session.commit()
    body = steering_client.get("/insights/export/cold?format=csv").get_data(as_text=True)
    assert_safe(body)
    assert csv_cell(planted) in cells(body)
