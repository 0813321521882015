"""Matching attendees to organisations: contact email first, then a domain only one org uses."""

from __future__ import annotations

import pytest

from engage.campaigns.attendance.files import Attendee
from engage.campaigns.attendance.matching import (
    BY_CONTACT,
    BY_DOMAIN,
    OrganisationNotFound,
    find_organisation,
    is_shared_domain,
    match_attendees,
)
from engage.directory.models import OrgStatus
from engage.extensions import db
from tests.campaigns.attendance_support import add_directory
from tests.factories import make_contact, make_organisation


def match(*emails: str):
    return match_attendees(db.session, [Attendee(f"Person {i}", e) for i, e in enumerate(emails)])


def test_a_contacts_address_matches_in_any_case(app):
    orgs = add_directory()
    result = match("PM.Riverside@nhs.net".lower(), "pharmacy.fa123@nhs.net")
    assert result.matched["pm.riverside@nhs.net"].organisation_id == orgs.riverside.id
    assert result.matched["pm.riverside@nhs.net"].how == BY_CONTACT
    assert result.matched["pharmacy.fa123@nhs.net"].organisation_id == orgs.wisbech.id
    assert not result.unmatched


def test_stored_addresses_in_capitals_still_match(app):
    org = make_organisation()
    make_contact(org, email="Jane.Doe@Example-Practice.org.uk")
    result = match("jane.doe@example-practice.org.uk")
    assert result.matched["jane.doe@example-practice.org.uk"].how == BY_CONTACT


def test_a_domain_only_one_organisation_uses_matches_by_domain(app):
    orgs = add_directory()
    result = match("tom.baker@riversidesurgery.co.uk")
    assert result.matched["tom.baker@riversidesurgery.co.uk"].organisation_id == orgs.riverside.id
    assert result.matched["tom.baker@riversidesurgery.co.uk"].how == BY_DOMAIN


def test_a_domain_two_organisations_use_is_left_for_a_person(app):
    north = make_organisation(name="Doddington North Surgery")
    south = make_organisation(name="Doddington South Surgery")
    make_contact(north, email="pm@doddingtonmedical.co.uk")
    make_contact(south, email="reception@doddingtonmedical.co.uk")
    result = match("gp@doddingtonmedical.co.uk")
    assert not result.matched
    [(attendee, reason)] = result.unmatched
    assert attendee.email == "gp@doddingtonmedical.co.uk"
    assert "contacts at 2 organisations use doddingtonmedical.co.uk" in reason
    assert "Doddington North Surgery, Doddington South Surgery" in reason


def test_nhs_net_never_matches_by_domain_even_when_one_organisation_uses_it(app):
    # Only one contact in this directory has an nhs.net address; every practice uses nhs.net.
    only = make_organisation(name="Only Surgery")
    make_contact(only, email="pm.only@nhs.net")
    result = match("someone.else@nhs.net", "pm.only@nhs.net")
    assert set(result.matched) == {"pm.only@nhs.net"}
    [(attendee, reason)] = result.unmatched
    assert attendee.email == "someone.else@nhs.net"
    assert "nhs.net addresses are used by many organisations" in reason


@pytest.mark.parametrize("domain", ["nhs.net", "nhs.uk", "gmail.com", "outlook.com",
                                    "hotmail.com", "hotmail.co.uk", "icloud.com", "yahoo.co.uk"])
def test_shared_and_personal_domains_are_never_domain_matched(app, domain):
    assert is_shared_domain(domain)
    org = make_organisation()
    make_contact(org, email=f"pm@{domain}")
    result = match(f"guest@{domain}")
    assert not result.matched


def test_an_organisations_own_domain_is_not_shared():
    assert not is_shared_domain("riversidesurgery.co.uk")
    assert not is_shared_domain("cpft.nhs.uk")


def test_an_address_that_is_a_contact_at_two_organisations_is_left_for_a_person(app):
    first = make_organisation(name="Alpha Surgery")
    second = make_organisation(name="Beta Surgery")
    make_contact(first, email="pm.both@nhs.net")
    make_contact(second, email="pm.both@nhs.net")
    result = match("pm.both@nhs.net")
    [(_, reason)] = result.unmatched
    assert reason == "A contact at 2 organisations: Alpha Surgery, Beta Surgery."


def test_closed_organisations_are_left_out(app):
    closed = make_organisation(name="Old Surgery", status=OrgStatus.CLOSED)
    make_contact(closed, email="pm@oldsurgery.co.uk")
    merged = make_organisation(name="New Surgery")
    make_contact(merged, email="pm@oldsurgery.co.uk")
    result = match("pm@oldsurgery.co.uk")
    assert result.matched["pm@oldsurgery.co.uk"].organisation_id == merged.id


def test_no_address_and_unknown_domains_say_why(app):
    add_directory()
    result = match_attendees(db.session, [Attendee("Jo Bloggs (Guest)", ""),
                                          Attendee("Lee Wong", "lee.wong@cpft.nhs.uk")])
    reasons = {a.name: reason for a, reason in result.unmatched}
    assert reasons == {
        "Jo Bloggs (Guest)": "The file gives no email address.",
        "Lee Wong": "No contact in the directory has this address or uses cpft.nhs.uk.",
    }


def test_a_domain_with_like_wildcards_matches_only_itself(app):
    org = make_organisation()
    make_contact(org, email="pm@a_b.example.org")
    assert not match("x@axb.example.org").matched


# --- placing someone by hand ---------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["D81001", "d81001", " D81001 ", "Riverside Surgery (D81001)",
                                   "riverside surgery", "Riverside"])
def test_an_organisation_is_found_by_code_list_label_or_name(app, typed):
    orgs = add_directory()
    assert find_organisation(db.session, typed).id == orgs.riverside.id


def test_a_name_that_fits_several_organisations_asks_for_the_code(app):
    add_directory()
    with pytest.raises(OrganisationNotFound, match="More than one organisation matches 'Surgery'"
                                                   r".*Enter the ODS code"):
        find_organisation(db.session, "Surgery")


def test_an_unknown_code_or_name_says_so(app):
    add_directory()
    with pytest.raises(OrganisationNotFound, match="No organisation has the ODS code or name "
                                                   "'Z99999'"):
        find_organisation(db.session, "Z99999")


@pytest.mark.parametrize("typed", ["lensfield medical practice", "The Fen Doctors", "fen doc",
                                   "LENSFIELD"])
def test_an_organisation_is_found_by_either_of_its_names(app, typed):
    org = make_organisation(name="LENSFIELD MEDICAL PRACTICE", preferred_name="The Fen Doctors")
    make_organisation(name="NORTH BRINK PRACTICE")
    assert find_organisation(db.session, typed).id == org.id


def test_several_matches_are_listed_as_people_read_them_in_case_blind_order(app):
    make_organisation(name="CORNERSTONE PRACTICE", ods_code="D81010")
    make_organisation(name="Chatteris Practice", ods_code="D81011")
    with pytest.raises(OrganisationNotFound, match=r"'practice': Chatteris Practice \(D81011\), "
                                                   r"Cornerstone Practice \(D81010\)\."):
        find_organisation(db.session, "practice")
