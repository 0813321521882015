"""`flask directory import-ods`, `import-csv` and `apply-rules`, as an operator runs them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engage.directory.models import Organisation, OrgKind, OrgStatus
from engage.extensions import db
from tests.directory.conftest import ods_file, ods_row, organisation_count


def test_import_ods_command_with_a_commissioner(app, runner, shared_data):
    result = runner.invoke(args=["directory", "import-ods",
                                 str(shared_data / "epraccur-06H.csv"), "--commissioner", "06H"])
    assert result.exit_code == 0, result.output
    assert "Added: 108" in result.output and "Skipped: 74" in result.output
    active = db.session.scalar(select(func.count()).select_from(Organisation).where(
        Organisation.kind == OrgKind.GP_PRACTICE, Organisation.status == OrgStatus.ACTIVE))
    assert active == 88


def test_import_ods_command_can_include_other_settings(app, runner, shared_data):
    result = runner.invoke(args=["directory", "import-ods", str(shared_data / "epraccur-06H.csv"),
                                 "--commissioner", "06H", "--include-other"])
    assert result.exit_code == 0 and "Added: 182" in result.output


def test_import_ods_command_shows_progress_for_a_large_file(app, runner, shared_data):
    result = runner.invoke(args=["directory", "import-ods",
                                 str(shared_data / "epraccur-england-2020.csv"),
                                 "--commissioner", "06H"])
    assert result.exit_code == 0, result.output
    assert "Checking rows" in result.output and "Added: 108" in result.output


def test_import_ods_command_refuses_a_bad_file_and_writes_nothing(app, runner, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(ods_file(ods_row(code="D99001"), ods_row(code="D99002", opened="yesterday")))
    result = runner.invoke(args=["directory", "import-ods", str(bad)])
    assert result.exit_code == 1
    assert "Row 2: the open date (column 11) 'yesterday'" in result.output
    assert organisation_count() == 0


def test_import_ods_command_says_when_the_file_is_missing(app, runner, tmp_path):
    result = runner.invoke(args=["directory", "import-ods", str(tmp_path / "nowhere.csv")])
    assert result.exit_code == 1 and "Cannot read" in result.output


def test_import_csv_command(app, runner, tmp_path):
    good = tmp_path / "pharmacies.csv"
    good.write_text("code,name,kind,email\nFA123,Wisbech Pharmacy Ltd,Pharmacy,a@example.org\n")
    result = runner.invoke(args=["directory", "import-csv", str(good)])
    assert result.exit_code == 0 and "Added: 1" in result.output
    assert "Contacts added: 1" in result.output


def test_apply_rules_command(app, runner, demo_localities):
    org = Organisation(ods_code="FA999", name="X", kind=OrgKind.COMMUNITY_PHARMACY,
                       postcode="PE13 1AA", address="", phone="", commissioner="")
    db.session.add(org)
    db.session.commit()
    result = runner.invoke(args=["directory", "apply-rules"])
    assert result.exit_code == 0 and "1 organisation changed locality" in result.output
    db.session.refresh(org)
    assert org.locality is not None and org.locality.name == "Fens"


# A list as a pharmacy group might keep it: nothing engage would recognise but the postcode.
OWN_HEADINGS = "F_CODE,Shop,Where,Postcode\nFQ123,Chatteris Pharmacy,12 High Street,PE16 6AA\n"


def test_import_csv_matches_columns_and_sets_a_field_from_the_options(app, runner, tmp_path):
    own = tmp_path / "shops.csv"
    own.write_text(OWN_HEADINGS)
    result = runner.invoke(args=["directory", "import-csv", str(own), "--map", "name=shop",
                                 "--map", "address=Where", "--set", "kind=community pharmacy"])
    assert result.exit_code == 0, result.output
    assert "Added: 1" in result.output
    pharmacy = db.session.scalar(select(Organisation).where(Organisation.ods_code == "FQ123"))
    assert pharmacy is not None and pharmacy.kind is OrgKind.COMMUNITY_PHARMACY
    assert (pharmacy.name, pharmacy.address) == ("Chatteris Pharmacy", "12 High Street")


def test_import_csv_dry_run_says_what_it_would_do_and_writes_nothing(app, runner, tmp_path):
    own = tmp_path / "shops.csv"
    own.write_text(OWN_HEADINGS)
    result = runner.invoke(args=["directory", "import-csv", str(own), "--dry-run",
                                 "--map", "code=F_CODE", "--map", "name=Shop",
                                 "--set", "kind=pharmacy"])
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing written" in result.output and "Added: 1" in result.output
    assert organisation_count() == 0


def test_import_csv_without_a_matching_names_the_missing_fields(app, runner, tmp_path):
    own = tmp_path / "shops.csv"
    own.write_text(OWN_HEADINGS)
    result = runner.invoke(args=["directory", "import-csv", str(own)])
    assert result.exit_code == 1
    # F_CODE is a spelling of the ODS code engage knows; the name and kind are not there.
    assert "no column for: name" in result.output and "kind" in result.output
    assert "--map FIELD=COLUMN" in result.output and "--set FIELD=VALUE" in result.output
    assert organisation_count() == 0


@pytest.mark.parametrize(("options", "message"), [
    (["--map", "code=ODS"], "There is no column 'ODS' in the file (for code). Its columns are: "
                            "'F_CODE', 'Shop', 'Where', 'Postcode'."),
    (["--map", "code=F_CODE", "--map", "name=f code"],
     "The column 'f code' is matched to both code and name: match it to one."),
    (["--map", "colour=Shop"], "'colour' is not a field of this import."),
    (["--map", "code=F_CODE", "--set", "code=FQ1"], "code is given both a column"),
])
def test_import_csv_refuses_a_matching_that_does_not_fit_the_file(app, runner, tmp_path,
                                                                  options, message):
    own = tmp_path / "shops.csv"
    own.write_text(OWN_HEADINGS)
    result = runner.invoke(args=["directory", "import-csv", str(own), "--set", "kind=pharmacy",
                                 *options])
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())
    assert organisation_count() == 0


@pytest.mark.parametrize(("options", "message"), [
    (["--map", "code"], "--map 'code' is not FIELD=COLUMN"),
    (["--set", "kind=pharmacy", "--set", "kind=other"], "--set gives kind twice"),
])
def test_import_csv_refuses_options_it_cannot_read(app, runner, tmp_path, options, message):
    own = tmp_path / "shops.csv"
    own.write_text(OWN_HEADINGS)
    result = runner.invoke(args=["directory", "import-csv", str(own), *options])
    assert result.exit_code == 2
    assert message in result.output
    assert organisation_count() == 0


def test_import_csv_saves_a_matching_and_uses_it_by_name(app, runner, tmp_path):
    own = tmp_path / "shops.csv"
    own.write_text(OWN_HEADINGS)
    first = runner.invoke(args=["directory", "import-csv", str(own), "--map", "name=Shop",
                                "--set", "kind=pharmacy", "--save-matching", "Shops"])
    assert first.exit_code == 0, first.output
    assert "Saved the matching 'Shops'." in first.output
    again = tmp_path / "shops-2.csv"
    again.write_text(OWN_HEADINGS.replace("FQ123", "FQ124"))
    result = runner.invoke(args=["directory", "import-csv", str(again), "--matching", "Shops"])
    assert result.exit_code == 0, result.output
    assert organisation_count() == 2
    # --set wins over the saved matching's value.
    third = tmp_path / "shops-3.csv"
    third.write_text(OWN_HEADINGS.replace("FQ123", "FQ125"))
    result = runner.invoke(args=["directory", "import-csv", str(third), "--matching", "Shops",
                                 "--set", "kind=gp practice"])
    assert result.exit_code == 0, result.output
    added = db.session.scalar(select(Organisation).where(Organisation.ods_code == "FQ125"))
    assert added is not None and added.kind is OrgKind.GP_PRACTICE


def test_import_csv_dry_run_does_not_save_the_matching(app, runner, tmp_path):
    own = tmp_path / "shops.csv"
    own.write_text(OWN_HEADINGS)
    result = runner.invoke(args=["directory", "import-csv", str(own), "--map", "name=Shop",
                                 "--set", "kind=pharmacy", "--save-matching", "Shops",
                                 "--dry-run"])
    assert result.exit_code == 0 and "not even the matching" in result.output
    unknown = runner.invoke(args=["directory", "import-csv", str(own), "--matching", "Shops"])
    assert unknown.exit_code == 2
    assert "There is no saved matching called 'Shops'" in unknown.output
    assert "none yet" in unknown.output


def test_import_csv_refuses_a_saved_matching_that_no_longer_fits(app, runner, tmp_path):
    own = tmp_path / "shops.csv"
    own.write_text(OWN_HEADINGS)
    assert runner.invoke(args=["directory", "import-csv", str(own), "--map", "name=Shop",
                               "--set", "kind=pharmacy", "--save-matching", "Shops"]
                         ).exit_code == 0
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(OWN_HEADINGS.replace("Shop,", "Outlet,").replace("FQ123", "FQ999"))
    result = runner.invoke(args=["directory", "import-csv", str(renamed), "--matching", "Shops"])
    assert result.exit_code == 2
    assert ("The saved matching 'Shops' names the column 'Shop', which this file does not "
            "have.") in " ".join(result.output.split())
    assert organisation_count() == 1


def test_a_name_column_the_operator_chose_beats_a_trading_name_column(app, runner, tmp_path):
    listed = tmp_path / "list.csv"
    listed.write_text("ODS code,Trading name,Sign above the door,Kind\n"
                      "FQ123,CHATTERIS CHEMISTS,Chatteris Pharmacy,pharmacy\n")
    result = runner.invoke(args=["directory", "import-csv", str(listed),
                                 "--map", "name=Sign above the door"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Organisation.name)) == "Chatteris Pharmacy"
