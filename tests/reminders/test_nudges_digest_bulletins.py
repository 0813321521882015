"""Nudges (once per period), the weekly digest (once per week) and bulletins (sent whole, once)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from engage.auth.models import Role
from engage.campaigns.models import (
    Channel,
    Engagement,
    EngagementKind,
    EngagementSource,
    Touchpoint,
    TouchpointStatus,
)
from engage.directory.models import ContactRole
from engage.extensions import db
from engage.messaging.models import OutboxStatus
from engage.reminders.bulletins import (
    BulletinFields,
    save_bulletin,
    schedule_bulletin,
    send_due_bulletins,
)
from engage.reminders.digest import queue_digest
from engage.reminders.errors import ReminderError
from engage.reminders.expand import expand_due
from engage.reminders.models import BulletinStatus, RuleKind
from tests.factories import (
    make_campaign,
    make_contact,
    make_engagement,
    make_organisation,
    make_touchpoint,
    make_user,
)
from tests.reminders.support import CONFIG, outbox, rule, utc

NOW = utc(2026, 11, 24, 10)  # a Tuesday


def nudge_campaign():
    campaign = make_campaign(start_date=date(2026, 9, 1), end_date=date(2027, 3, 31))
    quiet = make_organisation()
    busy = make_organisation()
    make_contact(quiet, role=ContactRole.REFERRAL_MANAGER)
    make_contact(quiet, role=ContactRole.CLINICAL_LEAD)
    make_contact(busy, role=ContactRole.PRACTICE_MANAGER)
    make_engagement(busy, kind=EngagementKind.SCANNED, occurred_at=NOW - timedelta(days=3))
    # Being sent something is not engaging: the quiet practice got a bulletin last week.
    make_engagement(quiet, kind=EngagementKind.RECEIVED, occurred_at=NOW - timedelta(days=7))
    made = rule(None, kind=RuleKind.NUDGE, campaign_id=campaign.id, quiet_days=30,
                period_days=14, offset_amount=0, created_at=utc(2026, 9, 1))
    db.session.commit()
    return campaign, quiet, busy, made


def test_nudge_goes_to_referral_managers_of_quiet_organisations_only(app):
    _, quiet, _, made = nudge_campaign()
    assert expand_due(db.session, now=NOW, config=CONFIG) == 1
    rows = outbox("nudge")
    assert [r.organisation_id for r in rows] == [quiet.id]
    assert rows[0].idempotency_key.startswith(f"nudge:{made.id}:{quiet.id}:")
    assert quiet.name in rows[0].subject


def test_nudge_goes_at_most_once_per_period(app):
    nudge_campaign()
    expand_due(db.session, now=NOW, config=CONFIG)
    for days in (1, 7, 13):
        assert expand_due(db.session, now=NOW + timedelta(days=days), config=CONFIG) == 0
    assert expand_due(db.session, now=NOW + timedelta(days=14, hours=1), config=CONFIG) == 1
    assert len(outbox("nudge")) == 2


def test_no_nudge_before_the_quiet_days_have_passed_since_the_rule_was_made(app):
    _, _, _, made = nudge_campaign()
    made.created_at = NOW - timedelta(days=10)
    db.session.commit()
    assert expand_due(db.session, now=NOW, config=CONFIG) == 0


def test_digest_is_queued_once_a_week_to_each_manager_and_caught_up_later_that_week(app):
    manager = make_user(role=Role.MANAGER)
    make_user(role=Role.STEERING)
    tp = make_touchpoint(planned_at=NOW + timedelta(days=3), title="Winter webinar")
    org = make_organisation(name="Cold Surgery")
    make_engagement(org, kind=EngagementKind.ATTENDED, occurred_at=NOW - timedelta(days=90))
    make_engagement(make_organisation(), kind=EngagementKind.SCANNED,
                    occurred_at=NOW - timedelta(days=1),
                    source=EngagementSource.QR_SCAN, channel=Channel.POSTER)
    db.session.commit()
    config = {**CONFIG, "DIGEST_WEEKDAY": 0, "DIGEST_HOUR": 8, "DIGEST_COLD_DAYS": 60}

    # Monday 07:00 UK: not yet. The scheduler was down until Tuesday: it goes then, once.
    assert queue_digest(db.session, now=utc(2026, 11, 23, 7), config=config) == 0
    assert queue_digest(db.session, now=NOW, config=config) == 1
    assert queue_digest(db.session, now=NOW + timedelta(days=2), config=config) == 0
    rows = outbox("digest")
    assert [r.to_email for r in rows] == [manager.email]
    assert rows[0].idempotency_key == f"digest:2026-W48:{manager.id}"
    text = rows[0].text_body
    assert tp.title in text
    assert "Cold Surgery" in text
    assert "QR code scans: 1 from 1 organisation" in text
    # Next week, a new one.
    assert queue_digest(db.session, now=NOW + timedelta(days=7), config=config) == 1


def bulletin_setup():
    campaign = make_campaign(start_date=date(2026, 9, 1), end_date=date(2027, 3, 31))
    orgs = [make_organisation() for _ in range(3)]
    for org in orgs:
        make_contact(org)
    make_contact(orgs[2], do_not_email=True)
    # Outside the audience: a closed practice.
    from engage.directory.models import OrgStatus

    make_contact(make_organisation(status=OrgStatus.CLOSED))
    user = make_user(role=Role.MANAGER)
    bulletin = save_bulletin(db.session, campaign, BulletinFields(
        "Winter wellbeing", "## Flu jabs\n\nBook **now**: <script>x</script>",
        Channel.EMAIL_BULLETIN), user, NOW)
    schedule_bulletin(db.session, bulletin, NOW + timedelta(hours=2), user, NOW)
    db.session.commit()
    return campaign, orgs, bulletin


def test_bulletin_goes_at_its_time_as_a_touchpoint_with_reach_for_every_organisation(app):
    campaign, orgs, bulletin = bulletin_setup()
    assert send_due_bulletins(db.session, now=NOW + timedelta(hours=1)) == 0
    sent_at = NOW + timedelta(hours=2, minutes=1)
    assert send_due_bulletins(db.session, now=sent_at) == 3
    assert send_due_bulletins(db.session, now=sent_at + timedelta(minutes=1)) == 0

    db.session.refresh(bulletin)
    assert bulletin.status is BulletinStatus.SENT
    assert (bulletin.recipients, bulletin.organisations) == (3, 3)
    touchpoint = db.session.get(Touchpoint, bulletin.touchpoint_id)
    assert touchpoint.channel is Channel.EMAIL_BULLETIN
    assert touchpoint.status is TouchpointStatus.DONE
    assert touchpoint.campaign_id == campaign.id
    reach = list(db.session.scalars(select(Engagement).where(
        Engagement.touchpoint_id == touchpoint.id)))
    assert sorted(r.organisation_id for r in reach) == sorted(o.id for o in orgs)
    assert {r.kind for r in reach} == {EngagementKind.RECEIVED}
    rows = outbox("bulletin")
    assert len(rows) == 3
    assert re.search(r"<h[23][^>]*>Flu jabs</h[23]>", rows[0].html_body)  # styled inline
    assert "<script>" not in rows[0].html_body
    assert "Flu jabs\n--------\n" in rows[0].text_body  # the heading underlined as text
    assert rows[0].subject == "Winter wellbeing"


def test_bulletin_cannot_be_scheduled_in_the_past(app):
    campaign = make_campaign()
    bulletin = save_bulletin(db.session, campaign, BulletinFields("Hello", "Body"), None, NOW)
    with pytest.raises(ReminderError, match="has passed"):
        schedule_bulletin(db.session, bulletin, NOW - timedelta(days=1), None, NOW)
    assert bulletin.status is BulletinStatus.DRAFT


def test_bulletin_without_a_subject_or_body_is_refused_with_the_reason(app):
    campaign = make_campaign()
    with pytest.raises(ReminderError, match="Enter a subject line.*body is empty"):
        save_bulletin(db.session, campaign, BulletinFields(" ", ""), None, NOW)


def test_bulletin_that_fails_to_send_stays_scheduled_with_the_reason(app, monkeypatch):
    _, _, bulletin = bulletin_setup()
    from engage.reminders import bulletins

    def broken(*args, **kwargs):
        raise RuntimeError("template email/bulletin.html did not render")

    monkeypatch.setattr(bulletins, "bulletin_context", broken)
    assert send_due_bulletins(db.session, now=NOW + timedelta(hours=3)) == 0
    db.session.refresh(bulletin)
    assert bulletin.status is BulletinStatus.SCHEDULED
    assert "did not render" in bulletin.last_error
    assert outbox("bulletin") == []
    assert db.session.scalar(select(Touchpoint.id).where(
        Touchpoint.channel == Channel.EMAIL_BULLETIN)) is None
    assert outbox(status=OutboxStatus.QUEUED) == []


def test_nudge_names_the_organisation_in_proper_case_in_subject_and_body(app):
    _, quiet, _, _ = nudge_campaign()
    quiet.name = "ST. GEORGE'S MEDICAL CENTRE"
    db.session.commit()
    expand_due(db.session, now=NOW, config=CONFIG)
    [message] = outbox("nudge")
    assert message.subject == "Occupational health support for St. George's Medical Centre"
    assert "We have not heard from St. George's Medical Centre for a while" in message.text_body
    assert "St. George&#39;s Medical Centre" in message.html_body
    assert "GEORGE" not in message.subject + message.text_body + message.html_body


def test_nudge_uses_a_preferred_name_as_written(app):
    _, quiet, _, _ = nudge_campaign()
    quiet.name, quiet.preferred_name = "MCCARTHY AND PARTNERS", "The McCarthy practice"
    db.session.commit()
    expand_due(db.session, now=NOW, config=CONFIG)
    [message] = outbox("nudge")
    assert message.subject == "Occupational health support for The McCarthy practice"


def test_digest_lists_cold_organisations_in_proper_case(app):
    make_user(role=Role.MANAGER)
    org = make_organisation(name="ARBURY ROAD SURGERY")
    make_engagement(org, kind=EngagementKind.ATTENDED, occurred_at=NOW - timedelta(days=90))
    db.session.commit()
    config = {**CONFIG, "DIGEST_WEEKDAY": 0, "DIGEST_HOUR": 8, "DIGEST_COLD_DAYS": 60}
    assert queue_digest(db.session, now=NOW, config=config) == 1
    [message] = outbox("digest")
    assert f"Arbury Road Surgery ({org.ods_code})" in message.text_body
    assert f"Arbury Road Surgery ({org.ods_code})" in message.html_body
    assert "ARBURY" not in message.text_body + message.html_body
