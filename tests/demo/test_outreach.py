"""The demo's launch campaign: a year of outreach shaped like the pilot, loaded once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import distinct, func, select

from engage.campaigns.models import (
    Campaign,
    CampaignStatus,
    Channel,
    Engagement,
    EngagementSource,
    Touchpoint,
    TouchpointStatus,
)
from engage.campaigns.progress import TargetState, campaign_progress
from engage.database import utcnow
from engage.demo.loader import load_demo
from engage.demo.outreach import CAMPAIGN, launch_campaign
from engage.directory.models import Organisation, OrgKind
from engage.extensions import db
from tests.campaigns.support import count, utc


def load(shared_data) -> list[str]:  # type: ignore[no-untyped-def]
    report = load_demo(db.session, now=utcnow(), data_dir=shared_data)
    db.session.commit()
    return report


def reached_by(kind: OrgKind, before: date) -> int:
    return db.session.scalar(
        select(func.count(distinct(Engagement.organisation_id)))
        .join(Organisation, Organisation.id == Engagement.organisation_id)
        .where(Organisation.kind == kind, Engagement.occurred_at < utc(before.year, before.month,
                                                                       before.day))) or 0


def test_the_launch_year(app, shared_data):
    report = load(shared_data)
    assert any(line.startswith(f"Outreach: added the campaign '{CAMPAIGN}'") for line in report)
    campaign = db.session.scalar(select(Campaign).where(Campaign.name == CAMPAIGN))
    assert campaign.name == CAMPAIGN and campaign.status is CampaignStatus.COMPLETED
    assert (campaign.start_date, campaign.end_date) == (date(2021, 6, 1), date(2022, 6, 30))
    assert len(campaign.services) == 8 and campaign.owner.email == "manager@example.org"
    channels = dict(db.session.execute(
        select(Touchpoint.channel, func.count()).where(Touchpoint.campaign_id == campaign.id)
        .group_by(Touchpoint.channel)).all())
    assert channels[Channel.NEWSLETTER] == 13 and channels[Channel.WEBINAR] == 10
    assert channels[Channel.PRACTICE_VISIT] >= 30 and channels[Channel.POSTER] == 3
    assert channels[Channel.FACEBOOK] == 13 and channels[Channel.PM_UPDATE] == 6
    # Later demo steps add their own campaign (reminders) and scans (links); the launch
    # year's own records are what this checks.
    assert count(Touchpoint, Touchpoint.campaign_id == campaign.id,
                 Touchpoint.status != TouchpointStatus.DONE) == 0
    assert count(Engagement, Engagement.campaign_id == campaign.id,
                 Engagement.source != EngagementSource.DEMO) == 0
    # Every touchpoint falls inside the campaign, with a "Created" revision.
    for touchpoint in db.session.scalars(
            select(Touchpoint).where(Touchpoint.campaign_id == campaign.id)):
        assert utc(2021, 6, 1) <= touchpoint.when <= utc(2022, 7, 1), touchpoint.title
        assert [r.summary for r in touchpoint.revisions] == ["Created"]


def test_reach_grows_to_most_practices_and_pharmacies(app, shared_data):
    load(shared_data)
    practices = count(Organisation, Organisation.kind == OrgKind.GP_PRACTICE,
                      Organisation.status == "active")
    pharmacies = count(Organisation, Organisation.kind == OrgKind.COMMUNITY_PHARMACY)
    early, mid = (reached_by(OrgKind.GP_PRACTICE, date(2021, 9, 1)),
                  reached_by(OrgKind.GP_PRACTICE, date(2022, 1, 1)))
    final = reached_by(OrgKind.GP_PRACTICE, date(2022, 7, 1))
    assert early < mid < final and final >= 0.85 * practices
    assert reached_by(OrgKind.COMMUNITY_PHARMACY, date(2022, 7, 1)) >= 0.65 * pharmacies
    # Pharmacies are reached, but less often than practices.
    per_org = select(func.count() / func.count(distinct(Engagement.organisation_id))).join(
        Organisation, Organisation.id == Engagement.organisation_id)
    practice_rate = db.session.scalar(per_org.where(Organisation.kind == OrgKind.GP_PRACTICE))
    pharmacy_rate = db.session.scalar(per_org.where(
        Organisation.kind == OrgKind.COMMUNITY_PHARMACY))
    assert pharmacy_rate < practice_rate
    campaign = db.session.scalar(select(Campaign).where(Campaign.name == CAMPAIGN))
    result = campaign_progress(db.session, campaign, utcnow())
    assert result.targets and all(t.state is TargetState.MET for t in result.targets)
    # Both tiers mean something: pharmacies are mostly contacted, fewer of them engaged, and
    # proportionally fewer than practices.
    kinds = {t.kind: t for t in result.by_kind}
    chemists, practices_ = kinds[OrgKind.COMMUNITY_PHARMACY], kinds[OrgKind.GP_PRACTICE]
    assert chemists.contacted_percent >= 80
    assert 40 <= chemists.percent <= chemists.contacted_percent - 20
    assert chemists.percent < practices_.percent
    assert result.overall.engaged < result.overall.contacted < result.overall.audience
    assert {(t.target.tier.value, t.target.measure.value) for t in result.targets} >= {
        ("contacted", "percent"), ("engaged", "percent"), ("engaged", "count")}


def test_loading_again_changes_nothing_and_is_the_same_every_time(app, shared_data):
    load(shared_data)
    rows = db.session.execute(select(Engagement.organisation_id, Engagement.occurred_at,
                                     Engagement.kind).order_by(Engagement.id)).all()
    report = load(shared_data)
    assert "Outreach: the launch campaign is already there." in report
    assert db.session.execute(select(Engagement.organisation_id, Engagement.occurred_at,
                                     Engagement.kind).order_by(Engagement.id)).all() == rows
    assert count(Campaign, Campaign.name == CAMPAIGN) == 1


def test_without_a_directory_the_campaign_is_added_without_outreach(app, shared_data):
    from engage.demo.context import DemoContext

    line = launch_campaign(DemoContext(db.session, utcnow(), shared_data))
    assert "without outreach" in line and count(Engagement) == 0
