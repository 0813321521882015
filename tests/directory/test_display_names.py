"""Organisation names in the directory as people read them: proper case or a person's own
spelling on pages, the published name kept for imports and exports, lists in case-blind order."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.database import utcnow
from engage.directory.errors import DirectoryError
from engage.directory.models import Organisation
from engage.directory.organisations import (
    DirectoryFilter,
    OrganisationDetails,
    pcn_names,
    stored_preferred_name,
    update_organisation,
)
from engage.extensions import db
from tests.factories import make_contact, make_organisation


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def listed_names(page: str) -> list[str]:
    return re.findall(r'<a href="/directory/organisations/[A-Z0-9]+">([^<]+)</a>', page)


def edit(client, org: Organisation, **changes: str):  # type: ignore[no-untyped-def]
    data = {"name": org.name, "preferred_name": "", "kind": org.kind.value,
            "status": org.status.value, "postcode": org.postcode, "locality": ""}
    data.update(changes)
    return client.post(f"/directory/organisations/{org.ods_code}/edit", data=data)


def test_list_shows_proper_case_and_sorts_without_regard_to_case(app, steering_client):
    make_organisation(name="CORNERSTONE PRACTICE", ods_code="D81010")
    make_organisation(name="Chatteris Pharmacy", ods_code="FA100")
    make_organisation(name="ARBURY ROAD SURGERY", ods_code="D81002")
    make_organisation(name="ZETLAND SURGERY", preferred_name="Ashby Zetland", ods_code="D81020")
    db.session.commit()
    page = text(steering_client.get("/directory/"))
    assert listed_names(page) == ["Arbury Road Surgery", "Ashby Zetland", "Chatteris Pharmacy",
                                  "Cornerstone Practice"]
    assert "ARBURY ROAD SURGERY" not in page and "CORNERSTONE" not in page


def test_sort_key_is_the_same_in_sql_and_python(app):
    for name, preferred in (("CORNERSTONE PRACTICE", None), ("Chatteris Pharmacy", None),
                            ("bRAMPTON", None), ("X", "ash tree")):
        make_organisation(name=name, preferred_name=preferred)
    db.session.commit()
    in_sql = list(db.session.scalars(select(Organisation).order_by(Organisation.sort_key)))
    assert [o.display_name for o in in_sql] == ["ash tree", "bRAMPTON", "Chatteris Pharmacy",
                                                "Cornerstone Practice"]
    assert in_sql == sorted(in_sql, key=lambda o: o.sort_key)


def test_organisation_page_and_title_show_proper_case(app, steering_client):
    org = make_organisation(name="ST. GEORGE'S MEDICAL CENTRE", ods_code="D81003")
    make_contact(org, name="zoe Adams")
    make_contact(org, name="Ben Brown")
    db.session.commit()
    page = text(steering_client.get("/directory/organisations/D81003"))
    assert "<h1>St. George&#39;s Medical Centre</h1>" in page
    assert re.search(r"<title>St. George&#39;s Medical Centre", page)
    assert "GEORGE" not in page
    assert page.index("Ben Brown") < page.index("zoe Adams")  # contacts whatever their case


def test_a_name_already_in_mixed_case_is_shown_as_written(app, steering_client):
    make_organisation(name="iHealth Pharmacy (McKenzie)", ods_code="FA200")
    db.session.commit()
    page = text(steering_client.get("/directory/organisations/FA200"))
    assert "<h1>iHealth Pharmacy (McKenzie)</h1>" in page


def test_edit_form_shows_the_published_name_and_what_blank_shows(app, manager_client):
    org = make_organisation(name="LENSFIELD MEDICAL PRACTICE")
    db.session.commit()
    page = text(manager_client.get(f"/directory/organisations/{org.ods_code}/edit"))
    assert "Change Lensfield Medical Practice" in page
    assert ("Published name: LENSFIELD MEDICAL PRACTICE. Leave blank to show it as: "
            "Lensfield Medical Practice.") in page
    assert 'name="preferred_name"' in page


def test_preferred_name_is_stored_audited_shown_and_cleared(app, manager_client):
    org = make_organisation(name="MCCARTHY AND PARTNERS")
    db.session.commit()
    response = edit(manager_client, org, preferred_name="  The  McCarthy Practice ")
    assert response.status_code == 302
    db.session.refresh(org)
    assert org.preferred_name == "The McCarthy Practice" and org.name == "MCCARTHY AND PARTNERS"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "directory.org_edit"))
    assert event is not None and "preferred_name" in event.summary
    page = text(manager_client.get(response.headers["Location"]))
    assert "Saved The McCarthy Practice." in page and "<h1>The McCarthy Practice</h1>" in page

    assert edit(manager_client, org, preferred_name="").status_code == 302
    db.session.refresh(org)
    assert org.preferred_name is None and org.display_name == "McCarthy and Partners"


def test_a_preferred_name_equal_to_the_proper_case_is_not_kept(app, manager_client):
    org = make_organisation(name="ARBURY ROAD SURGERY", preferred_name="Old Spelling")
    db.session.commit()
    assert edit(manager_client, org, preferred_name="Arbury Road Surgery").status_code == 302
    db.session.refresh(org)
    assert org.preferred_name is None


def test_a_preferred_name_too_long_is_refused_and_nothing_changes(app, manager_client):
    org = make_organisation(name="ARBURY ROAD SURGERY")
    db.session.commit()
    response = edit(manager_client, org, preferred_name="A" * 201)
    assert response.status_code == 400
    assert "Enter 200 characters or fewer" in text(response)
    db.session.refresh(org)
    assert org.preferred_name is None
    with pytest.raises(DirectoryError, match="200 characters or fewer"):
        update_organisation(db.session, org, OrganisationDetails(
            name=org.name, kind=org.kind, preferred_name="B" * 201), now=utcnow())


def test_stored_preferred_name_keeps_only_a_real_difference():
    assert stored_preferred_name("ARBURY ROAD SURGERY", "   ") is None
    assert stored_preferred_name("ARBURY ROAD SURGERY", "Arbury  Road Surgery") is None
    assert stored_preferred_name("ARBURY ROAD SURGERY", "Arbury Rd Surgery") == "Arbury Rd Surgery"
    # The published capitals are a spelling a person may choose on purpose.
    assert stored_preferred_name("ARBURY ROAD SURGERY", "ARBURY ROAD SURGERY") == \
        "ARBURY ROAD SURGERY"


def test_adding_an_organisation_with_a_preferred_name(app, manager_client):
    response = manager_client.post("/directory/organisations/new", data={
        "code": "FA300", "name": "DOCTOR'S DISPENSARY", "preferred_name": "The Dispensary",
        "kind": "community_pharmacy", "status": "active", "locality": ""})
    assert response.status_code == 302
    org = db.session.scalar(select(Organisation).where(Organisation.ods_code == "FA300"))
    assert org is not None and org.preferred_name == "The Dispensary"
    assert "Added The Dispensary." in text(manager_client.get(response.headers["Location"]))


@pytest.mark.parametrize("query", ["lensfield", "LENSFIELD MEDICAL", "the fen", "THE FEN DOCTORS"])
def test_search_finds_an_organisation_by_either_name_in_any_case(app, steering_client, query):
    make_organisation(name="LENSFIELD MEDICAL PRACTICE", preferred_name="The Fen Doctors",
                      ods_code="D81001")
    make_organisation(name="NORTH BRINK PRACTICE", ods_code="D81008")
    db.session.commit()
    page = text(steering_client.get("/directory/", query_string={"q": query}))
    assert "1 organisation matches" in page and "The Fen Doctors" in page


def test_export_keeps_the_published_name_and_adds_the_shown_one(app, manager_client):
    make_organisation(name="CORNERSTONE PRACTICE", ods_code="D81010")
    make_organisation(name="Chatteris Pharmacy", ods_code="FA100", preferred_name="Chatteris")
    db.session.commit()
    rows = list(csv.reader(io.StringIO(text(manager_client.get("/directory/export.csv")))))
    header = rows[0]
    got = [(r[header.index("code")], r[header.index("name")], r[header.index("shown as")])
           for r in rows[1:]]
    assert got == [("FA100", "Chatteris Pharmacy", "Chatteris"),
                   ("D81010", "CORNERSTONE PRACTICE", "Cornerstone Practice")]


def test_pcn_names_sort_without_regard_to_case(app):
    for pcn in ("WISBECH PCN", "Cambridge City PCN", "alconbury PCN"):
        make_organisation(pcn=pcn)
    db.session.commit()
    assert pcn_names(db.session) == ["alconbury PCN", "Cambridge City PCN", "WISBECH PCN"]


def test_directory_filter_orders_by_the_shown_name(app):
    make_organisation(name="ZULU SURGERY", preferred_name="Alpha House")
    make_organisation(name="BRAVO SURGERY")
    db.session.commit()
    shown = [o.display_name for o in db.session.scalars(DirectoryFilter().query())]
    assert shown == ["Alpha House", "Bravo Surgery"]


def test_adding_a_code_already_listed_names_the_organisation_as_people_read_it(app,
                                                                              manager_client):
    make_organisation(name="ARBURY ROAD SURGERY", ods_code="D81002")
    db.session.commit()
    response = manager_client.post("/directory/organisations/new", data={
        "code": "d81002", "name": "Another", "kind": "gp_practice", "status": "active",
        "locality": ""})
    assert response.status_code == 400
    assert "D81002 is already in the directory as Arbury Road Surgery." in text(response)
