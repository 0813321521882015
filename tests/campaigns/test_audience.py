"""A campaign's audience: a rule over the directory, re-evaluated as the directory changes."""

from __future__ import annotations

import pytest

from engage.campaigns.audience import (
    audience_organisations,
    audience_size,
    describe_rule,
    organisations_by_code,
    override_codes,
    parse_codes,
    set_overrides,
)
from engage.campaigns.errors import CampaignError
from engage.directory.models import OrgKind, OrgStatus
from engage.extensions import db
from tests.factories import make_campaign, make_locality, make_organisation


def names(campaign) -> list[str]:  # type: ignore[no-untyped-def]
    return [org.name for org in audience_organisations(db.session, campaign)]


@pytest.fixture()
def directory(app):  # type: ignore[no-untyped-def]
    fens, cambridge = make_locality("Fens"), make_locality("Cambridge")
    return {
        "fen_practice": make_organisation(name="A Fen Practice", locality_id=fens.id,
                                          pcn="Wisbech PCN"),
        "fen_pharmacy": make_organisation(name="B Fen Pharmacy", locality_id=fens.id,
                                          kind=OrgKind.COMMUNITY_PHARMACY),
        "city_practice": make_organisation(name="C City Practice", locality_id=cambridge.id,
                                           pcn="City PCN"),
        "closed": make_organisation(name="D Closed Practice", locality_id=fens.id,
                                    status=OrgStatus.CLOSED),
        "fens": fens, "cambridge": cambridge,
    }


def test_an_empty_rule_is_every_active_organisation(directory):
    campaign = make_campaign()
    assert names(campaign) == ["A Fen Practice", "B Fen Pharmacy", "C City Practice"]
    assert audience_size(db.session, campaign) == 3


def test_kinds_localities_and_pcns_narrow_the_audience(directory):
    campaign = make_campaign(audience_kinds=[OrgKind.GP_PRACTICE.value])
    assert names(campaign) == ["A Fen Practice", "C City Practice"]
    campaign.audience_locality_ids = [directory["fens"].id]
    assert names(campaign) == ["A Fen Practice"]
    campaign.audience_kinds, campaign.audience_locality_ids = [], []
    campaign.audience_pcns = ["City PCN"]
    assert names(campaign) == ["C City Practice"]


def test_inclusions_add_and_exclusions_remove(directory):
    campaign = make_campaign(audience_locality_ids=[directory["cambridge"].id])
    set_overrides(db.session, campaign, {directory["fen_pharmacy"].id},
                  {directory["city_practice"].id})
    assert names(campaign) == ["B Fen Pharmacy"]
    assert override_codes(db.session, campaign) == ([directory["fen_pharmacy"].ods_code],
                                                   [directory["city_practice"].ods_code])


def test_a_closed_organisation_stays_out_even_when_included(directory):
    campaign = make_campaign(audience_kinds=[OrgKind.COMMUNITY_PHARMACY.value])
    set_overrides(db.session, campaign, {directory["closed"].id}, set())
    assert names(campaign) == ["B Fen Pharmacy"]


def test_the_audience_follows_the_directory(directory):
    campaign = make_campaign(audience_locality_ids=[directory["fens"].id])
    assert names(campaign) == ["A Fen Practice", "B Fen Pharmacy"]
    directory["fen_practice"].status = OrgStatus.CLOSED
    make_organisation(name="E New Fen Pharmacy", locality_id=directory["fens"].id,
                      kind=OrgKind.COMMUNITY_PHARMACY)
    directory["city_practice"].locality_id = directory["fens"].id
    db.session.flush()
    assert names(campaign) == ["B Fen Pharmacy", "C City Practice", "E New Fen Pharmacy"]


def test_an_organisation_cannot_be_both_included_and_excluded(directory):
    campaign = make_campaign()
    org = directory["fen_practice"]
    with pytest.raises(CampaignError, match=f"{org.ods_code} cannot be both included and "
                                            "excluded"):
        set_overrides(db.session, campaign, {org.id}, {org.id})


def test_replacing_overrides_keeps_unchanged_ones(directory):
    campaign = make_campaign()
    set_overrides(db.session, campaign, {directory["fen_practice"].id}, set())
    kept = campaign.overrides[0].id
    set_overrides(db.session, campaign, {directory["fen_practice"].id},
                  {directory["fen_pharmacy"].id})
    assert kept in {o.id for o in campaign.overrides} and len(campaign.overrides) == 2


def test_codes_are_read_from_free_text():
    assert parse_codes(" d81001,D81002\nfa123;; d81001 ") == ["D81001", "D81002", "FA123"]
    assert parse_codes("") == []


def test_unknown_codes_are_named(directory):
    known = directory["fen_practice"].ods_code
    assert organisations_by_code(db.session, [known]) == {known: directory["fen_practice"].id}
    with pytest.raises(CampaignError, match="Not in the directory: X1, X2. Check the ODS codes"):
        organisations_by_code(db.session, [known, "X1", "X2"])


def test_the_rule_in_words(directory):
    campaign = make_campaign(audience_kinds=["gp_practice", "community_pharmacy"],
                             audience_locality_ids=[directory["fens"].id],
                             audience_pcns=["Wisbech PCN"])
    set_overrides(db.session, campaign, {directory["city_practice"].id}, set())
    assert describe_rule(db.session, campaign) == (
        "Active GP practices and community pharmacies in Fens in the PCN Wisbech PCN; "
        "plus 1 included by hand.")
    assert describe_rule(db.session, make_campaign()) == "Active organisations of every kind."
