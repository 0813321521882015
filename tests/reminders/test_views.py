"""The reminders pages: add a rule after a preview, nudges, bulletins, the overview."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engage.campaigns.models import Channel
from engage.database import utcnow
from engage.directory.models import ContactRole
from engage.extensions import db
from engage.reminders.models import Bulletin, BulletinStatus, ReminderRule, RuleKind
from tests.factories import make_campaign, make_contact, make_touchpoint
from tests.reminders.support import rule, webinar


def soon_webinar():
    touchpoint = webinar(utcnow() + timedelta(days=3), organisations=2)
    org = touchpoint_org(touchpoint)
    make_contact(org, do_not_email=True, name="Dana Noemail")
    db.session.commit()
    return touchpoint


def touchpoint_org(touchpoint):
    from engage.campaigns.models import Engagement

    return db.session.scalars(select(Engagement).where(
        Engagement.touchpoint_id == touchpoint.id)).first().organisation


def test_adding_a_reminder_previews_first_and_saves_only_when_confirmed(app, manager_client):
    touchpoint = soon_webinar()
    form = {"kind": "reminder", "offset_amount": "1", "offset_unit": "days", "message": ""}

    page = manager_client.post(f"/reminders/touchpoints/{touchpoint.id}/rules/new",
                               data={**form, "action": "preview"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Preview: nothing is saved yet" in text
    assert "Reminder: " + touchpoint.title in text
    assert "Dana Noemail" in text and "Marked &#39;do not email&#39;" in text
    assert db.session.scalar(select(ReminderRule.id)) is None

    saved = manager_client.post(f"/reminders/touchpoints/{touchpoint.id}/rules/new",
                                data={**form, "action": "save"})
    assert saved.status_code == 302
    made = db.session.scalars(select(ReminderRule)).one()
    assert made.kind is RuleKind.REMINDER and made.touchpoint_id == touchpoint.id

    shown = manager_client.get(f"/campaigns/touchpoints/{touchpoint.id}")
    body = shown.get_data(as_text=True)
    assert "Reminders and follow-ups" in body
    assert "1 day before it starts" in body
    assert "to 2 people (1 left out)" in body


def test_a_rule_with_an_impossible_offset_is_refused_with_the_reason(app, manager_client):
    touchpoint = soon_webinar()
    page = manager_client.post(f"/reminders/touchpoints/{touchpoint.id}/rules/new", data={
        "kind": "reminder", "offset_amount": "-3", "offset_unit": "days", "action": "save"})
    assert page.status_code == 400
    assert "Enter a number from 0 to 1440" in page.get_data(as_text=True)
    assert db.session.scalar(select(ReminderRule.id)) is None


def test_reminders_are_refused_on_a_touchpoint_that_is_not_a_meeting(app, manager_client):
    touchpoint = make_touchpoint(channel=Channel.POSTER, planned_at=utcnow() + timedelta(days=2))
    db.session.commit()
    page = manager_client.post(f"/reminders/touchpoints/{touchpoint.id}/rules/new", data={
        "kind": "reminder", "offset_amount": "1", "offset_unit": "days", "action": "save"})
    assert page.status_code == 400
    assert "Reminders and follow-ups are for meetings" in page.get_data(as_text=True)


def test_removing_a_rule_withdraws_what_it_queued(app, manager_client):
    touchpoint = webinar(utcnow() + timedelta(hours=12), organisations=1)
    made = rule(touchpoint)
    db.session.commit()
    from engage.reminders.expand import expand_due

    expand_due(db.session, now=utcnow(), config=app.config)
    page = manager_client.get(f"/reminders/rules/{made.id}").get_data(as_text=True)
    assert f'href="/messaging/sends/rule:{made.id}"' in page  # the report on what it sent
    response = manager_client.post(f"/reminders/rules/{made.id}/remove")
    assert response.status_code == 302
    db.session.expire_all()
    from tests.reminders.support import outbox

    assert [m.last_error for m in outbox("reminder")] == ["The reminder rule was removed."]


def test_steering_can_see_a_rule_but_not_change_it(app, steering_client):
    touchpoint = soon_webinar()
    made = rule(touchpoint)
    db.session.commit()
    assert steering_client.get(f"/reminders/rules/{made.id}").status_code == 200
    assert steering_client.post(f"/reminders/rules/{made.id}/remove").status_code == 403


def test_nudge_is_previewed_then_saved(app, manager_client):
    campaign = make_campaign(start_date=utcnow().date() - timedelta(days=90),
                             end_date=utcnow().date() + timedelta(days=90))
    make_contact(role=ContactRole.REFERRAL_MANAGER, name="Rita Referral")
    db.session.commit()
    form = {"quiet_days": "30", "period_days": "14", "business_hours": "y"}
    page = manager_client.post(f"/reminders/campaigns/{campaign.id}/nudges/new",
                               data={**form, "action": "preview"})
    assert page.status_code == 200
    assert "Rita Referral" in page.get_data(as_text=True)
    saved = manager_client.post(f"/reminders/campaigns/{campaign.id}/nudges/new",
                                data={**form, "action": "save"})
    assert saved.status_code == 302
    made = db.session.scalars(select(ReminderRule)).one()
    assert (made.quiet_days, made.period_days, made.business_hours) == (30, 14, True)


def test_bulletin_is_written_previewed_scheduled_and_cancelled(app, manager_client):
    campaign = make_campaign()
    make_contact(name="Pat Reader")
    db.session.commit()
    created = manager_client.post(f"/reminders/campaigns/{campaign.id}/bulletins/new", data={
        "channel": "newsletter", "subject": "December news",
        "body_markdown": "## Flu\n\nBook **now**."})
    assert created.status_code == 302
    bulletin = db.session.scalars(select(Bulletin)).one()
    page = manager_client.get(f"/reminders/bulletins/{bulletin.id}").get_data(as_text=True)
    # The HTML part in a sandboxed frame of its own (inline styles allowed there only), the
    # text part as written.
    frame_url = f"/reminders/bulletins/{bulletin.id}/preview.html"
    assert f'sandbox="" src="{frame_url}"' in page
    frame = manager_client.get(frame_url)
    assert "<strong>now</strong>" in frame.get_data(as_text=True)
    assert "style-src 'unsafe-inline'" in frame.headers["Content-Security-Policy"]
    assert "script-src" not in frame.headers["Content-Security-Policy"]
    assert "Flu\n---\n\nBook now." in page and "Pat Reader" in page and "A draft" in page

    when = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    assert manager_client.post(f"/reminders/bulletins/{bulletin.id}/schedule",
                               data={"send_at": when}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Bulletin, bulletin.id).status is BulletinStatus.SCHEDULED

    assert manager_client.post(f"/reminders/bulletins/{bulletin.id}/cancel").status_code == 302
    db.session.expire_all()
    assert db.session.get(Bulletin, bulletin.id).status is BulletinStatus.CANCELLED


def test_bulletin_scheduled_in_the_past_is_refused_with_the_reason(app, manager_client):
    campaign = make_campaign()
    db.session.commit()
    manager_client.post(f"/reminders/campaigns/{campaign.id}/bulletins/new", data={
        "channel": "email_bulletin", "subject": "Hello", "body_markdown": "Hi"})
    bulletin = db.session.scalars(select(Bulletin)).one()
    page = manager_client.post(f"/reminders/bulletins/{bulletin.id}/schedule",
                               data={"send_at": "2020-01-01T09:00"})
    assert page.status_code == 400
    assert "has passed: choose a time from now on" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Bulletin, bulletin.id).status is BulletinStatus.DRAFT


def test_empty_bulletin_is_refused_with_the_reason(app, manager_client):
    campaign = make_campaign()
    db.session.commit()
    page = manager_client.post(f"/reminders/campaigns/{campaign.id}/bulletins/new", data={
        "channel": "email_bulletin", "subject": "", "body_markdown": ""})
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "Enter a subject line" in text and "the body is empty" in text
    assert db.session.scalar(select(Bulletin.id)) is None


def test_overview_lists_what_is_coming(app, manager_client):
    touchpoint = soon_webinar()
    rule(touchpoint, amount=2)
    db.session.commit()
    page = manager_client.get("/reminders/").get_data(as_text=True)
    assert "Reminder before: " + touchpoint.title in page
    assert "The scheduler has not run yet" in page


def test_campaign_page_shows_bulletins_and_nudges_section(app, manager_client):
    campaign = make_campaign()
    db.session.commit()
    page = manager_client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Bulletins and nudges" in page
    assert "Write a bulletin or newsletter" in page
