"""Localities as data: rules, their precedence, pinned organisations and the rules page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.database import utcnow
from engage.directory.addresses import normalise_postcode, post_town_from_lines
from engage.directory.errors import DirectoryError
from engage.directory.localities import (
    LocalityResolver,
    add_rules,
    apply_rules,
    normalise_rule_value,
    organisations_without_locality,
)
from engage.directory.models import (
    Locality,
    LocalityRule,
    LocalityRuleKind,
    Organisation,
    OrgKind,
    OrgStatus,
)
from engage.directory.ods_import import import_ods
from engage.extensions import db
from tests.factories import make_locality, make_organisation

SECTOR, DISTRICT, TOWN = (LocalityRuleKind.POSTCODE_SECTOR, LocalityRuleKind.POSTCODE_DISTRICT,
                          LocalityRuleKind.POST_TOWN)


@pytest.mark.parametrize(("lines", "town"), [
    (["48 LENSFIELD ROAD", "CAMBRIDGE", "CAMBRIDGESHIRE", ""], "CAMBRIDGE"),
    (["THE SURGERY", "57 THE HIGHWAY", "GREAT STAUGHTON", "HUNTINGDON,CAMBRIDGESHIRE"],
     "HUNTINGDON"),
    (["144-146 MAYORS WALK", "WEST TOWN, PETERBOROUGH", "CAMBRIDGESHIRE"], "PETERBOROUGH"),
    (["BUSHFIELD HEALTH CENTRE", "ORTON GOLDHAY", "PETERBOROUGH, CAMBS."], "PETERBOROUGH"),
    (["CROMWELL PLACE,ST.IVES", "HUNTINGDON"], "HUNTINGDON"),
    (["THE SURGERY", "MAIN ROAD", "PARSON DROVE,WISBECH", "CAMBRIDGESHIRE"], "WISBECH"),
    (["12 High Street", "St. Ives"], "ST IVES"),
    (["CAMBRIDGESHIRE"], ""),
])
def test_post_town_is_read_from_ods_address_lines(lines, town):
    assert post_town_from_lines(lines) == town


@pytest.mark.parametrize(("raw", "tidy"), [("pe71at", "PE7 1AT"), (" CB2  1EH ", "CB2 1EH"),
                                           ("SW1A1AA", "SW1A 1AA")])
def test_postcodes_are_tidied(raw, tidy):
    assert normalise_postcode(raw) == tidy


def test_most_specific_rule_wins():
    resolver = LocalityResolver(sectors={"PE7 1": 1}, districts={"PE7": 2, "PE13": 3},
                                towns={"WISBECH": 4, "WHITTLESEY": 1})
    assert resolver.resolve("PE7 1AT", "SYERS LANE\nWHITTLESEY\nPETERBOROUGH") == 1  # sector
    assert resolver.resolve("PE7 3JL", "YAXLEY\nPETERBOROUGH") == 2  # district
    assert resolver.resolve("PE13 1AA", "FEN ROAD\nMARCH") == 3  # district beats the town
    assert resolver.resolve("", "1 HIGH STREET\nWISBECH\nCAMBRIDGESHIRE") == 4  # town alone
    assert resolver.resolve("NR1 1AA", "NORWICH") is None


@pytest.mark.parametrize(("kind", "raw", "value"), [
    (DISTRICT, " pe13 ", "PE13"), (SECTOR, "pe7  1", "PE7 1"), (SECTOR, "PE7 1", "PE7 1"),
    (TOWN, "St. Ives", "ST IVES"),
])
def test_rule_values_are_normalised(kind, raw, value):
    assert normalise_rule_value(kind, raw) == value


@pytest.mark.parametrize(("kind", "raw"), [(DISTRICT, "PE13 1AA"), (DISTRICT, "13"),
                                           (SECTOR, "PE13"), (SECTOR, "PE7 1AT"),
                                           (TOWN, "12 High St")])
def test_invalid_rule_values_are_refused_with_an_example(app, kind, raw):
    with pytest.raises(DirectoryError, match="such as"):
        normalise_rule_value(kind, raw)


def test_a_rule_cannot_send_one_value_to_two_localities(app):
    fens, other = make_locality("Fens"), make_locality("Other")
    add_rules(db.session, DISTRICT, ["PE13"], fens)
    with pytest.raises(DirectoryError, match="PE13 already goes to Fens"):
        add_rules(db.session, DISTRICT, ["PE14", "pe13"], other)
    assert db.session.scalar(select(LocalityRule).where(LocalityRule.value == "PE14")) is None


def test_applying_rules_moves_unpinned_organisations_only(app):
    fens, pinned_to = make_locality("Fens"), make_locality("Chosen")
    free = make_organisation(postcode="PE13 1AA")
    pinned = make_organisation(postcode="PE13 2AA", locality_id=pinned_to.id,
                               locality_locked=True)
    add_rules(db.session, DISTRICT, ["PE13"], fens)
    assert apply_rules(db.session, utcnow()) == 1
    db.session.commit()
    db.session.refresh(free)
    db.session.refresh(pinned)
    assert free.locality_id == fens.id and pinned.locality_id == pinned_to.id


def test_demo_rules_place_every_active_06h_practice(app, demo_localities, epraccur_06h):
    import_ods(db.session, epraccur_06h, now=utcnow(), commissioner="06H", include_other=True)
    unplaced = [org for org in organisations_without_locality(db.session)
                if org.kind is OrgKind.GP_PRACTICE]
    assert unplaced == []
    # Only settings outside the area are left without a locality: a Hitchin (SG5) service.
    others = {org.ods_code for org in organisations_without_locality(db.session)}
    assert others == {"Y04239"}


def test_whittlesey_is_in_the_fens_though_it_shares_pe7_with_peterborough(
        app, demo_localities, epraccur_06h):
    import_ods(db.session, epraccur_06h, now=utcnow(), commissioner="06H")

    def locality_of(code: str) -> str:
        org = db.session.scalar(select(Organisation).where(Organisation.ods_code == code))
        assert org is not None and org.locality is not None
        return org.locality.name

    assert locality_of("D81046") == "Fens"  # New Queen Street Surgery, Whittlesey, PE7 1AT
    assert locality_of("D81031") == "Peterborough"  # Yaxley, PE7 3JL
    assert locality_of("D81018") == "Cambridge"  # Melbourn, by Royston, SG8


def test_manager_adds_a_rule_and_organisations_move(app, manager_client):
    fens = make_locality("Fens")
    org = make_organisation(postcode="PE13 1AA")
    db.session.commit()
    response = manager_client.post("/directory/localities/rules", data={
        "kind": "postcode_district", "values": "PE13, PE14", "locality": str(fens.id)})
    assert response.status_code == 302
    db.session.refresh(org)
    assert org.locality_id == fens.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "directory.rule_add"))
    assert event is not None and "PE13, PE14" in event.summary
    page = manager_client.get("/directory/localities").get_data(as_text=True)
    assert "PE14" in page and "1 organisation changed locality" in page


def test_invalid_rule_from_the_form_gets_the_error_summary(app, manager_client):
    fens = make_locality("Fens")
    db.session.commit()
    response = manager_client.post("/directory/localities/rules", data={
        "kind": "postcode_district", "values": "Wisbech", "locality": str(fens.id)})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and "is not a postcode district" in page
    assert db.session.scalar(select(LocalityRule)) is None


def test_manager_removes_a_rule_and_adds_a_locality(app, manager_client):
    fens = make_locality("Fens")
    add_rules(db.session, DISTRICT, ["PE13"], fens)
    org = make_organisation(postcode="PE13 1AA", locality_id=fens.id)
    db.session.commit()
    rule = db.session.scalar(select(LocalityRule))
    assert manager_client.post(f"/directory/localities/rules/{rule.id}/delete").status_code == 302
    db.session.refresh(org)
    assert org.locality_id is None
    assert manager_client.post("/directory/localities/new", data={"name": "Ely"}).status_code == 302
    assert db.session.scalar(select(Locality).where(Locality.name == "Ely")) is not None
    again = manager_client.post("/directory/localities/new", data={"name": "ely"})
    assert again.status_code == 400 and "already a locality called" in again.get_data(as_text=True)


def test_steering_sees_the_rules_but_cannot_change_them(app, steering_client):
    fens = make_locality("Fens")
    add_rules(db.session, DISTRICT, ["PE13"], fens)
    db.session.commit()
    page = steering_client.get("/directory/localities")
    assert page.status_code == 200 and "PE13" in page.get_data(as_text=True)
    assert "Add a rule" not in page.get_data(as_text=True)
    for url in ("/directory/localities/rules", "/directory/localities/new",
                "/directory/localities/apply", "/directory/localities/rules/1/delete"):
        assert steering_client.post(url, data={"name": "X"}).status_code == 403
    assert db.session.scalar(select(LocalityRule.value)) == "PE13"


def test_reapplying_rules_is_audited(app, manager_client):
    make_organisation(status=OrgStatus.ACTIVE)
    db.session.commit()
    assert manager_client.post("/directory/localities/apply").status_code == 302
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "directory.rules_apply")) is not None
