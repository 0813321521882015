"""Checking the provider's file: every problem with row, column, value, what and how to fix."""

from __future__ import annotations

import pytest

from engage.extensions import db
from engage.uptake.errors import UptakeRejected
from engage.uptake.importer import check_file
from tests.uptake.support import HEADER, PAM, TODAY, csv_bytes, setup_directory


@pytest.fixture()
def directory(app):
    return setup_directory()


def check(data: bytes, **kwargs):
    preview, checked = check_file(db.session, data, "uptake.csv", today=TODAY, **kwargs)
    return preview


def only_problem(preview):
    assert preview.problem_count == 1, preview.problems
    return preview.problems[0]


def test_a_good_file_is_understood_with_totals_per_month_and_service(directory):
    preview = check(csv_bytes([HEADER, ["2022-06-14", "A81001", PAM, 2],
                               ["2022-06", "a81002", "performance-and-attendance-management", 3],
                               ["Jul-22", "A81001", PAM, 1]]))
    assert preview.ok and preview.rows == 3 and preview.total == 6
    assert [(t["month"], t["total"], t["orgs"]) for t in preview.totals] == [
        ("2022-06", 5, 2), ("2022-07", 1, 1)]
    assert preview.detected["delimiter"] == "comma"


def test_import_rejects_unknown_ods_code_with_closest_matches(directory):
    problem = only_problem(check(csv_bytes([HEADER, ["2022-06-14", "A81009", PAM, 1]])))
    assert problem["row"] == 2 and problem["column"] == "organisation_code"
    assert problem["value"] == "A81009"
    assert "not an ODS code in the directory" in problem["what"]
    assert "A81001 (Riverside Surgery 1)" in problem["fix"]


def test_unknown_ods_code_suggests_by_practice_name_too(directory):
    problem = only_problem(check(csv_bytes([
        ["date", "ods code", "service", "Practice Name"],
        ["2022-06-14", "Q99999", PAM, "Riverside Surgery 3"]])))
    assert "A81003" in problem["fix"]


def test_import_rejects_future_dates(directory):
    problem = only_problem(check(csv_bytes([HEADER, ["2022-09-01", "A81001", PAM, 1]])))
    assert problem["what"] == "is in the future"


def test_this_month_is_not_the_future(directory):
    assert check(csv_bytes([HEADER, ["2022-08", "A81001", PAM, 1]])).ok


@pytest.mark.parametrize(("value", "what"), [
    ("-1", "the count is negative"), ("2.5", "the count is not a whole number"),
    ("lots", "the count is not a number"), ("", "the count is empty")])
def test_import_rejects_bad_counts(directory, value, what):
    problem = only_problem(check(csv_bytes([HEADER, ["2022-06-14", "A81001", PAM, value]])))
    assert problem["column"] == "count" and problem["what"] == what


def test_count_defaults_to_one_row_per_referral_when_absent(directory):
    preview = check(csv_bytes([["date", "ods code", "service"], ["2022-06-14", "A81001", PAM],
                               ["2022-06-14", "A81001", PAM]]))
    assert preview.ok and preview.total == 2


def test_import_rejects_unknown_service_and_says_to_map_it(directory):
    preview = check(csv_bytes([HEADER, ["2022-06-14", "A81001", "Management Referral", 1],
                               ["2022-07-14", "A81001", "Management Referral", 1]]))
    assert preview.problem_count == 2 and len(preview.problems) == 1
    assert preview.unknown_services == {"Management Referral": 2}
    assert "Map 'Management Referral'" in preview.problems[0]["fix"]


def test_import_rejects_duplicate_rows_within_the_file(directory):
    problem = only_problem(check(csv_bytes([HEADER, ["2022-06-14", "A81001", PAM, 1],
                                            ["2022-06-14", "A81001", PAM, 4]])))
    assert problem["row"] == 3 and "repeats row 2" in problem["what"]


def test_import_rejects_repeated_reference(directory):
    problem = only_problem(check(csv_bytes([HEADER + ["reference"],
                                            ["2022-06-14", "A81001", PAM, 1, "R1"],
                                            ["2022-06-15", "A81002", PAM, 1, "R1"]])))
    assert problem["column"] == "reference"


def test_area_wide_rows_allowed_only_for_services_not_attributable(directory):
    assert check(csv_bytes([HEADER, ["2022-06", "", "Medical Helpline", 7]])).ok
    problem = only_problem(check(csv_bytes([HEADER, ["2022-06", "", PAM, 7]])))
    assert problem["what"] == "the organisation code is empty"


def test_import_refuses_personal_data_columns(directory):
    with pytest.raises(UptakeRejected) as caught:
        check(csv_bytes([HEADER + ["NHS Number", "Patient Name"], ["2022-06", "A81001", PAM, 1,
                                                                   "123", "Ann"]]))
    assert "NHS number" in caught.value.message and "Patient Name" in caught.value.message


@pytest.mark.parametrize("heading", ["Email", "DOB", "Date of birth", "Surname", "Name"])
def test_import_refuses_each_kind_of_personal_column(directory, heading):
    with pytest.raises(UptakeRejected):
        check(csv_bytes([HEADER + [heading], ["2022-06", "A81001", PAM, 1, "x"]]))


def test_practice_name_is_not_personal_data_and_extra_columns_are_listed(directory):
    preview = check(csv_bytes([HEADER + ["Practice Name", "Notes"],
                               ["2022-06", "A81001", PAM, 1, "Riverside", "x"]]))
    assert preview.ok and preview.ignored_columns == ["Practice Name", "Notes"]


def test_import_rejects_a_file_without_required_columns(directory):
    with pytest.raises(UptakeRejected) as caught:
        check(csv_bytes([["when", "ods code"], ["2022-06", "A81001"]]))
    assert "date" in caught.value.message and "service" in caught.value.message


def test_day_first_dates_are_settled_by_an_unambiguous_date(directory):
    preview = check(csv_bytes([HEADER, ["06/07/2022", "A81001", PAM, 1],
                               ["14/06/2022", "A81002", PAM, 1]]))
    assert preview.ok and "day first" in preview.date_order_note
    assert [t["month"] for t in preview.totals] == ["2022-06", "2022-07"]


def test_import_refuses_ambiguous_dates_with_an_explanation(directory):
    preview = check(csv_bytes([HEADER, ["06/07/2022", "A81001", PAM, 1]]))
    assert preview.problem_count == 1
    assert "could be day first or month first" in preview.problems[0]["fix"]
    assert check(csv_bytes([HEADER, ["06/07/2022", "A81001", PAM, 1]]), date_order="dmy").ok


def test_import_refuses_dates_mixing_orders(directory):
    preview = check(csv_bytes([HEADER, ["14/06/2022", "A81001", PAM, 1],
                               ["06/14/2022", "A81002", PAM, 1]]))
    assert not preview.ok and "mix" in preview.problems[0]["fix"]


@pytest.mark.parametrize(("value", "month"), [
    ("2022-06", "2022-06"), ("Jun-22", "2022-06"), ("June 2022", "2022-06"),
    ("14 Jun 2022", "2022-06"), ("2022-06-14", "2022-06"), ("06/2022", "2022-06")])
def test_day_and_month_formats(directory, value, month):
    preview = check(csv_bytes([HEADER, [value, "A81001", PAM, 1]]))
    assert preview.ok and preview.totals[0]["month"] == month


def test_import_rejects_unreadable_dates(directory):
    problem = only_problem(check(csv_bytes([HEADER, ["soon", "A81001", PAM, 1]])))
    assert problem["column"] == "date" and "2022-06-14" in problem["fix"]
