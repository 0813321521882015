"""Plan against delivered: which audience organisations a campaign has reached, where, by when."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from engage.campaigns.models import (
    Campaign,
    Channel,
    EngagementKind,
    EngagementTier,
    TargetMeasure,
)
from engage.campaigns.progress import (
    Show,
    TargetState,
    audience_page,
    campaign_progress,
    last_reached,
    overall,
    reached_condition,
    unreached_preview,
)
from engage.directory.models import Organisation, OrgKind
from engage.extensions import db
from tests.campaigns.support import NOW, utc
from tests.factories import (
    make_campaign,
    make_campaign_target,
    make_engagement,
    make_locality,
    make_organisation,
    make_service,
    make_touchpoint,
)


@pytest.fixture()
def setting(app):  # type: ignore[no-untyped-def]
    """A campaign for 2021-22 promoting the Wellbeing App, over six organisations."""
    fens, city = make_locality("Fens"), make_locality("Cambridge")
    wellbeing, other_service = make_service(name="Wellbeing App"), make_service(name="Sharps")
    campaign = make_campaign(name="Launch", start_date=date(2021, 6, 1),
                             end_date=date(2022, 5, 31), services=[wellbeing])
    orgs = {
        "fen1": make_organisation(name="Fen Practice One", locality_id=fens.id),
        "fen2": make_organisation(name="Fen Practice Two", locality_id=fens.id),
        "fen_pharmacy": make_organisation(name="Fen Pharmacy", locality_id=fens.id,
                                          kind=OrgKind.COMMUNITY_PHARMACY),
        "city1": make_organisation(name="City Practice One", locality_id=city.id),
        "city_pharmacy": make_organisation(name="City Pharmacy", locality_id=city.id,
                                           kind=OrgKind.COMMUNITY_PHARMACY),
        "nowhere": make_organisation(name="Nowhere Practice"),
    }
    return {"campaign": campaign, "orgs": orgs, "fens": fens, "city": city,
            "wellbeing": wellbeing, "other_service": other_service}


def reached_names(campaign: Campaign) -> set[str]:
    return set(db.session.scalars(select(Organisation.name).where(reached_condition(campaign))))


def test_rows_linked_to_the_campaign_count_whenever_they_happened(setting):
    campaign, orgs = setting["campaign"], setting["orgs"]
    webinar = make_touchpoint(campaign)
    make_engagement(orgs["fen1"], touchpoint=webinar)
    make_engagement(orgs["city1"], campaign_id=campaign.id, occurred_at=utc(2023, 1, 1))
    assert reached_names(campaign) == {"Fen Practice One", "City Practice One"}


def test_voided_and_uncounted_rows_do_not_count(setting):
    campaign, orgs = setting["campaign"], setting["orgs"]
    make_engagement(orgs["fen1"], campaign_id=campaign.id, voided_at=NOW, void_reason="wrong")
    make_engagement(orgs["fen2"], campaign_id=campaign.id, counted=False,
                    kind=EngagementKind.OPENED)
    assert reached_names(campaign) == set()


def test_campaignless_rows_count_in_its_dates_from_a_touchpoint_covering_its_services(setting):
    campaign, orgs = setting["campaign"], setting["orgs"]
    post = make_touchpoint(channel=Channel.FACEBOOK, services=[setting["wellbeing"]])
    unrelated = make_touchpoint(channel=Channel.FACEBOOK, services=[setting["other_service"]])
    make_engagement(orgs["fen1"], touchpoint=post, occurred_at=utc(2021, 9, 1))
    make_engagement(orgs["fen2"], touchpoint=post, occurred_at=utc(2022, 6, 1))  # after the end
    make_engagement(orgs["city1"], touchpoint=unrelated, occurred_at=utc(2021, 9, 1))
    make_engagement(orgs["city_pharmacy"], touchpoint=post, occurred_at=utc(2021, 9, 1),
                    campaign_id=make_campaign().id)  # filed under another campaign
    make_engagement(orgs["nowhere"], occurred_at=utc(2021, 9, 1))  # no touchpoint at all
    assert reached_names(campaign) == {"Fen Practice One"}


def test_the_last_uk_day_of_the_campaign_counts(setting):
    campaign, orgs = setting["campaign"], setting["orgs"]
    post = make_touchpoint(services=[setting["wellbeing"]])
    make_engagement(orgs["fen1"], touchpoint=post, occurred_at=utc(2022, 5, 31, 22, 30))
    make_engagement(orgs["fen2"], touchpoint=post, occurred_at=utc(2022, 5, 31, 23, 30))
    assert reached_names(campaign) == {"Fen Practice One"}  # 23:30 UTC is 1 June in the UK


def test_progress_by_locality_and_kind(setting):
    campaign, orgs = setting["campaign"], setting["orgs"]
    for key in ("fen1", "fen_pharmacy", "city1"):
        make_engagement(orgs[key], campaign_id=campaign.id)
    make_engagement(orgs["fen2"], campaign_id=campaign.id, kind=EngagementKind.INVITED)
    result = campaign_progress(db.session, campaign, NOW)
    assert (result.overall.audience, result.overall.engaged, result.overall.percent) == (6, 3, 50)
    assert (result.overall.contacted, result.overall.contacted_percent) == (4, 67)
    assert [(t.label, t.audience, t.engaged, t.contacted) for t in result.by_locality] == [
        ("Cambridge", 2, 1, 1), ("Fens", 3, 2, 3), ("No locality", 1, 0, 0)]
    assert [(t.label, t.audience, t.engaged, t.not_engaged) for t in result.by_kind] == [
        ("GP practices", 4, 2, 2), ("Community pharmacies", 2, 1, 1)]
    assert overall(db.session, campaign) == result.overall


def test_targets_are_judged_at_their_date_once_it_has_passed(setting):
    campaign, orgs, fens = setting["campaign"], setting["orgs"], setting["fens"]
    make_engagement(orgs["fen1"], campaign_id=campaign.id, occurred_at=utc(2021, 10, 1))
    make_engagement(orgs["fen2"], campaign_id=campaign.id, occurred_at=utc(2022, 2, 1))
    make_engagement(orgs["city1"], campaign_id=campaign.id, occurred_at=utc(2021, 12, 31, 23, 59))
    by_december = make_campaign_target(campaign, locality_id=fens.id, target_count=2,
                                       due_date=date(2021, 12, 31))
    practices = make_campaign_target(campaign, kind="gp_practice", target_count=3,
                                     due_date=date(2021, 12, 31))
    later = make_campaign_target(campaign, target_count=5, due_date=date(2022, 5, 31))
    db.session.expire(campaign)
    result = campaign_progress(db.session, campaign, NOW)  # 15 March 2022
    states = {item.target.id: (item.label, item.audience, item.delivered, item.state)
              for item in result.targets}
    assert states[by_december.id] == ("Organisations in Fens", 3, 1, TargetState.MISSED)
    assert states[practices.id] == ("GP practices", 4, 2, TargetState.MISSED)
    assert states[later.id] == ("Whole audience", 6, 3, TargetState.IN_PROGRESS)
    assert result.targets[-1].still_needed == 2
    # After the last day, the same target is judged on what was reached by then.
    final = campaign_progress(db.session, campaign, utc(2022, 7, 1))
    assert final.targets[-1].state is TargetState.MISSED


def test_a_met_target(setting):
    campaign, orgs = setting["campaign"], setting["orgs"]
    make_engagement(orgs["fen_pharmacy"], campaign_id=campaign.id)
    make_campaign_target(campaign, kind="community_pharmacy", target_count=1,
                         due_date=date(2022, 5, 31))
    db.session.expire(campaign)
    assert campaign_progress(db.session, campaign, NOW).targets[0].state is TargetState.MET


def test_the_audience_list_filters_and_pages(setting):
    campaign, orgs = setting["campaign"], setting["orgs"]
    make_engagement(orgs["fen1"], campaign_id=campaign.id, occurred_at=utc(2021, 10, 1))
    make_engagement(orgs["fen1"], campaign_id=campaign.id, occurred_at=utc(2021, 11, 1))

    def names(**kwargs) -> list[str]:  # type: ignore[no-untyped-def]
        return [o.name for o in audience_page(db.session, campaign, **kwargs).items]

    make_engagement(orgs["fen2"], campaign_id=campaign.id, kind=EngagementKind.INVITED,
                    occurred_at=utc(2021, 10, 1))
    assert names(show=Show.ENGAGED) == ["Fen Practice One"]
    assert names(show=Show.NOT_ENGAGED, locality_id=setting["fens"].id) == [
        "Fen Pharmacy", "Fen Practice Two"]
    assert names(show=Show.CONTACTED_ONLY) == ["Fen Practice Two"]
    assert names(show=Show.NOT_CONTACTED, locality_id=setting["fens"].id) == ["Fen Pharmacy"]
    assert names(no_locality=True) == ["Nowhere Practice"]
    assert names(kind=OrgKind.COMMUNITY_PHARMACY) == ["City Pharmacy", "Fen Pharmacy"]
    page = audience_page(db.session, campaign, per_page=4, page=2)
    assert page.total == 6 and [o.name for o in page.items] == ["Fen Practice Two",
                                                                "Nowhere Practice"]
    assert last_reached(db.session, campaign, [orgs["fen1"].id, orgs["fen2"].id],
                        EngagementTier.ENGAGED) == {orgs["fen1"].id: utc(2021, 11, 1)}
    assert last_reached(db.session, campaign, [orgs["fen1"].id, orgs["fen2"].id]) == {
        orgs["fen1"].id: utc(2021, 11, 1), orgs["fen2"].id: utc(2021, 10, 1)}
    assert [o.name for o in unreached_preview(db.session, campaign, limit=2)] == [
        "City Pharmacy", "City Practice One"]


def test_first_reached_agrees_with_reached(setting):
    """The one-pass count behind the page and the per-organisation test give the same answer."""
    campaign, orgs = setting["campaign"], setting["orgs"]
    post = make_touchpoint(services=[setting["wellbeing"]])
    make_engagement(orgs["fen1"], touchpoint=post, occurred_at=utc(2021, 7, 1))
    make_engagement(orgs["fen1"], campaign_id=campaign.id, occurred_at=utc(2021, 6, 2))
    make_engagement(orgs["city1"], touchpoint=post, occurred_at=utc(2021, 8, 1))
    make_engagement(orgs["fen2"], campaign_id=campaign.id, occurred_at=utc(2021, 9, 1))
    expected = db.session.scalar(select(func.count()).select_from(Organisation)
                                 .where(reached_condition(campaign)))
    assert campaign_progress(db.session, campaign, NOW).overall.engaged == expected == 3


def test_a_campaign_that_only_invited_is_contacted_not_engaged(setting):
    """The steering group's complaint: 23 of 23 invited showed as 100% reached and "Met"."""
    campaign, orgs = setting["campaign"], setting["orgs"]
    for org in orgs.values():
        make_engagement(org, campaign_id=campaign.id, kind=EngagementKind.INVITED)
    make_campaign_target(campaign, target_count=6, due_date=date(2022, 5, 31))
    db.session.expire(campaign)
    result = campaign_progress(db.session, campaign, NOW)
    assert (result.overall.engaged, result.overall.percent) == (0, 0)
    assert (result.overall.contacted, result.overall.contacted_percent) == (6, 100)
    target = result.targets[0]
    assert (target.delivered, target.other, target.state) == (0, 6, TargetState.IN_PROGRESS)
    assert target.goal == "6 engaged" and target.still_needed == 6
    assert len(unreached_preview(db.session, campaign)) == 6


