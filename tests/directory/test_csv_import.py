"""Importing organisations from a headed CSV file: aliases, dialects, encodings, upserts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.database import utcnow
from engage.directory.csv_import import import_csv
from engage.directory.errors import ImportRejected
from engage.directory.models import Contact, ContactRole, Organisation, OrgKind, OrgSource
from engage.extensions import db
from tests.directory.conftest import organisation_count
from tests.factories import make_locality, make_organisation

PHARMACIES = (
    "ODS code,Organisation name,Type,Postcode,Email,Contact name,Contact role,Staff headcount\r\n"
    "FA123,Wisbech Pharmacy Ltd,Pharmacy,pe13 1aa,lead@wisbech-pharmacy.example.org,Ann Lee,"
    "Pharmacy lead,8\r\n"
    "FB456,March Chemists,Community pharmacy,PE15 8AA,,,,\r\n"
    "YF001,Fenland GP Federation,GP federation,PE13 2BB,ops@fenland.example.org,,,\r\n"
)


def run(text: str | bytes) -> object:
    data = text.encode() if isinstance(text, str) else text
    summary = import_csv(db.session, data, now=utcnow(), filename="orgs.csv")
    db.session.commit()
    return summary


def org(code: str) -> Organisation:
    found = db.session.scalar(select(Organisation).where(Organisation.ods_code == code))
    assert found is not None, code
    return found


def test_import_adds_pharmacies_and_federations_with_aliased_headings(app):
    summary = run(PHARMACIES)
    assert (summary.added, summary.updated, summary.contacts_added) == (3, 0, 2)
    pharmacy = org("FA123")
    assert pharmacy.name == "Wisbech Pharmacy Ltd"
    assert pharmacy.kind is OrgKind.COMMUNITY_PHARMACY
    assert pharmacy.postcode == "PE13 1AA" and pharmacy.staff_headcount == 8
    assert pharmacy.source is OrgSource.CSV
    assert [(c.name, c.role, c.email) for c in pharmacy.contacts] == [
        ("Ann Lee", ContactRole.PHARMACY_LEAD, "lead@wisbech-pharmacy.example.org")]
    federation = org("YF001")
    assert federation.kind is OrgKind.GP_FEDERATION
    assert federation.contacts[0].role is ContactRole.FEDERATION_MANAGER


def test_second_import_updates_by_code_without_duplicating(app):
    run(PHARMACIES)
    summary = run("code,name,kind,phone,email,contact name\n"
                  "FA123,Wisbech Pharmacy,pharmacy,01632 960001,LEAD@wisbech-pharmacy.example.org,"
                  "Ann Lee-Smith\n"
                  "FB456,March Chemists,Community pharmacy,,,\n")
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 1)
    assert summary.contacts_added == 0 and summary.contacts_updated == 1
    assert organisation_count() == 3
    pharmacy = org("FA123")
    assert pharmacy.name == "Wisbech Pharmacy" and pharmacy.phone == "01632 960001"
    assert pharmacy.staff_headcount == 8  # an empty cell leaves what was there
    assert [c.name for c in pharmacy.contacts] == ["Ann Lee-Smith"]


@pytest.mark.parametrize("encode", [
    lambda text: text.replace(",", ";").encode("utf-8-sig"),
    lambda text: text.replace(",", "\t").encode("utf-8"),
    lambda text: text.encode("cp1252"),
], ids=["semicolons-with-bom", "tabs", "windows-1252"])
def test_dialects_and_encodings_are_detected(app, encode):
    text = "Org code,Name,Kind,Postcode\r\nFA123,Café Pharmacy – St Ives,Pharmacy,PE27 5AA\r\n"
    run(encode(text))
    assert org("FA123").name == "Café Pharmacy – St Ives"


def test_locality_column_pins_the_organisation(app):
    fens = make_locality("Fens")
    db.session.commit()
    run("code,name,kind,locality\nFA123,A Pharmacy,pharmacy,fens\n")
    pharmacy = org("FA123")
    assert pharmacy.locality_id == fens.id and pharmacy.locality_locked


def test_locality_comes_from_the_rules_when_not_given(app, demo_localities):
    run("code,name,kind,postcode,town\nFA123,A Pharmacy,pharmacy,,Chatteris\n"
        "FA124,B Pharmacy,pharmacy,PE29 1AA,\n")
    assert org("FA123").locality.name == "Fens"  # by the post town
    assert org("FA124").locality.name == "Huntingdon"  # by the postcode district
    assert not org("FA123").locality_locked


def test_existing_organisation_from_ods_keeps_its_source(app):
    make_organisation(ods_code="D81001", source=OrgSource.ODS)
    db.session.commit()
    run("code,name,kind,pcn\nD81001,Lensfield Medical Practice,GP practice,Cambridge City PCN\n")
    practice = org("D81001")
    assert practice.source is OrgSource.ODS and practice.pcn == "Cambridge City PCN"


def rejected(text: str | bytes) -> ImportRejected:
    make_organisation(ods_code="ZZ999")
    db.session.commit()
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(ImportRejected) as caught:
        import_csv(db.session, data, now=utcnow())
    db.session.rollback()
    assert organisation_count() == 1  # nothing added, nothing lost
    assert db.session.scalar(select(Contact)) is None
    return caught.value


def test_import_rejects_unknown_kind(app):
    error = rejected("code,name,kind\nFA123,A,Pharmacy\nFA124,B,Dentist\nFA125,C,Chemist\n")
    assert error.problems == ["Row 3: 'Dentist' is not a kind engage knows. Use one of: "
                              "GP practice, GP federation, Community pharmacy, Other."]


def test_import_rejects_an_invalid_email_address(app):
    error = rejected("code,name,kind,email\nFA123,A,Pharmacy,lead@example.org\n"
                     "FA124,B,Pharmacy,not-an-email\n")
    assert len(error.problems) == 1
    assert error.problems[0].startswith("Row 3: 'not-an-email' is not a valid email address")


def test_import_rejects_duplicate_codes_within_the_file(app):
    error = rejected("code,name,kind\nFA123,A,Pharmacy\nfa123,B,Pharmacy\n")
    assert error.problems == ["Row 3: the code FA123 appears again (first on row 2)."]


def test_import_rejects_rows_with_the_wrong_number_of_columns(app):
    error = rejected("code,name,kind,postcode\nFA123,A,Pharmacy,PE13 1AA\nFA124,B,Pharmacy\n"
                     "FA125,C,Pharmacy,PE13 1AA,extra\n")
    assert [problem[:40] for problem in error.problems] == [
        "Row 3: expected 4 columns, as in the hea", "Row 4: expected 4 columns, as in the hea"]


def test_import_rejects_a_header_without_the_required_columns(app):
    error = rejected("name,postcode\nA Pharmacy,PE13 1AA\n")
    assert "no column for: code" in error.message and "kind" in error.message
    assert "Row 1 reads: name, postcode" in error.problems


def test_import_rejects_unknown_locality_and_bad_values(app):
    error = rejected("code,name,kind,locality,postcode,staff headcount,role,email\n"
                     "FA123,A,Pharmacy,Narnia,NOT A POSTCODE,lots,wizard,\n")
    assert any("no locality called 'Narnia'" in p for p in error.problems)
    assert any("'NOT A POSTCODE' is not a UK postcode" in p for p in error.problems)
    assert any("staff headcount 'lots'" in p for p in error.problems)
    assert any("'wizard' is not a contact role" in p for p in error.problems)


def test_import_rejects_an_empty_file(app):
    assert "The file is empty" in rejected(b"").message


def test_import_rejects_a_header_with_no_rows_under_it(app):
    assert "no organisations under it" in rejected("code,name,kind\n").message


def test_import_rejects_a_spreadsheet_saved_as_xlsx(app):
    assert "Excel workbook" in rejected(b"PK\x03\x04" + bytes(100)).message


def test_two_columns_for_one_field_are_refused(app):
    error = rejected("ODS code,Org code,name,kind\nFA123,FA123,A,Pharmacy\n")
    assert "Two columns mean the same thing" in error.message


def test_import_rejects_a_file_the_csv_module_cannot_read(app):
    error = rejected("code,name,kind\nFA123,\"" + "x" * 200_000 + "\",Pharmacy\n")
    assert "cannot be read as CSV" in error.message


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "cp1252"])
def test_import_rejects_a_nul_anywhere_in_the_file(app, encoding):
    rows = "".join(f"FA{n:04d},Pharmacy {n},Pharmacy\n" for n in range(4000))
    text = "ODS code,Name,Type\n" + rows + "FZ999,Bad\x00Name,Pharmacy\n"
    assert len(text.encode(encoding)) > 65536
    error = rejected(text.encode(encoding))
    assert "Line 4002 of the file contains a NUL character" in error.message
    assert organisation_count() == 1  # only the one that was there before


# The NHS Business Services Authority's consolidated pharmaceutical list, as published (a kind
# column added: the list has none, every row being a pharmacy).
NBSA_HEADINGS = ("PHARMACY_ODS_CODE_(F-CODE),PHARMACY_TRADING_NAME,ORGANISATION_NAME,"
                 "ADDRESS_FIELD_1,ADDRESS_FIELD_2,ADDRESS_FIELD_3,ADDRESS_FIELD_4,POST_CODE,"
                 "HEALTH_AND_WELLBEING_BOARD,ICB,KIND\n")


def test_the_nhs_pharmacy_list_headings_are_known_without_matching(app):
    run(NBSA_HEADINGS +
        "FQ123,Chatteris Pharmacy,CHATTERIS CHEMISTS LIMITED,12 High Street,,Chatteris,"
        "Cambridgeshire,PE16 6AA,Cambridgeshire,QUE,community pharmacy\n")
    pharmacy = org("FQ123")
    # The trading name is the name people know; ORGANISATION_NAME is the owning contractor.
    assert pharmacy.name == "Chatteris Pharmacy"
    assert pharmacy.address == "12 High Street\nChatteris\nCambridgeshire"
    assert pharmacy.postcode == "PE16 6AA"


def test_headings_match_whatever_their_case_spacing_and_punctuation(app):
    run("pharmacy_name,address,postcode,organisation_data_service_code,"
        "health_and_wellbeing_board,Org-Type\n"
        "March Chemists,1 Broad St,PE15 8AA,FB456,Cambridgeshire,pharmacy\n")
    assert org("FB456").name == "March Chemists"


def test_a_file_with_no_kind_column_names_it_as_missing(app):
    with pytest.raises(ImportRejected, match="no column for: kind"):
        run(NBSA_HEADINGS.replace(",KIND", "") +
            "FQ123,Chatteris Pharmacy,CHATTERIS CHEMISTS LIMITED,12 High Street,,Chatteris,,"
            "PE16 6AA,Cambridgeshire,QUE\n")
    assert organisation_count() == 0
