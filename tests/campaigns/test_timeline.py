"""An organisation's outreach timeline: newest first, a page at a time, corrections visible."""

from __future__ import annotations

from engage.campaigns.models import Channel, EngagementKind
from engage.campaigns.timeline import organisation_timeline
from engage.extensions import db
from tests.campaigns.support import NOW, text, utc
from tests.factories import make_campaign, make_engagement, make_organisation, make_touchpoint


def test_newest_first_with_the_last_contact_that_counts(app):
    org = make_organisation()
    make_engagement(org, occurred_at=utc(2021, 9, 1), channel=Channel.WEBINAR)
    make_engagement(org, occurred_at=utc(2021, 10, 1), channel=Channel.NEWSLETTER)
    make_engagement(org, occurred_at=utc(2021, 11, 1), channel=Channel.PRACTICE_VISIT,
                    voided_at=NOW, void_reason="wrong practice")
    make_engagement(org, occurred_at=utc(2021, 12, 1), channel=Channel.OTHER, counted=False,
                    kind=EngagementKind.OPENED)
    make_engagement(occurred_at=utc(2022, 1, 1))  # another organisation
    timeline = organisation_timeline(db.session, org.id)
    assert [row.occurred_at.month for row in timeline.page.items] == [12, 11, 10, 9]
    assert timeline.last_contact == utc(2021, 10, 1)
    assert timeline.last_channel is Channel.NEWSLETTER


def test_pages_of_the_timeline(app):
    org = make_organisation()
    for day in range(1, 31):
        make_engagement(org, occurred_at=utc(2021, 9, day))
    first = organisation_timeline(db.session, org.id, page=1, per_page=25)
    second = organisation_timeline(db.session, org.id, page=2, per_page=25)
    assert first.page.total == 30 and first.page.pages == 2
    assert [r.occurred_at.day for r in second.page.items] == [5, 4, 3, 2, 1]
    assert organisation_timeline(db.session, org.id, page=9).page.items == []


def test_an_organisation_never_reached(app):
    timeline = organisation_timeline(db.session, make_organisation().id)
    assert timeline.last_contact is None and timeline.page.total == 0


def test_the_organisation_page_shows_its_timeline(app, steering_client):
    org = make_organisation(name="Lensfield Surgery")
    campaign = make_campaign(name="Launch")
    webinar = make_touchpoint(campaign, title="Managing absence webinar")
    make_engagement(org, touchpoint=webinar, occurred_at=utc(2021, 9, 14, 11, 30))
    make_engagement(org, occurred_at=utc(2021, 10, 5, 9), channel=Channel.PRACTICE_VISIT,
                    kind=EngagementKind.VISITED, voided_at=NOW, void_reason="Logged twice")
    db.session.commit()
    page = text(steering_client.get(f"/directory/organisations/{org.ods_code}"))
    assert "Outreach" in page and "Last contact" in page
    assert "14 September 2021 (Webinar)" in page
    assert "Managing absence webinar" in page and "Launch" in page
    assert "Logged twice" in page and "Void" in page
    assert page.index("5 Oct 2021") < page.index("14 Sep 2021")


def test_the_timeline_page_parameter_is_forgiving(app, steering_client):
    org = make_organisation()
    for day in range(1, 28):
        make_engagement(org, occurred_at=utc(2021, 9, day))
    db.session.commit()
    url = f"/directory/organisations/{org.ods_code}"
    assert "27 Sep 2021" in text(steering_client.get(url + "?timeline_page=x"))
    second = text(steering_client.get(url + "?timeline_page=2"))
    assert "2 Sep 2021" in second and "27 Sep 2021" not in second
    assert "Pages of outreach" in second
