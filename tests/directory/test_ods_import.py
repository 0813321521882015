"""Importing NHS ODS's epraccur file: what it adds, updates, keeps and refuses."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from engage.audit.models import AuditEvent
from engage.database import utcnow
from engage.directory.errors import ImportRejected
from engage.directory.models import (
    DirectoryImport,
    Locality,
    Organisation,
    OrgKind,
    OrgSource,
    OrgStatus,
)
from engage.directory.ods_import import import_ods
from engage.extensions import db
from tests.directory.conftest import ods_file, ods_row, organisation_count
from tests.factories import make_locality


def active_practices() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Organisation).where(
            Organisation.kind == OrgKind.GP_PRACTICE, Organisation.status == OrgStatus.ACTIVE)
    ) or 0


def by_code(code: str) -> Organisation:
    org = db.session.scalar(select(Organisation).where(Organisation.ods_code == code))
    assert org is not None, code
    return org


def test_06h_file_gives_exactly_88_active_gp_practices(app, epraccur_06h):
    summary = import_ods(db.session, epraccur_06h, now=utcnow(), commissioner="06H")
    db.session.commit()
    assert active_practices() == 88
    assert summary.rows_read == 182
    assert summary.added == 108  # 88 active, 7 closed, 13 dormant practices
    assert summary.skipped_total == 74


def test_closed_and_dormant_practices_are_kept_with_their_status(app, epraccur_06h):
    import_ods(db.session, epraccur_06h, now=utcnow(), commissioner="06H")
    statuses = dict(db.session.execute(
        select(Organisation.status, func.count()).where(Organisation.kind == OrgKind.GP_PRACTICE)
        .group_by(Organisation.status)).all())
    assert statuses == {OrgStatus.ACTIVE: 88, OrgStatus.CLOSED: 7, OrgStatus.DORMANT: 13}
    closed = db.session.scalar(select(Organisation).where(Organisation.status == OrgStatus.CLOSED))
    assert closed is not None and closed.close_date is not None


def test_other_prescribing_settings_are_skipped_with_reasons_by_default(app, epraccur_06h):
    summary = import_ods(db.session, epraccur_06h, now=utcnow(), commissioner="06H")
    skipped = summary.skipped
    assert skipped["not a GP practice: community health service (prescribing setting 9)"] == 35
    assert skipped["not a GP practice: out of hours service (prescribing setting 2)"] == 7
    assert db.session.scalar(select(func.count()).select_from(Organisation).where(
        Organisation.kind != OrgKind.GP_PRACTICE)) == 0


def test_other_settings_can_be_imported_as_kind_other_and_do_not_count_as_practices(
        app, epraccur_06h):
    summary = import_ods(db.session, epraccur_06h, now=utcnow(), commissioner="06H",
                         include_other=True)
    assert summary.added == 182 and summary.skipped_total == 0
    assert active_practices() == 88
    walk_in = by_code("Y02769")  # ST NEOTS HEALTH CENTRE: a GP practice, setting 4
    assert walk_in.kind is OrgKind.GP_PRACTICE
    assert by_code("A99971").kind is OrgKind.OTHER  # CAMBRIDGE BCSC, setting 0


def test_fields_come_from_the_right_columns(app, epraccur_06h):
    import_ods(db.session, epraccur_06h, now=utcnow(), commissioner="06H")
    org = by_code("D81001")
    assert org.name == "LENSFIELD MEDICAL PRACTICE"
    assert org.address_lines == ["LENSFIELD MEDICAL PRAC.", "48 LENSFIELD ROAD", "CAMBRIDGE",
                                 "CAMBRIDGESHIRE"]
    assert org.post_town == "CAMBRIDGE"
    assert org.postcode == "CB2 1EH"
    assert org.phone == "01223 651020"
    assert org.open_date == date(1974, 4, 1) and org.close_date is None
    assert org.commissioner == "06H" and org.prescribing_setting == 4
    assert org.source is OrgSource.ODS and not org.is_demo and not org.locality_locked
    assert org.created_at == org.updated_at and org.created_at.tzinfo is not None


def test_import_of_whole_england_file_adds_every_row(app, shared_data):
    data = (shared_data / "epraccur-england-2020.csv").read_bytes()
    summary = import_ods(db.session, data, now=utcnow(), include_other=True)
    db.session.commit()
    assert summary.added == organisation_count() == 14357


def test_commissioner_limits_the_england_file_to_its_rows(app, shared_data):
    data = (shared_data / "epraccur-england-2020.csv").read_bytes()
    summary = import_ods(db.session, data, now=utcnow(), commissioner="06h")
    assert summary.added == 108
    assert summary.skipped["commissioner is not 06H"] == 14357 - 182


def test_reimporting_the_same_file_changes_nothing(app, epraccur_06h):
    import_ods(db.session, epraccur_06h, now=utcnow(), commissioner="06H")
    db.session.commit()
    again = import_ods(db.session, epraccur_06h, now=utcnow(), commissioner="06H")
    db.session.commit()
    assert (again.added, again.updated, again.closed, again.unchanged) == (0, 0, 0, 108)
    assert organisation_count() == 108


def test_newer_file_renames_closes_and_adds_in_place(app):
    first = ods_file(ods_row(code="D99001", name="OLD NAME SURGERY"), ods_row(code="D99002"))
    import_ods(db.session, first, now=utcnow())
    db.session.commit()
    newer = ods_file(
        ods_row(code="D99001", name="NEW NAME SURGERY"),
        ods_row(code="D99002", status="C", closed="20200331"),
        ods_row(code="D99003", name="BRAND NEW SURGERY"),
    )
    summary = import_ods(db.session, newer, now=utcnow())
    db.session.commit()
    assert (summary.added, summary.updated, summary.closed, summary.unchanged) == (1, 1, 1, 0)
    assert organisation_count() == 3
    assert by_code("D99001").name == "NEW NAME SURGERY"
    closed = by_code("D99002")
    assert closed.status is OrgStatus.CLOSED and closed.close_date == date(2020, 3, 31)


def test_reimport_keeps_what_people_maintain(app, demo_localities):
    import_ods(db.session, ods_file(ods_row(code="D99001", postcode="PE13 1AA")), now=utcnow())
    org = by_code("D99001")
    huntingdon = db.session.scalar(select(Locality).where(Locality.name == "Huntingdon"))
    org.locality, org.locality_locked = huntingdon, True
    org.staff_headcount, org.pcn, org.phone = 42, "Wisbech PCN", "01632 960123"
    db.session.commit()
    summary = import_ods(db.session, ods_file(ods_row(code="D99001", name="RENAMED",
                                                      phone="01945 999999")), now=utcnow())
    db.session.commit()
    org = by_code("D99001")
    assert summary.updated == 1
    assert org.name == "RENAMED"
    assert org.locality == huntingdon and org.locality_locked
    assert (org.staff_headcount, org.pcn, org.phone) == (42, "Wisbech PCN", "01632 960123")


def test_locality_comes_from_the_rules(app, demo_localities):
    import_ods(db.session, ods_file(
        ods_row(code="D99001", postcode="PE13 1AA"),  # district PE13
        ods_row(code="D99002", postcode="PE7 1AT", town="WHITTLESEY"),  # sector PE7 1
        ods_row(code="D99003", postcode="PE7 3JL", town="YAXLEY"),  # district PE7
        ods_row(code="D99004", postcode="NR1 1AA", town="ST. IVES"),  # town rule only
        ods_row(code="D99005", postcode="NR1 1AA", town="NORWICH"),  # nothing matches
    ), now=utcnow())
    placed = {org.ods_code: org.locality.name if org.locality else None
              for org in db.session.scalars(select(Organisation))}
    assert placed == {"D99001": "Fens", "D99002": "Fens", "D99003": "Peterborough",
                      "D99004": "Huntingdon", "D99005": None}


def test_import_is_recorded_and_audited(app, epraccur_06h):
    summary = import_ods(db.session, epraccur_06h, now=utcnow(), commissioner="06H",
                         filename="epraccur-06H.csv")
    db.session.commit()
    record = db.session.get(DirectoryImport, summary.import_id)
    assert record is not None
    assert (record.kind, record.commissioner, record.added, record.rows_read) == ("ods", "06H",
                                                                                  108, 182)
    assert len(record.sha256) == 64 and record.details["skipped"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "directory.import_ods"))
    assert event is not None and "epraccur-06H.csv" in event.summary


def test_progress_is_reported_while_rows_are_checked(app, shared_data):
    data = (shared_data / "epraccur-england-2020.csv").read_bytes()
    seen: list[int] = []
    import_ods(db.session, data, now=utcnow(), commissioner="06H", progress=seen.append)
    assert sum(seen) == 14000 and set(seen) == {1000}


def test_trailing_blank_lines_are_ignored(app):
    summary = import_ods(db.session, ods_file(ods_row()) + b"\r\n\r\n", now=utcnow())
    assert summary.added == 1


def rejected(data: bytes, **options: object) -> ImportRejected:
    with pytest.raises(ImportRejected) as caught:
        import_ods(db.session, data, now=utcnow(), **options)  # type: ignore[arg-type]
    db.session.rollback()
    assert organisation_count() == 0
    assert db.session.scalar(select(func.count()).select_from(DirectoryImport)) == 0
    return caught.value


def test_import_rejects_rows_with_the_wrong_number_of_columns(app):
    short = ods_row(code="D99002")[:20]
    error = rejected(ods_file(ods_row(code="D99001"), short, ods_row(code="D99003"),
                              ods_row(code="D99004") + ["extra"]))
    assert "2 rows" in error.message and "Nothing was imported" in error.message
    assert error.problems == ["Row 2: expected 27 columns but found 20.",
                              "Row 4: expected 27 columns but found 28."]


def test_import_rejects_a_bad_date_naming_the_row(app):
    error = rejected(ods_file(ods_row(code="D99001"), ods_row(code="D99002", opened="2019-04-01"),
                              ods_row(code="D99003", closed="20190231")))
    assert error.problems == [
        "Row 2: the open date (column 11) '2019-04-01' is not a date written as YYYYMMDD.",
        "Row 3: the close date (column 12) '20190231' is not a date written as YYYYMMDD.",
    ]


def test_import_rejects_an_empty_code(app):
    error = rejected(ods_file(ods_row(code="D99001"), ods_row(code="")))
    assert error.problems == ["Row 2: the organisation code (column 1) is empty."]


def test_import_rejects_unknown_status_and_setting(app):
    error = rejected(ods_file(ods_row(code="D99001", status="X"),
                              ods_row(code="D99002", setting="four")))
    assert "Row 1: the status (column 13) 'X' is not A, C, D or P." in error.problems
    assert "Row 2: the prescribing setting (column 26) 'four' is not a number." in error.problems


def test_import_rejects_duplicate_codes_within_the_file(app):
    error = rejected(ods_file(ods_row(code="D99001"), ods_row(code="D99002"),
                              ods_row(code="D99001")))
    assert error.problems == ["Row 3: the code D99001 appears again (first on row 1)."]


def test_one_bad_row_anywhere_means_nothing_is_written(app, shared_data):
    data = (shared_data / "epraccur-06H.csv").read_bytes()
    lines = data.split(b"\r\n")
    lines[150] = lines[150].replace(b'"A","B"', b'"Z","B"', 1)
    error = rejected(b"\r\n".join(lines), commissioner="06H")
    assert error.problems[0].startswith("Row 151: the status")


def test_import_rejects_a_file_with_a_header_row(app):
    header = ["Organisation code", "Name", *[f"Column {n}" for n in range(3, 28)]]
    error = rejected(ods_file(header, ods_row()))
    assert "header row" in error.message and "CSV import" in error.message


def test_import_rejects_a_commissioner_with_no_rows(app, epraccur_06h):
    error = rejected(epraccur_06h, commissioner="99X")
    assert "No rows in the file have the commissioner code 99X" in error.message


def test_import_rejects_an_empty_file(app):
    assert "The file is empty" in rejected(b"").message
    assert "The file is empty" in rejected(b"\r\n  \r\n").message


@pytest.mark.parametrize(("data", "named"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
    (b"PK\x03\x04\x14\x00\x06\x00" + bytes(40), "an Excel workbook (.xlsx)"),
    (b"\x00\x01\x02\x03 binary \x00", "not a CSV text file"),
])
def test_import_rejects_binary_files_saying_what_they_are(app, data, named):
    assert named in rejected(data).message


def test_problems_are_listed_in_full_but_shown_twenty_at_a_time(app):
    rows = [ods_row(code=f"D99{n:03d}", opened="bad") for n in range(30)]
    error = rejected(ods_file(*rows))
    assert len(error.problems) == 30
    assert len(error.shown_problems) == 21 and "10 more problems" in error.shown_problems[-1]


def test_rules_respect_a_locality_chosen_before_the_import(app):
    locality = make_locality("Elsewhere")
    import_ods(db.session, ods_file(ods_row(code="D99001")), now=utcnow())
    org = by_code("D99001")
    org.locality_id, org.locality_locked = locality.id, True
    db.session.commit()
    import_ods(db.session, ods_file(ods_row(code="D99001", postcode="PE13 2AA")), now=utcnow())
    assert by_code("D99001").locality_id == locality.id


def test_import_rejects_a_file_the_csv_module_cannot_read(app):
    error = rejected(b'"D99001","' + b"x" * 200_000 + b'"\r\n')
    assert "cannot be read as CSV" in error.message
