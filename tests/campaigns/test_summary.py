"""The overview page's outreach figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engage.campaigns.models import CampaignStatus, EngagementKind
from engage.campaigns.summary import outreach_summary
from engage.extensions import db
from tests.factories import make_campaign, make_engagement, make_organisation, make_touchpoint

NOW = datetime(2022, 3, 15, 12, 0, tzinfo=UTC)


def test_summary_counts_active_campaigns_coming_touchpoints_and_recent_reach(app):
    make_campaign(status=CampaignStatus.ACTIVE)
    make_campaign(status=CampaignStatus.COMPLETED)
    make_touchpoint(planned_at=NOW + timedelta(days=3))
    make_touchpoint(planned_at=NOW + timedelta(days=45))  # beyond the 30-day window
    make_touchpoint(planned_at=NOW - timedelta(days=3))  # past
    reached = make_organisation()
    make_engagement(reached, occurred_at=NOW - timedelta(days=10))
    make_engagement(reached, occurred_at=NOW - timedelta(days=5))  # same organisation, once
    make_engagement(occurred_at=NOW - timedelta(days=200))  # too long ago
    make_engagement(occurred_at=NOW - timedelta(days=1), voided_at=NOW)  # voided: not reach
    make_engagement(occurred_at=NOW - timedelta(days=1), counted=False)  # machine open
    make_engagement(occurred_at=NOW - timedelta(days=7), kind=EngagementKind.INVITED)
    db.session.commit()

    summary = outreach_summary(db.session, NOW)

    assert summary.active_campaigns == 1
    assert summary.planned_soon == 1
    assert summary.engaged_recently == 1
    assert summary.contacted_recently == 2  # the invited one too
    assert summary.last_engagement_at == NOW - timedelta(days=5)


def test_overview_shows_the_outreach_figures_to_the_steering_group(app, steering_client):
    make_engagement(occurred_at=datetime.now(UTC) - timedelta(days=2))
    db.session.commit()
    page = steering_client.get("/").get_data(as_text=True)
    assert "Organisations engaged in the last 90 days" in page
    assert "Organisations contacted in the last 90 days" in page
    assert "Last contact recorded (engaged or not)" in page
    assert "Every organisation that engaged was also contacted" in page
    assert "Active campaigns" in page
