"""`flask uptake import|summary|batches|rollback|alias`."""

from __future__ import annotations

import pytest

from engage.extensions import db
from tests.uptake.support import HEADER, PAM, csv_bytes, setup_directory


@pytest.fixture()
def directory(app):
    setup_directory()
    db.session.commit()


def write(tmp_path, rows, name="june.csv"):
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows))
    return str(path)


def test_import_prints_the_summary_and_records(runner, directory, tmp_path):
    path = write(tmp_path, [HEADER, ["2022-06-14", "A81001", PAM, 2],
                            ["2022-06", "", "Medical Helpline", 5]])
    result = runner.invoke(args=["uptake", "import", path])
    assert result.exit_code == 0, result.output
    assert "Rows understood: 2; referrals: 7" in result.output
    assert "Imported batch" in result.output
    summary = runner.invoke(args=["uptake", "summary"])
    assert summary.output.splitlines() == [
        "month,service,referrals,organisations", "2022-06,Medical Helpline,5,0",
        f"2022-06,{PAM},2,1"]


def test_import_exits_non_zero_on_any_error_and_lists_problems(runner, directory, tmp_path):
    path = write(tmp_path, [HEADER, ["2022-06-14", "A81009", PAM, -2]])
    result = runner.invoke(args=["uptake", "import", path])
    assert result.exit_code != 0
    assert "Row 2, organisation_code 'A81009'" in result.output
    assert "the count is negative" in result.output
    assert "Nothing was imported" in result.output


def test_import_of_the_same_file_again_fails(runner, directory, tmp_path):
    path = write(tmp_path, [HEADER, ["2022-06-14", "A81001", PAM, 2]])
    assert runner.invoke(args=["uptake", "import", path]).exit_code == 0
    again = runner.invoke(args=["uptake", "import", path])
    assert again.exit_code != 0 and "already imported" in again.output


def test_overlap_needs_replace_months(runner, directory, tmp_path):
    first = write(tmp_path, [HEADER, ["2022-06-14", "A81001", PAM, 2]], "a.csv")
    second = write(tmp_path, [HEADER, ["2022-06-15", "A81001", PAM, 3]], "b.csv")
    runner.invoke(args=["uptake", "import", first])
    refused = runner.invoke(args=["uptake", "import", second])
    assert refused.exit_code != 0 and "--replace-months" in refused.output
    done = runner.invoke(args=["uptake", "import", second, "--replace-months"])
    assert done.exit_code == 0 and "1 earlier rows replaced" in done.output


def test_batches_and_rollback(runner, directory, tmp_path):
    path = write(tmp_path, [HEADER, ["2022-06-14", "A81001", PAM, 2]])
    runner.invoke(args=["uptake", "import", path])
    listed = runner.invoke(args=["uptake", "batches"]).output.splitlines()
    batch_id = listed[1].split(",")[0]
    result = runner.invoke(args=["uptake", "rollback", batch_id])
    assert result.exit_code == 0 and "1 rows removed" in result.output
    assert runner.invoke(args=["uptake", "rollback", batch_id]).exit_code != 0
    assert runner.invoke(args=["uptake", "rollback", "999"]).exit_code != 0


def test_alias_maps_a_provider_name(runner, directory, tmp_path):
    path = write(tmp_path, [HEADER, ["2022-06-14", "A81001", "Management Referral", 2]])
    assert runner.invoke(args=["uptake", "import", path]).exit_code != 0
    mapped = runner.invoke(args=["uptake", "alias", "Management Referral",
                                 "performance-and-attendance-management"])
    assert mapped.exit_code == 0
    assert runner.invoke(args=["uptake", "import", path]).exit_code == 0
    assert runner.invoke(args=["uptake", "alias", "x", "no-such-service"]).exit_code != 0


def test_import_matches_a_column_and_gives_one_service_to_every_row(runner, directory, tmp_path):
    # The provider's file for one service, with its own heading for the month.
    path = write(tmp_path, [["Month of referral", "ODS code", "Referrals"],
                            ["2022-06", "A81001", 3], ["2022-07", "A81001", 1]])
    result = runner.invoke(args=["uptake", "import", path, "--map", "date=Month of referral",
                                 "--set", f"service={PAM}"])
    assert result.exit_code == 0, result.output
    assert "Rows understood: 2; referrals: 4" in result.output
    summary = runner.invoke(args=["uptake", "summary"])
    assert f"2022-06,{PAM},3,1" in summary.output and f"2022-07,{PAM},1,1" in summary.output


def test_a_value_given_for_every_row_is_checked_like_a_cell(runner, directory, tmp_path):
    path = write(tmp_path, [["Month", "ODS code", "Referrals"], ["2022-06", "A81001", 3]])
    result = runner.invoke(args=["uptake", "import", path, "--set", "service=Massage"])
    assert result.exit_code != 0
    assert "service (given) 'Massage'" in result.output
    assert "Nothing was imported" in result.output


def test_import_refuses_a_map_naming_a_column_that_is_not_there(runner, directory, tmp_path):
    path = write(tmp_path, [HEADER, ["2022-06-14", "A81001", PAM, 2]])
    result = runner.invoke(args=["uptake", "import", path, "--map", "date=Referral month"])
    assert result.exit_code != 0
    assert "There is no column 'Referral month' in the file (for date)" in result.output
    assert "Imported batch" not in result.output


def test_import_saves_a_matching_and_uses_it_by_name(runner, directory, tmp_path):
    path = write(tmp_path, [["Month of referral", "ODS code", "Referrals"],
                            ["2022-06", "A81001", 3]])
    result = runner.invoke(args=["uptake", "import", path, "--map", "date=Month of referral",
                                 "--set", f"service={PAM}", "--save-matching", "Monthly"])
    assert result.exit_code == 0, result.output
    assert "Saved the matching 'Monthly'." in result.output
    path = write(tmp_path, [["Month of referral", "ODS code", "Referrals"],
                            ["2022-07", "A81001", 4]], name="july.csv")
    result = runner.invoke(args=["uptake", "import", path, "--matching", "Monthly"])
    assert result.exit_code == 0, result.output
    assert "Rows understood: 1; referrals: 4" in result.output


def test_import_refuses_an_unknown_or_unfitting_saved_matching(runner, directory, tmp_path):
    path = write(tmp_path, [["Month of referral", "ODS code", "Referrals"],
                            ["2022-06", "A81001", 3]])
    unknown = runner.invoke(args=["uptake", "import", path, "--matching", "Monthly"])
    assert unknown.exit_code == 2 and "no saved matching called 'Monthly'" in unknown.output
    assert runner.invoke(args=["uptake", "import", path, "--map", "date=Month of referral",
                               "--set", f"service={PAM}", "--save-matching", "Monthly"]
                         ).exit_code == 0
    other = write(tmp_path, [["Period", "ODS code", "Referrals"], ["2022-07", "A81001", 4]],
                  name="july.csv")
    result = runner.invoke(args=["uptake", "import", other, "--matching", "Monthly"])
    assert result.exit_code == 2
    assert ("The saved matching 'Monthly' names the column 'Month of referral', which this "
            "file does not have.") in " ".join(result.output.split())
    assert "Imported batch" not in result.output
