"""The directory CSV upload's matching step: a file whose headings engage does not know."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from sqlalchemy import select

from engage.columns import Matching
from engage.directory.models import Organisation, OrgKind
from engage.extensions import db
from engage.matchings import find_matching, save_matching
from tests.directory.conftest import organisation_count

# The pharmacy group's own list: only the postcode is a heading engage knows.
SHOPS = (b"Branch,Shop,Where,Postcode\n"
         b"FQ123,Chatteris Pharmacy,12 High Street,PE16 6AA\n"
         b"FQ124,March Chemists,3 Broad Street,PE15 8TP\n")
URL = "/directory/import/csv"


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def payload(page: str) -> str:
    found = re.search(r'name="payload" type="hidden" value="([^"]+)"', page)
    assert found, "no payload on the page"
    return found.group(1)


def matching_page(client, upload, data=SHOPS, **fields):  # type: ignore[no-untyped-def]
    response = upload(client, URL, data, "shops.csv", **fields)
    assert response.status_code == 200, text(response)
    return text(response)


def choose(client, page, **choices):  # type: ignore[no-untyped-def]
    form = {"payload": payload(page), "column_0": "", "column_1": "", "column_2": "",
            "column_3": "postcode", **choices}
    return client.post(URL + "/match", data=form)


def test_unknown_headings_lead_to_the_matching_page_with_samples(app, manager_client, upload):
    page = matching_page(manager_client, upload)
    assert "Match the columns of shops.csv" in page
    assert "Column 1: Branch" in page and "For example: FQ123, FQ124" in page
    assert "no column for: code" in page
    # The postcode is recognised and chosen already.
    assert re.search(r'<option selected value="postcode">', page)
    assert organisation_count() == 0


def test_a_complete_matching_imports_and_can_be_saved(app, manager_client, upload):
    page = matching_page(manager_client, upload)
    response = choose(manager_client, page, column_0="code", column_1="name", column_2="address",
                      value_kind="Community pharmacy", save_as="Shop list")
    assert response.status_code == 302, text(response)
    shop = db.session.scalar(select(Organisation).where(Organisation.ods_code == "FQ123"))
    assert shop is not None and shop.kind is OrgKind.COMMUNITY_PHARMACY
    assert (shop.name, shop.address, shop.postcode) == ("Chatteris Pharmacy", "12 High Street",
                                                        "PE16 6AA")
    saved = find_matching(db.session, "directory", "Shop list")
    assert saved is not None and saved.columns == {"code": "Branch", "name": "Shop",
                                                   "address": "Where", "postcode": "Postcode"}
    assert saved.values == {"kind": "Community pharmacy"}


def test_a_saved_matching_is_offered_for_a_file_with_the_same_headings(app, manager_client,
                                                                        upload):
    save_matching(db.session, "directory", "Shop list", ["branch", "SHOP", "where", "postcode"],
                  Matching({"code": "Branch", "name": "Shop"}, {"kind": "Community pharmacy"}),
                  by="", now=datetime(2026, 12, 1, tzinfo=UTC))
    db.session.commit()
    page = matching_page(manager_client, upload)
    assert "Use saved matching 'Shop list'" in page
    assert '<option selected value="code">' in page and '<option selected value="name">' in page
    assert '<option selected value="Community pharmacy">' in page


def test_choosing_to_match_shows_the_page_for_a_file_engage_could_read(app, manager_client,
                                                                      upload):
    data = b"code,name,kind\nFA123,A Pharmacy,Pharmacy\n"
    page = matching_page(manager_client, upload, data, match_columns="y")
    assert '<option selected value="code">' in page and organisation_count() == 0


def test_two_columns_for_one_field_are_refused(app, manager_client, upload):
    page = matching_page(manager_client, upload)
    response = choose(manager_client, page, column_0="code", column_1="name", column_2="name",
                      value_kind="Community pharmacy")
    assert response.status_code == 400
    page = text(response)
    assert "nhsuk-error-summary" in page
    assert "Columns 2 ('Shop') and 3 ('Where') are both matched to Name" in page
    assert organisation_count() == 0


def test_a_required_field_neither_matched_nor_given_is_refused(app, manager_client, upload):
    page = matching_page(manager_client, upload)
    response = choose(manager_client, page, column_0="code", column_1="name")
    assert response.status_code == 400
    assert "Choose the column that holds Kind, or give one value for every row" in text(response)
    assert organisation_count() == 0


def test_a_value_invalid_for_its_field_is_refused(app, manager_client, upload):
    page = matching_page(manager_client, upload)
    response = choose(manager_client, page, column_0="code", column_1="name",
                      value_kind="Dentist")
    assert response.status_code == 400 and "Not a valid choice" in text(response)
    # A column whose cells are not valid for the field it is matched to: the rows say so.
    response = choose(manager_client, page, column_0="code", column_1="name",
                      column_2="email", value_kind="Community pharmacy")
    assert response.status_code == 400
    assert "Row 2: '12 High Street' is not a valid email address" in text(response)
    assert organisation_count() == 0


def test_a_field_the_import_lacks_or_a_changed_payload_is_refused(app, manager_client, upload):
    page = matching_page(manager_client, upload)
    response = choose(manager_client, page, column_0="colour", column_1="name",
                      value_kind="Community pharmacy")
    assert response.status_code == 400 and "Not a valid choice" in text(response)
    response = manager_client.post(URL + "/match", data={"payload": payload(page)[:-3] + "abc"})
    assert response.status_code == 400 and "Upload the file again" in text(response)
    assert organisation_count() == 0


def test_an_ignored_column_is_not_read_even_when_recognised(app, manager_client, upload):
    data = b"code,name,kind,email\nFA123,A Pharmacy,Pharmacy,not-an-address\n"
    page = matching_page(manager_client, upload, data, match_columns="y")
    response = manager_client.post(URL + "/match", data={
        "payload": payload(page), "column_0": "code", "column_1": "name", "column_2": "kind",
        "column_3": ""})
    assert response.status_code == 302, text(response)
    assert organisation_count() == 1


def test_a_code_or_name_must_come_from_a_column(app, manager_client, upload):
    page = matching_page(manager_client, upload)
    assert "ODS code for every row" not in page and "Kind for every row" in page
    response = choose(manager_client, page, column_1="name", value_kind="Community pharmacy",
                      value_code="FQ1")
    assert response.status_code == 400
    assert "Choose the column that holds ODS code." in text(response)
    assert organisation_count() == 0
