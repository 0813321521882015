from datetime import UTC, datetime

from engage.campaigns.models import Channel, EngagementKind, EngagementTier
from engage.extensions import db
from engage.insights.coverage import coverage, overall
from tests.factories import make_campaign, make_service, make_touchpoint
from tests.insights.helpers import engage, scope, two_localities

IN_PERIOD = datetime(2022, 3, 1, 10, tzinfo=UTC)
BEFORE = datetime(2021, 12, 31, 10, tzinfo=UTC)


def by_label(rows):
    return {r.label: (r.engaged, r.target) for r in rows}


def test_coverage_counts_reached_targets_by_locality_kind_and_pcn(app):
    fens, cambridge, orgs = two_localities()
    engage(orgs["f1"], IN_PERIOD)
    engage(orgs["f1"], IN_PERIOD)  # twice is still one organisation
    engage(orgs["fp"], IN_PERIOD)
    engage(orgs["c1"], BEFORE)  # outside the period
    engage(orgs["closed"], IN_PERIOD)  # not a target: closed
    engage(orgs["c2"], IN_PERIOD, kind=EngagementKind.INVITED)  # contacted, not engaged
    result = coverage(db.session, scope())
    assert (result.overall.engaged, result.overall.target) == (2, 6)
    assert result.overall.percent == 33
    assert (result.overall.contacted, result.overall.contacted_percent) == (3, 50)
    assert {r.label: r.contacted for r in result.by_locality} == {"Fens": 2, "Cambridge": 1}
    assert by_label(result.by_locality) == {"Fens": (2, 4), "Cambridge": (0, 2)}
    assert by_label(result.by_kind) == {"GP practices": (1, 5), "Community pharmacies": (1, 1)}
    assert by_label(result.by_pcn) == {"Fen PCN": (1, 3), "Cam PCN": (0, 2),
                                       "No PCN recorded": (1, 1)}


def test_an_invited_only_area_is_fully_contacted_and_not_engaged(app):
    _, _, orgs = two_localities()
    for key in ("f1", "f2", "f3", "fp", "c1", "c2"):
        engage(orgs[key], IN_PERIOD, Channel.EMAIL_BULLETIN, kind=EngagementKind.RECEIVED)
    result = overall(db.session, scope())
    assert (result.engaged, result.percent, result.contacted, result.contacted_percent) == (
        0, 0, 6, 100)


def test_a_phone_call_counts_as_engaged_only_when_recorded_so(app):
    _, _, orgs = two_localities()
    engage(orgs["f1"], IN_PERIOD, Channel.PHONE_CALL, kind=EngagementKind.CALLED)
    engage(orgs["f2"], IN_PERIOD, Channel.PHONE_CALL, kind=EngagementKind.CALLED,
           tier=EngagementTier.ENGAGED)
    result = overall(db.session, scope())
    assert (result.engaged, result.contacted) == (1, 2)


def test_voided_and_uncounted_rows_do_not_count_as_reach(app):
    _, _, orgs = two_localities()
    engage(orgs["f1"], IN_PERIOD, voided_at=IN_PERIOD)
    engage(orgs["f2"], IN_PERIOD, counted=False)
    assert overall(db.session, scope()).engaged == 0
    assert overall(db.session, scope()).contacted == 0


def test_period_days_are_uk_days(app):
    _, _, orgs = two_localities()
    # 23:30 UTC on 30 June is 00:30 on 1 July in the UK: outside a period ending 30 June.
    engage(orgs["f1"], datetime(2022, 6, 30, 23, 30, tzinfo=UTC))
    assert overall(db.session, scope()).engaged == 0
    assert overall(db.session, scope(end="2022-07-01")).engaged == 1


def test_locality_filter_narrows_the_targets(app):
    fens, _, orgs = two_localities()
    engage(orgs["f1"], IN_PERIOD)
    engage(orgs["c1"], IN_PERIOD)
    result = overall(db.session, scope(locality=str(fens.id)))
    assert (result.engaged, result.target) == (1, 4)


def test_campaign_filter_uses_its_audience_and_its_rows(app):
    fens, _, orgs = two_localities()
    campaign = make_campaign(audience_locality_ids=[fens.id])
    touchpoint = make_touchpoint(campaign)
    engage(orgs["f1"], IN_PERIOD, touchpoint=touchpoint)
    engage(orgs["f2"], IN_PERIOD)  # not this campaign's row
    result = overall(db.session, scope(campaign=str(campaign.id)))
    assert (result.engaged, result.target) == (1, 4)


def test_service_filter_counts_rows_from_touchpoints_about_the_service(app):
    _, _, orgs = two_localities()
    service = make_service()
    about = make_touchpoint(channel=Channel.WEBINAR)
    about.services = [service]
    other = make_touchpoint()
    engage(orgs["f1"], IN_PERIOD, touchpoint=about)
    engage(orgs["f2"], IN_PERIOD, touchpoint=other)
    engage(orgs["f3"], IN_PERIOD)
    db.session.flush()
    assert overall(db.session, scope(service=str(service.id))).engaged == 1


def test_unknown_filter_ids_are_dropped_with_a_message(app):
    two_localities()
    result = scope(campaign="9999", locality="8888")
    assert result.filters.campaign_id is None and result.filters.locality_id is None
    assert any("no campaign number 9999" in p for p in result.problems)
    assert any("no locality number 8888" in p for p in result.problems)
    assert overall(db.session, result).target == 6


def test_an_empty_directory_gives_no_percentage(app):
    result = coverage(db.session, scope())
    assert result.overall.target == 0 and result.overall.percent is None
    assert result.by_locality == []
