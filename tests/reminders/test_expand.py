"""Turning reminder and follow-up rules into outbox rows, and withdrawing what no longer applies."""

from __future__ import annotations

import base64
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from engage.campaigns.models import Channel, Engagement, EngagementKind, TouchpointStatus
from engage.directory.models import Contact, Organisation
from engage.extensions import db
from engage.messaging.models import OutboxStatus
from engage.reminders.expand import expand_due, withdraw_stale
from engage.reminders.models import OffsetUnit, RuleKind
from tests.factories import make_contact, make_engagement
from tests.reminders.support import CONFIG, outbox, rule, utc, webinar

START = utc(2026, 11, 25, 14, 0)  # Wednesday 14:00 (GMT)


def test_reminder_is_queued_to_every_invitee_with_the_invitation_attached(app):
    touchpoint = webinar(START, organisations=2)
    made = rule(touchpoint)
    db.session.commit()

    assert expand_due(db.session, now=utc(2026, 11, 24, 9), config=CONFIG) == 2

    rows = outbox("reminder")
    assert len(rows) == 2
    assert {r.send_after for r in rows} == {utc(2026, 11, 24, 14)}
    assert all(r.idempotency_key.startswith(f"reminder:{made.id}:20261125T1400Z:") for r in rows)
    assert all(r.touchpoint_id == touchpoint.id for r in rows)
    assert "Wednesday 25 November at 14:00" in rows[0].subject
    attachment = rows[0].attachments[0]
    assert attachment["filename"] == "invitation.ics"
    calendar = Calendar.from_ical(base64.b64decode(attachment["content_b64"]))
    assert calendar["method"] == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert str(event["uid"]) == touchpoint.ical_uid
    assert int(event["sequence"]) == touchpoint.sequence


def test_expanding_again_queues_nothing_twice(app):
    touchpoint = webinar(START)
    rule(touchpoint)
    db.session.commit()
    now = utc(2026, 11, 24, 9)
    first = expand_due(db.session, now=now, config=CONFIG)
    assert first == 2
    assert expand_due(db.session, now=now + timedelta(minutes=1), config=CONFIG) == 0
    assert len(outbox("reminder")) == 2


def test_reminder_is_not_queued_before_the_queue_ahead_window(app):
    touchpoint = webinar(START)
    rule(touchpoint, amount=1, unit=OffsetUnit.HOURS)
    db.session.commit()
    assert expand_due(db.session, now=utc(2026, 11, 24, 12), config=CONFIG) == 0
    assert expand_due(db.session, now=utc(2026, 11, 24, 13, 1), config=CONFIG) == 2
    assert {r.send_after for r in outbox("reminder")} == {utc(2026, 11, 25, 13)}


def test_moved_touchpoint_withdraws_the_old_reminders_and_queues_new_ones(app):
    touchpoint = webinar(START)
    rule(touchpoint)
    db.session.commit()
    expand_due(db.session, now=utc(2026, 11, 24, 9), config=CONFIG)

    touchpoint.planned_at = START + timedelta(hours=2)
    touchpoint.sequence += 1
    db.session.commit()
    expand_due(db.session, now=utc(2026, 11, 24, 10), config=CONFIG)

    withdrawn = outbox("reminder", OutboxStatus.WITHDRAWN)
    queued = outbox("reminder", OutboxStatus.QUEUED)
    assert len(withdrawn) == 2 and len(queued) == 2
    assert all("moved to 25 Nov 2026 16:00" in r.last_error for r in withdrawn)
    assert {r.send_after for r in queued} == {utc(2026, 11, 24, 16)}
    assert "16:00" in queued[0].subject

    # Moved back: the withdrawn rows gave up their keys, so the first time is reminded again.
    touchpoint.planned_at = START
    db.session.commit()
    expand_due(db.session, now=utc(2026, 11, 24, 11), config=CONFIG)
    assert {r.send_after for r in outbox("reminder", OutboxStatus.QUEUED)} == {
        utc(2026, 11, 24, 14)}


def test_cancelled_touchpoint_withdraws_its_queued_reminders(app):
    touchpoint = webinar(START)
    rule(touchpoint)
    db.session.commit()
    expand_due(db.session, now=utc(2026, 11, 24, 9), config=CONFIG)
    touchpoint.status = TouchpointStatus.CANCELLED
    db.session.commit()

    assert withdraw_stale(db.session, now=utc(2026, 11, 24, 9, 1)) == 2
    rows = outbox("reminder")
    assert {r.status for r in rows} == {OutboxStatus.WITHDRAWN}
    assert all(r.last_error == "The touchpoint was cancelled." for r in rows)


def test_reminder_for_deleted_touchpoint_is_withdrawn_with_reason(app):
    touchpoint = webinar(START)
    rule(touchpoint)
    db.session.commit()
    expand_due(db.session, now=utc(2026, 11, 24, 9), config=CONFIG)

    db.session.delete(touchpoint)
    db.session.commit()
    expand_due(db.session, now=utc(2026, 11, 24, 9, 1), config=CONFIG)

    rows = outbox("reminder")
    assert len(rows) == 2
    assert all(r.status is OutboxStatus.WITHDRAWN for r in rows)
    assert all("touchpoint was deleted" in r.last_error for r in rows)


