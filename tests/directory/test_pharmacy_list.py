"""Community pharmacies from the national consolidated pharmaceutical list: the area's rows kept,
added or updated by ODS code, those that left the list closed in place, nothing written on
bad input."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from engage.directory.errors import ImportRejected
from engage.directory.models import DirectoryImport, Organisation, OrgKind, OrgSource, OrgStatus
from engage.directory.pharmacy_list import import_pharmacy_list
from engage.extensions import db
from tests.directory.conftest import organisation_count
from tests.factories import make_organisation

SAMPLE = Path(__file__).parent / "data" / "pharmacy_list_sample.csv"
AREA = ("Cambridgeshire", "Peterborough")
NOW = datetime(2026, 12, 6, 9, tzinfo=UTC)


def rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(SAMPLE.read_text())))


def as_file(records: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(records)
    return out.getvalue().encode()


def run(data: bytes | None = None, **options):
    options.setdefault("boards", AREA)
    summary = import_pharmacy_list(db.session, data or SAMPLE.read_bytes(), now=NOW,
                                   filename="CPL.csv", **options)
    db.session.commit()
    return summary


def org(code: str) -> Organisation:
    found = db.session.scalar(select(Organisation).where(Organisation.ods_code == code))
    assert found is not None, code
    return found


def test_the_area_s_pharmacies_are_added_with_their_hours(app):
    summary = run()
    assert (summary.rows_read, summary.added, summary.closed) == (8, 6, 0)
    assert summary.skipped == {"not in the area": 2}
    chatteris = org("FX101")
    assert chatteris.kind is OrgKind.COMMUNITY_PHARMACY
    assert chatteris.source is OrgSource.PHARMACY_LIST
    # The trading name, not the contractor that owns the pharmacy.
    assert chatteris.name == "CHATTERIS PHARMACY"
    assert chatteris.display_name == "Chatteris Pharmacy"
    assert chatteris.address == "12 HIGH STREET\nCHATTERIS\nCAMBRIDGESHIRE"
    assert chatteris.post_town == "CHATTERIS"  # the county line is not the town
    assert chatteris.opening_hours is not None
    assert chatteris.opening_hours["monday"] == "09:00-13:00 14:00-18:00"
    assert chatteris.opening_hours["saturday"] == "09:00-13:00"
    assert chatteris.opening_hours["sunday"] == ""
    assert db.session.scalar(select(Organisation).where(Organisation.ods_code == "FX901")) is None
    record = db.session.scalar(select(DirectoryImport))
    assert record is not None and record.kind == "pharmacy" and record.added == 6


def test_the_area_can_be_chosen_by_icb_code(app):
    assert run(boards=(), icb="que").added == 6


def test_board_names_match_whatever_their_case(app):
    assert run(boards=("CAMBRIDGESHIRE",)).added == 4


def test_a_second_list_updates_in_place_and_closes_the_pharmacies_that_left(app):
    run()
    later = rows()
    later[1][1] = "CHATTERIS HEALTH PHARMACY"  # renamed
    del later[2]  # March Chemists has left the list
    summary = run(as_file(later))
    assert (summary.added, summary.updated, summary.unchanged, summary.closed) == (0, 1, 4, 1)
    assert org("FX101").name == "CHATTERIS HEALTH PHARMACY"
    march = org("FX102")
    assert march.status is OrgStatus.CLOSED and march.close_date is not None
    # Back on a later list: open again, the same organisation.
    run()
    assert org("FX102").status is OrgStatus.ACTIVE and org("FX102").close_date is None


def test_a_number_someone_recorded_is_kept(app):
    make_organisation(ods_code="FX101", name="Chatteris Pharmacy", phone="01354 000000",
                      kind=OrgKind.COMMUNITY_PHARMACY, source=OrgSource.CSV)
    db.session.commit()
    assert run().updated == 1
    assert org("FX101").phone == "01354 000000"


def test_generated_demo_pharmacies_are_closed_once_a_real_list_is_in(app):
    demo = make_organisation(ods_code="FZ999", name="Demo Pharmacy", is_demo=True,
                             kind=OrgKind.COMMUNITY_PHARMACY, source=OrgSource.DEMO)
    practice = make_organisation(ods_code="D81001", kind=OrgKind.GP_PRACTICE)
    db.session.commit()
    assert run().closed == 1
    assert demo.status is OrgStatus.CLOSED
    assert practice.status is OrgStatus.ACTIVE


def test_without_an_area_the_import_lists_the_boards_in_the_file(app):
    with pytest.raises(ImportRejected, match="Say which area's pharmacies to keep") as caught:
        run(boards=())
    assert "Cambridgeshire, Norfolk, Peterborough" in str(caught.value)
    assert organisation_count() == 0


def test_an_area_with_no_rows_is_refused(app):
    with pytest.raises(ImportRejected, match="The list has no pharmacies for Suffolk"):
        run(boards=("Suffolk",))
    assert organisation_count() == 0


def test_a_duplicated_ods_code_names_both_rows_and_writes_nothing(app):
    records = rows()
    records.append(records[1])
    with pytest.raises(ImportRejected) as caught:
        run(as_file(records))
    assert "Row 10: the ODS code FX101 appears again (first on row 2)." in caught.value.problems
    assert organisation_count() == 0


def test_a_bad_postcode_and_a_missing_name_are_reported_by_row(app):
    records = rows()
    records[1][7] = "NOT A CODE"
    records[2][1] = records[2][2] = ""
    with pytest.raises(ImportRejected) as caught:
        run(as_file(records))
    assert "Row 2: 'NOT A CODE' is not a UK postcode." in caught.value.problems
    assert "Row 3: the trading name is empty." in caught.value.problems
    assert organisation_count() == 0


def test_a_file_that_is_not_the_list_says_so(app):
    with pytest.raises(ImportRejected, match="not the consolidated pharmaceutical list"):
        run(b"code,name,kind\nFX101,Chatteris Pharmacy,pharmacy\n")
    assert organisation_count() == 0


def test_the_command_imports_and_its_dry_run_writes_nothing(app, runner):
    dry = runner.invoke(args=["directory", "import-pharmacies", str(SAMPLE), "--hwb",
                              "Cambridgeshire", "--hwb", "Peterborough", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run: nothing written" in dry.output and "Added: 6" in dry.output
    assert organisation_count() == 0
    done = runner.invoke(args=["directory", "import-pharmacies", str(SAMPLE), "--icb", "QUE"])
    assert done.exit_code == 0, done.output
    assert "Added: 6" in done.output and organisation_count() == 6


def test_the_command_without_an_area_exits_non_zero(app, runner):
    result = runner.invoke(args=["directory", "import-pharmacies", str(SAMPLE)])
    assert result.exit_code == 1
    assert "Say which area's pharmacies to keep" in result.output


def test_the_upload_page_imports_the_area_and_the_pharmacy_page_shows_its_hours(
        app, manager_client, upload):
    page = manager_client.get("/directory/import/pharmacies")
    assert page.status_code == 200 and "Import the national pharmacy list" in page.text
    response = upload(manager_client, "/directory/import/pharmacies", SAMPLE.read_bytes(),
                      "CPL.csv", boards="cambridgeshire, Peterborough")
    assert response.status_code == 302
    assert organisation_count() == 6
    result = manager_client.get(response.headers["Location"])
    assert "National pharmacy list imported" in result.text
    shown = manager_client.get("/directory/organisations/FX103")
    assert shown.status_code == 200
    assert "National pharmacy list" in shown.text
    assert "Monday: 08:30-18:30" in shown.text and "Sunday: 10:00-16:00" in shown.text


def test_an_upload_for_an_area_the_list_does_not_have_names_the_boards(
        app, manager_client, upload):
    response = upload(manager_client, "/directory/import/pharmacies", SAMPLE.read_bytes(),
                      "CPL.csv", boards="Suffolk")
    assert response.status_code == 400
    assert "The list has no pharmacies for Suffolk" in response.text
    assert "Cambridgeshire, Norfolk, Peterborough" in response.text
    assert organisation_count() == 0


def test_steering_cannot_import_the_pharmacy_list(app, steering_client, upload):
    response = upload(steering_client, "/directory/import/pharmacies", SAMPLE.read_bytes(),
                      "CPL.csv", boards="Cambridgeshire")
    assert response.status_code == 403
    assert organisation_count() == 0