def test_absent_and_briefly_joined_are_never_engaged(setting):
    campaign, orgs = setting["campaign"], setting["orgs"]
    make_engagement(orgs["fen1"], campaign_id=campaign.id, kind=EngagementKind.ABSENT)
    make_engagement(orgs["fen2"], campaign_id=campaign.id, kind=EngagementKind.JOINED_BRIEFLY,
                    counted=False)
    result = campaign_progress(db.session, campaign, NOW)
    assert (result.overall.engaged, result.overall.contacted) == (0, 1)


def test_a_target_counts_its_own_tier(setting):
    campaign, orgs = setting["campaign"], setting["orgs"]
    make_engagement(orgs["fen1"], campaign_id=campaign.id)
    for key in ("fen2", "city1"):
        make_engagement(orgs[key], campaign_id=campaign.id, kind=EngagementKind.RECEIVED)
    contacted = make_campaign_target(campaign, target_count=3, due_date=date(2022, 5, 31),
                                     tier=EngagementTier.CONTACTED)
    engaged = make_campaign_target(campaign, target_count=3, due_date=date(2022, 5, 30))
    db.session.expire(campaign)
    states = {item.target.id: (item.delivered, item.other, item.state)
              for item in campaign_progress(db.session, campaign, NOW).targets}
    assert states[contacted.id] == (3, 1, TargetState.MET)
    assert states[engaged.id] == (1, 3, TargetState.IN_PROGRESS)


def test_a_percentage_target_is_of_its_audience_rounded_up(setting):
    campaign, orgs, fens = setting["campaign"], setting["orgs"], setting["fens"]
    make_engagement(orgs["fen1"], campaign_id=campaign.id)
    half = make_campaign_target(campaign, locality_id=fens.id, target_count=50,
                                measure=TargetMeasure.PERCENT, due_date=date(2022, 5, 31))
    db.session.expire(campaign)
    item = campaign_progress(db.session, campaign, NOW).targets[0]
    assert item.target.id == half.id
    # 50% of the 3 in Fens is 2 (1.5 rounded up): one engaged is not enough.
    assert (item.audience, item.wanted, item.delivered) == (3, 2, 1)
    assert item.state is TargetState.IN_PROGRESS and item.still_needed == 1
    assert item.goal == "50% engaged (2 of 3)"
    make_engagement(orgs["fen2"], campaign_id=campaign.id, kind=EngagementKind.VISITED)
    assert campaign_progress(db.session, campaign, NOW).targets[0].state is TargetState.MET