def test_scheduler_down_for_a_day_sends_no_reminders_for_events_already_past(app):
    past = webinar(utc(2026, 11, 24, 10))
    coming = webinar(utc(2026, 11, 25, 20))
    rule(past)
    rule(coming, amount=1, unit=OffsetUnit.DAYS)
    db.session.commit()
    # Queued on the 23rd; then the scheduler was down until the 25th at 09:00.
    expand_due(db.session, now=utc(2026, 11, 23, 10, 30), config=CONFIG)
    assert len(outbox("reminder", OutboxStatus.QUEUED)) == 2

    back = utc(2026, 11, 25, 9)
    expand_due(db.session, now=back, config=CONFIG)

    stale = [r for r in outbox("reminder") if r.touchpoint_id == past.id]
    assert {r.status for r in stale} == {OutboxStatus.WITHDRAWN}
    assert all("started" in r.last_error for r in stale)
    due = [r for r in outbox("reminder", OutboxStatus.QUEUED) if r.touchpoint_id == coming.id]
    assert len(due) == 2 and all(r.send_after == back for r in due)


def test_contacts_who_may_not_be_emailed_are_left_out(app):
    touchpoint = webinar(START, organisations=1)
    org = db.session.scalars(select(Contact)).one().organisation
    make_contact(org, do_not_email=True)
    make_contact(org, email="not an address")
    make_contact(org, email=None)
    rule(touchpoint)
    db.session.commit()

    assert expand_due(db.session, now=utc(2026, 11, 24, 9), config=CONFIG) == 1
    assert len(outbox("reminder")) == 1


def test_business_hours_reminder_before_a_monday_event_goes_on_the_friday(app):
    monday = utc(2026, 11, 30, 10)  # Monday 10:00 GMT: a day before is a Sunday
    touchpoint = webinar(monday, organisations=1)
    rule(touchpoint, business_hours=True)
    db.session.commit()
    expand_due(db.session, now=utc(2026, 11, 26, 12), config=CONFIG)
    assert [r.send_after for r in outbox("reminder")] == [utc(2026, 11, 27, 10)]


def test_days_before_keep_the_uk_clock_time_across_the_clock_change(app):
    # Monday 30 March 2026 10:00 BST (09:00 UTC); three days before is Friday 27 March 10:00 GMT.
    touchpoint = webinar(utc(2026, 3, 30, 9), organisations=1)
    rule(touchpoint, amount=3)
    db.session.commit()
    expand_due(db.session, now=utc(2026, 3, 27, 0), config=CONFIG)
    assert [r.send_after for r in outbox("reminder")] == [utc(2026, 3, 27, 10)]


def test_follow_ups_go_to_attendees_and_a_different_one_to_those_who_did_not_come(app):
    touchpoint = webinar(START, organisations=3)
    invited = list(db.session.scalars(
        select(Organisation).join(Engagement, Engagement.organisation_id == Organisation.id)
        .where(Engagement.touchpoint_id == touchpoint.id).order_by(Organisation.id)))
    make_engagement(invited[0], touchpoint=touchpoint, kind=EngagementKind.ATTENDED,
                    channel=Channel.WEBINAR, occurred_at=START)
    rule(touchpoint, kind=RuleKind.FOLLOW_UP_ATTENDED, amount=2, unit=OffsetUnit.HOURS)
    rule(touchpoint, kind=RuleKind.FOLLOW_UP_ABSENT, amount=1, unit=OffsetUnit.DAYS)
    db.session.commit()

    # Not yet marked done: attendance is not known, nothing goes.
    assert expand_due(db.session, now=utc(2026, 11, 25, 18), config=CONFIG) == 0
    touchpoint.status = TouchpointStatus.DONE
    touchpoint.actual_at = START
    db.session.commit()
    assert expand_due(db.session, now=utc(2026, 11, 25, 18), config=CONFIG) == 3

    rows = outbox("follow_up")
    attended = [r for r in rows if r.template == "follow_up_attended"]
    absent = [r for r in rows if r.template == "follow_up_absent"]
    assert [r.organisation_id for r in attended] == [invited[0].id]
    assert {r.organisation_id for r in absent} == {invited[1].id, invited[2].id}
    assert attended[0].send_after == utc(2026, 11, 25, 18)  # due at 17:00, marked done later
    assert {r.send_after for r in absent} == {utc(2026, 11, 26, 15)}
    assert "Thank you for joining" in attended[0].subject
    assert "missed you" in absent[0].subject


def test_a_rule_whose_template_fails_is_reported_and_the_others_still_go(app, monkeypatch):
    broken = webinar(START, organisations=1)
    fine = webinar(START, organisations=1)
    bad_rule = rule(broken, message="x")
    rule(fine)
    db.session.commit()
    from engage.reminders import expand

    real = expand.message_context

    def failing(rule_, recipient, base_url):
        if rule_.id == bad_rule.id:
            raise ValueError("the template needs a value it was not given")
        return real(rule_, recipient, base_url)

    monkeypatch.setattr(expand, "message_context", failing)
    assert expand_due(db.session, now=utc(2026, 11, 24, 9), config=CONFIG) == 1
    db.session.refresh(bad_rule)
    assert "the template needs a value" in bad_rule.last_error
    assert [r.touchpoint_id for r in outbox("reminder")] == [fine.id]
