"""The directory pages: list, search, filters, organisation pages, edits, contacts and uploads."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from engage.audit.models import AuditEvent
from engage.database import utcnow
from engage.directory.models import Contact, DirectoryImport, Organisation, OrgKind, OrgStatus
from engage.directory.ods_import import import_ods
from engage.extensions import db
from tests.directory.conftest import ods_file, ods_row, organisation_count
from tests.factories import make_contact, make_locality, make_organisation


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def test_06h_import_shows_exactly_88_active_gp_practices(app, manager_client, epraccur_06h,
                                                          upload):
    response = upload(manager_client, "/directory/import/ods", epraccur_06h, "epraccur-06H.csv",
                      commissioner="06H", other_settings="skip")
    assert response.status_code == 302
    page = text(manager_client.get("/directory/?kind=gp_practice&status=active"))
    assert "88 organisations match" in page
    assert "88 GP practices (88 active)" in page
    overview = text(manager_client.get("/"))
    assert re.search(r">88</h2>\s*<p[^>]*><a[^>]*>GP practices \(active\)", overview)


def test_list_searches_name_code_and_postcode(app, steering_client):
    make_organisation(name="Lensfield Medical Practice", ods_code="D81001", postcode="CB2 1EH")
    make_organisation(name="North Brink Practice", ods_code="D81008", postcode="PE13 1JU")
    db.session.commit()
    for query in ("lensfield", "d81001", "cb21eh", "CB2 1EH"):
        page = text(steering_client.get("/directory/", query_string={"q": query}))
        assert "Lensfield Medical Practice" in page and "North Brink" not in page, query
    assert "1 organisation matches" in text(steering_client.get("/directory/?q=brink"))


def test_search_treats_wildcards_as_plain_text(app, steering_client):
    make_organisation(name="Plain Surgery")
    db.session.commit()
    assert "0 organisations match" in text(steering_client.get("/directory/?q=%25"))


def test_list_filters_by_kind_locality_pcn_and_status_with_counts(app, steering_client):
    fens = make_locality("Fens")
    make_organisation(name="Fen Surgery", locality_id=fens.id, pcn="Wisbech PCN")
    make_organisation(name="Fen Pharmacy", kind=OrgKind.COMMUNITY_PHARMACY, locality_id=fens.id)
    make_organisation(name="Closed Surgery", status=OrgStatus.CLOSED, locality_id=fens.id)
    make_organisation(name="Elsewhere Surgery")
    db.session.commit()
    page = text(steering_client.get(f"/directory/?locality={fens.id}"))
    assert "3 organisations match" in page and "Elsewhere" not in page
    assert "2 GP practices (1 active)" in page and "1 closed" in page
    page = text(steering_client.get("/directory/?pcn=Wisbech+PCN"))
    assert "Fen Surgery" in page and "Fen Pharmacy" not in page
    page = text(steering_client.get("/directory/?kind=community_pharmacy&status=active"))
    assert "Fen Pharmacy" in page and "Fen Surgery" not in page
    page = text(steering_client.get("/directory/?locality=none"))
    assert "Elsewhere Surgery" in page and "Fen Surgery" not in page


def test_unknown_filter_values_are_ignored(app, steering_client):
    make_organisation(name="Any Surgery")
    db.session.commit()
    response = steering_client.get("/directory/?kind=dentist&locality=999&page=x")
    assert response.status_code == 200 and "Any Surgery" in text(response)


def test_list_is_paginated_keeping_the_filters(app, steering_client):
    for n in range(55):
        make_organisation(name=f"Surgery {n:02d}", pcn="Big PCN")
    db.session.commit()
    first = text(steering_client.get("/directory/?pcn=Big+PCN"))
    assert "Surgery 49" in first and "Surgery 50" not in first
    assert ('href="/directory/?pcn=Big+PCN&amp;page=2"' in first
            or 'href="/directory/?page=2&amp;pcn=Big+PCN"' in first)
    second = text(steering_client.get("/directory/?pcn=Big+PCN&page=2"))
    assert "Surgery 50" in second and "Surgery 49" not in second


def test_steering_sees_no_way_to_change_anything(app, steering_client):
    org = make_organisation()
    make_contact(org)
    db.session.commit()
    for url in ("/directory/", f"/directory/organisations/{org.ods_code}"):
        page = text(steering_client.get(url))
        for action in ("Add an organisation", "Import", "Change the details", "Add a contact",
                       "Remove", "Delete"):
            assert action not in page, (url, action)


@pytest.mark.parametrize("url", [
    "/directory/organisations/new", "/directory/organisations/Z99999/edit",
    "/directory/organisations/Z99999/contacts/new", "/directory/contacts/1/edit",
    "/directory/import/ods", "/directory/import/csv",
])
def test_steering_cannot_open_or_post_change_pages(app, steering_client, url):
    make_organisation(ods_code="Z99999")
    db.session.commit()
    assert steering_client.get(url).status_code == 403
    assert steering_client.post(url, data={"name": "Hacked"}).status_code == 403
    assert db.session.scalar(select(Organisation.name).where(Organisation.name == "Hacked")) is None


def test_organisation_page_shows_details_contacts_and_demo_tags(app, steering_client):
    org = make_organisation(name="Demo Pharmacy", kind=OrgKind.COMMUNITY_PHARMACY, is_demo=True,
                            pcn="Wisbech PCN", staff_headcount=9, phone="01632 960001",
                            address="1 High Street\nWisbech", postcode="PE13 1AA")
    make_contact(org, name="Ann Lee", email="ann@example.org", do_not_email=True, is_demo=True)
    db.session.commit()
    page = text(steering_client.get(f"/directory/organisations/{org.ods_code}"))
    for expected in ("Demo Pharmacy", "Wisbech PCN", "01632 960001", "1 High Street", "PE13 1AA",
                     "Ann Lee", "ann@example.org", "Do not email", "generated demo data", "Demo"):
        assert expected in page, expected
    assert "Demo data" in page  # the site-wide banner
    listing = text(steering_client.get("/directory/"))
    assert 'nhsuk-tag--yellow">Demo</strong>' in listing


def test_unknown_organisation_is_a_404(app, steering_client):
    assert steering_client.get("/directory/organisations/NOPE1").status_code == 404


def test_manager_edits_headcount_pcn_and_pins_a_locality(app, manager_client):
    fens = make_locality("Fens")
    org = make_organisation(postcode="CB1 1AA")
    db.session.commit()
    response = manager_client.post(f"/directory/organisations/{org.ods_code}/edit", data={
        "name": org.name, "kind": "gp_practice", "status": "active", "address": "1 Mill Road",
        "postcode": "cb1 2aa", "phone": "01632 960002", "pcn": "City PCN",
        "staff_headcount": "37", "locality": str(fens.id)})
    assert response.status_code == 302
    db.session.refresh(org)
    assert (org.staff_headcount, org.pcn, org.postcode) == (37, "City PCN", "CB1 2AA")
    assert org.locality_id == fens.id and org.locality_locked
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "directory.org_edit"))
    assert event is not None and "staff_headcount" in event.summary
    form = text(manager_client.get(f"/directory/organisations/{org.ods_code}/edit"))
    assert f'<option selected value="{fens.id}">' in form or \
        f'<option value="{fens.id}" selected>' in form


def test_edit_form_errors_use_the_error_summary(app, manager_client):
    org = make_organisation()
    db.session.commit()
    response = manager_client.post(f"/directory/organisations/{org.ods_code}/edit", data={
        "name": "", "kind": "gp_practice", "status": "active", "postcode": "nonsense",
        "staff_headcount": "-3", "locality": ""})
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page and "Enter the name" in page
    assert "Enter a UK postcode" in page and "Enter a whole number" in page
    assert page.count("<title>Error: ") == 1


def test_manager_adds_an_organisation_by_hand(app, manager_client, demo_localities):
    data = {"code": "fed04", "name": "Peterborough GP Federation", "kind": "gp_federation",
            "status": "active", "address": "2 Bridge Street\nPeterborough", "postcode": "PE1 1AA",
            "locality": ""}
    response = manager_client.post("/directory/organisations/new", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/directory/organisations/FED04")
    org = db.session.scalar(select(Organisation).where(Organisation.ods_code == "FED04"))
    assert org is not None and org.kind is OrgKind.GP_FEDERATION
    assert org.locality is not None and org.locality.name == "Peterborough"
    again = manager_client.post("/directory/organisations/new", data=data)
    assert again.status_code == 400 and "FED04 is already in the directory" in text(again)


def test_manager_adds_edits_and_removes_a_contact(app, manager_client):
    org = make_organisation(kind=OrgKind.COMMUNITY_PHARMACY)
    db.session.commit()
    form = text(manager_client.get(f"/directory/organisations/{org.ods_code}/contacts/new"))
    assert '<option selected value="pharmacy_lead">' in form or \
        '<option value="pharmacy_lead" selected>' in form
    response = manager_client.post(f"/directory/organisations/{org.ods_code}/contacts/new", data={
        "name": "Ann Lee", "role": "pharmacy_lead", "email": "Ann.Lee@EXAMPLE.org",
        "phone": ""})
    assert response.status_code == 302
    contact = db.session.scalar(select(Contact))
    assert contact is not None and contact.email == "Ann.Lee@example.org"
    response = manager_client.post(f"/directory/contacts/{contact.id}/edit", data={
        "name": "Ann Lee", "role": "pharmacy_lead", "email": "ann.lee@example.org",
        "do_not_email": "y"})
    assert response.status_code == 302
    db.session.refresh(contact)
    assert contact.do_not_email
    assert manager_client.post(f"/directory/contacts/{contact.id}/delete").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 0
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "directory.contact_delete"))
    assert event is not None and "Ann Lee" in event.summary


def test_contact_with_an_invalid_email_is_refused(app, manager_client):
    org = make_organisation()
    db.session.commit()
    response = manager_client.post(f"/directory/organisations/{org.ods_code}/contacts/new",
                                   data={"name": "Bob", "role": "other", "email": "bob@"})
    assert response.status_code == 400
    assert "is not a valid email address" in text(response)
    assert db.session.scalar(select(Contact)) is None


def test_the_same_email_twice_at_one_organisation_is_refused(app, manager_client):
    org = make_organisation()
    make_contact(org, name="First", email="pm@example.org")
    db.session.commit()
    response = manager_client.post(f"/directory/organisations/{org.ods_code}/contacts/new",
                                   data={"name": "Second", "role": "other",
                                         "email": "PM@example.org"})
    assert response.status_code == 400 and "already has the email" in text(response)


def test_deleting_a_contact_by_get_only_asks(app, manager_client):
    contact = make_contact()
    db.session.commit()
    assert manager_client.get(f"/directory/contacts/{contact.id}/delete").status_code == 200
    assert db.session.get(Contact, contact.id) is not None


def test_ods_upload_shows_the_import_summary(app, manager_client, upload, epraccur_06h):
    response = upload(manager_client, "/directory/import/ods", epraccur_06h, "epraccur-06H.csv",
                      commissioner="06H", other_settings="other")
    record = db.session.scalar(select(DirectoryImport))
    assert record is not None
    assert response.headers["Location"].endswith(f"/directory/imports/{record.id}")
    page = text(manager_client.get(response.headers["Location"]))
    assert "Import of epraccur-06H.csv" in page and ">182<" in page


@pytest.mark.parametrize(("data", "expected"), [
    (b"", "The file is empty"),
    (b"\x89PNG\r\n\x1a\n" + bytes(64), "This is a PNG image, not a CSV file"),
    (b"PK\x03\x04" + bytes(64), "Excel workbook"),
    (ods_file(ods_row(code="D99001"), ods_row(code="D99002")[:5]),
     "Row 2: expected 27 columns but found 5."),
])
def test_rejected_ods_upload_is_a_400_with_the_error_summary(app, manager_client, upload, data,
                                                              expected):
    response = upload(manager_client, "/directory/import/ods", data, "file.csv",
                      commissioner="", other_settings="skip")
    assert response.status_code == 400
    page = text(response)
    assert "nhsuk-error-summary" in page and expected in page
    assert organisation_count() == 0


def test_rejected_csv_upload_names_the_rows(app, manager_client, upload):
    data = b"code,name,kind,email\nFA123,A,Pharmacy,a@example.org\nFA124,B,Dentist,b@\n"
    response = upload(manager_client, "/directory/import/csv", data, "pharmacies.csv")
    assert response.status_code == 400
    page = text(response)
    assert "Row 3: &#39;Dentist&#39; is not a kind" in page
    assert "Row 3: &#39;b@&#39; is not a valid email address" in page
    assert organisation_count() == 0


def test_csv_upload_imports_pharmacies(app, manager_client, upload):
    data = b"ODS code,Name,Type,Postcode,Email\nFA123,Wisbech Pharmacy Ltd,Pharmacy,PE13 1AA," \
           b"lead@example.org\n"
    response = upload(manager_client, "/directory/import/csv", data, "pharmacies.csv")
    assert response.status_code == 302
    org = db.session.scalar(select(Organisation))
    assert org is not None and org.contacts[0].email == "lead@example.org"


def test_upload_without_a_file_says_choose_one(app, manager_client):
    response = manager_client.post("/directory/import/csv", data={},
                                   content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose the file to upload" in text(response)


def test_pages_have_no_inline_script_or_style(app, manager_client):
    org = make_organisation()
    make_contact(org)
    import_ods(db.session, ods_file(ods_row()), now=utcnow(), filename="x.csv")
    db.session.commit()
    record = db.session.scalar(select(DirectoryImport))
    for url in ("/directory/", f"/directory/organisations/{org.ods_code}",
                f"/directory/organisations/{org.ods_code}/edit", "/directory/organisations/new",
                f"/directory/organisations/{org.ods_code}/contacts/new", "/directory/import/ods",
                "/directory/import/csv", f"/directory/imports/{record.id}",
                "/directory/localities", "/"):
        page = text(manager_client.get(url))
        assert " style=" not in page, url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
        assert "<table" not in page or page.count("<table") == page.count(
            'class="engage-table-wrap"'), url


def test_csv_upload_with_a_nul_after_the_first_64_kb_is_refused(app, manager_client, upload):
    rows = "".join(f"FA{n:04d},Pharmacy {n},Pharmacy,PE13 1AA\n" for n in range(3000))
    data = ("ODS code,Name,Type,Postcode\n" + rows).encode()
    assert len(data) > 65536
    data += b"FZ999,Bad\x00Name,Pharmacy,PE13 1AA\n"
    response = upload(manager_client, "/directory/import/csv", data, "pharmacies.csv")
    assert response.status_code == 400
    page = text(response)
    assert "Line 3002 of the file contains a NUL character" in page
    assert organisation_count() == 0
