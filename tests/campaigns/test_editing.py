"""Creating and changing campaigns and their targets; bad input changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from engage.campaigns.editing import (
    CampaignFields,
    add_target,
    create_campaign,
    find_campaign,
    remove_target,
    update_campaign,
)
from engage.campaigns.errors import CampaignError
from engage.campaigns.models import (
    AudienceOverride,
    Campaign,
    CampaignStatus,
    CampaignTarget,
    EngagementTier,
    TargetMeasure,
)
from engage.directory.models import OrgKind
from engage.extensions import db
from tests.campaigns.support import NOW, count
from tests.factories import make_campaign, make_locality, make_organisation, make_service


def fields(**overrides) -> CampaignFields:  # type: ignore[no-untyped-def]
    values = {"name": "OH launch", "start_date": date(2021, 6, 1), "end_date": date(2022, 6, 30)}
    values.update(overrides)
    return CampaignFields(**values)  # type: ignore[arg-type]


def test_a_campaign_with_its_rule_services_and_overrides(app):
    fens = make_locality("Fens")
    extra, left_out = make_organisation(ods_code="D81001"), make_organisation(ods_code="D81002")
    service = make_service()
    campaign = create_campaign(db.session, fields(
        objective=" Reach everyone ", status=CampaignStatus.ACTIVE, services=[service],
        kinds=[OrgKind.COMMUNITY_PHARMACY, OrgKind.GP_PRACTICE], locality_ids=[fens.id],
        pcns=[" Wisbech PCN "], include_codes=["D81001"], exclude_codes=["D81002"]), now=NOW)
    assert campaign.objective == "Reach everyone" and campaign.services == [service]
    assert campaign.audience_kinds == ["community_pharmacy", "gp_practice"]
    assert campaign.audience_locality_ids == [fens.id] and campaign.audience_pcns == ["Wisbech PCN"]
    assert {(o.organisation_id, o.include) for o in campaign.overrides} == {
        (extra.id, True), (left_out.id, False)}


@pytest.mark.parametrize(("change", "message"), [
    ({"end_date": date(2021, 5, 31)}, r"The end date \(31 May 2021\) is before the start date"),
    ({"name": " "}, "Enter a name"),
    ({"include_codes": ["NOPE1"]}, "Not in the directory: NOPE1"),
    ({"include_codes": ["D81001"], "exclude_codes": ["D81001"]}, "cannot be both"),
    ({"locality_ids": [999]}, "no longer exists"),
])
def test_a_bad_campaign_is_refused_and_nothing_is_written(app, change, message):
    make_organisation(ods_code="D81001")
    with pytest.raises(CampaignError, match=message):
        create_campaign(db.session, fields(**change), now=NOW)
    db.session.rollback()
    assert count(Campaign) == 0 and count(AudienceOverride) == 0


def test_names_are_unique_whatever_the_case(app):
    make_campaign(name="OH Launch")
    with pytest.raises(CampaignError, match="already a campaign called 'oh launch'"):
        create_campaign(db.session, fields(name="oh launch"), now=NOW)


def test_an_edit_says_what_changed_and_a_bad_one_changes_nothing(app):
    campaign = create_campaign(db.session, fields(), now=NOW)
    make_organisation(ods_code="D81001")
    assert update_campaign(db.session, campaign, fields()) == []
    changed = update_campaign(db.session, campaign, fields(
        end_date=date(2022, 7, 31), kinds=[OrgKind.GP_PRACTICE], include_codes=["D81001"]))
    assert changed == ["end date", "kinds", "included and excluded organisations"]
    with pytest.raises(CampaignError, match="before the start date"):
        update_campaign(db.session, campaign, fields(name="Renamed", end_date=date(2020, 1, 1)))
    assert campaign.name == "OH launch" and campaign.end_date == date(2022, 7, 31)


def test_targets_by_locality_kind_or_overall(app):
    campaign = make_campaign()
    fens = make_locality("Fens")
    for _ in range(3):
        make_organisation(locality_id=fens.id)
    make_organisation()
    add_target(db.session, campaign, target_count=3, due_date=date(2021, 12, 31),
               locality_id=fens.id, kind=OrgKind.GP_PRACTICE)
    overall = add_target(db.session, campaign, target_count=4, due_date=date(2022, 6, 30))
    assert [(t.locality_id, t.kind, t.target_count, t.tier, t.measure)
            for t in campaign.targets] == [
        (fens.id, "gp_practice", 3, EngagementTier.ENGAGED, TargetMeasure.COUNT),
        (None, None, 4, EngagementTier.ENGAGED, TargetMeasure.COUNT)]
    remove_target(db.session, campaign, overall.id)
    assert len(campaign.targets) == 1


@pytest.mark.parametrize(("change", "message"), [
    ({"target_count": 0}, "from 1 to 100,000"),
    ({"due_date": date(2021, 5, 1)}, "before the campaign starts"),
    ({"locality_id": 999}, "no longer exists"),
])
def test_bad_targets_are_refused(app, change, message):
    campaign = make_campaign()
    values = {"target_count": 5, "due_date": date(2022, 1, 1), **change}
    with pytest.raises(CampaignError, match=message):
        add_target(db.session, campaign, **values)  # type: ignore[arg-type]
    assert campaign.targets == []


def test_the_same_target_twice_is_refused(app):
    campaign = make_campaign()
    add_target(db.session, campaign, target_count=50, due_date=date(2022, 1, 1),
               measure=TargetMeasure.PERCENT)
    with pytest.raises(CampaignError, match="already a target"):
        add_target(db.session, campaign, target_count=90, due_date=date(2022, 1, 1),
                   measure=TargetMeasure.PERCENT)
    # The same organisations and date, counting the other tier, is a different target.
    add_target(db.session, campaign, target_count=90, due_date=date(2022, 1, 1),
               measure=TargetMeasure.PERCENT, tier=EngagementTier.CONTACTED)
    assert len(campaign.targets) == 2


def test_a_target_larger_than_its_audience_is_refused(app):
    campaign = make_campaign()
    fens = make_locality("Fens")
    for _ in range(2):
        make_organisation(locality_id=fens.id)
    make_organisation()
    with pytest.raises(CampaignError, match="target is 3 organisations but only 2 of the "
                                            "audience are in its scope. Enter 2 or fewer"):
        add_target(db.session, campaign, target_count=3, due_date=date(2022, 1, 1),
                   locality_id=fens.id)
    with pytest.raises(CampaignError, match="only 0 of the audience"):
        add_target(db.session, campaign, target_count=1, due_date=date(2022, 1, 1),
                   kind=OrgKind.COMMUNITY_PHARMACY)
    assert campaign.targets == []
    db.session.flush()
    assert db.session.scalar(select(func.count()).select_from(CampaignTarget)) == 0


def test_a_percentage_over_100_is_refused(app):
    campaign = make_campaign()
    make_organisation()
    with pytest.raises(CampaignError, match="percentage of the audience as a whole number "
                                            "from 1 to 100"):
        add_target(db.session, campaign, target_count=101, due_date=date(2022, 1, 1),
                   measure=TargetMeasure.PERCENT)
    assert campaign.targets == []


def test_removing_another_campaigns_target_is_refused(app):
    other = make_campaign()
    make_organisation()
    target = add_target(db.session, other, target_count=1, due_date=date(2022, 1, 1))
    with pytest.raises(CampaignError):
        remove_target(db.session, make_campaign(), target.id)


def test_find_a_campaign_by_id_or_name(app):
    campaign = make_campaign(name="Launch")
    assert find_campaign(db.session, str(campaign.id)) is campaign
    assert find_campaign(db.session, "launch") is campaign
    assert find_campaign(db.session, "nothing") is None
