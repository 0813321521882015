"""Bulletins: send now, tests that count nowhere, audiences by place, kind and role, links that
lead nowhere, nobody left to send to, and a status that comes from the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engage.audit.models import AuditEvent
from engage.campaigns.models import Channel, Engagement, Touchpoint
from engage.directory.models import ContactRole, OrgKind, SuppressionReason
from engage.extensions import db
from engage.messaging import sends
from engage.messaging.models import OutboxStatus
from engage.messaging.suppression import suppress
from engage.reminders.bulletin_figures import send_figures, shown
from engage.reminders.bulletin_links import link_problems
from engage.reminders.bulletin_templates import (
    TemplateFields,
    delete_template,
    save_template,
    template_from_bulletin,
)
from engage.reminders.bulletins import (
    BulletinFields,
    bulletin_audience,
    cancel_bulletin,
    save_bulletin,
    schedule_bulletin,
    send_due_bulletins,
    send_now,
    send_test,
)
from engage.reminders.errors import ReminderError
from engage.reminders.models import BulletinStatus, BulletinTemplate
from tests.factories import (
    make_campaign,
    make_contact,
    make_locality,
    make_organisation,
    make_user,
)
from tests.reminders.support import outbox, utc

NOW = utc(2026, 11, 24, 10, 0)


def draft(body: str = "## News\n\nRead [the guide](https://www.example.org/guide).",
          **audience) -> tuple:
    campaign = make_campaign()
    user = make_user()
    bulletin = save_bulletin(db.session, campaign, BulletinFields(
        "Winter news", body, Channel.EMAIL_BULLETIN, **audience), user, NOW)
    return bulletin, user


def readers(count: int = 2) -> list:
    return [make_contact(make_organisation(), name=f"Reader {n}") for n in range(count)]


# --- send now ------------------------------------------------------------------------------------


def test_send_now_goes_at_the_next_tick_with_its_send_on_every_message(app):
    readers(2)
    bulletin, user = draft()
    assert send_now(db.session, bulletin, user, NOW) == 2
    assert bulletin.status is BulletinStatus.SCHEDULED and bulletin.send_at == NOW
    db.session.commit()

    assert send_due_bulletins(db.session, now=NOW + timedelta(seconds=30)) == 2
    rows = outbox("bulletin")
    assert {r.send_ref for r in rows} == {sends.bulletin_ref(bulletin.id)}
    assert not any(r.is_test for r in rows)
    db.session.refresh(bulletin)
    assert bulletin.status is BulletinStatus.SENT


@pytest.mark.parametrize("end", ["sent", "cancelled"])
def test_a_bulletin_already_sent_or_cancelled_cannot_be_sent_or_scheduled_again(app, end):
    readers(1)
    bulletin, user = draft()
    if end == "sent":
        send_now(db.session, bulletin, user, NOW)
        db.session.commit()
        send_due_bulletins(db.session, now=NOW)
    else:
        cancel_bulletin(db.session, bulletin, user, NOW)
    db.session.refresh(bulletin)
    with pytest.raises(ReminderError, match=f"This bulletin is {end}: it cannot be sent"):
        send_now(db.session, bulletin, user, NOW)
    with pytest.raises(ReminderError, match=f"This bulletin is {end}: it cannot be scheduled"):
        schedule_bulletin(db.session, bulletin, NOW + timedelta(days=1), user, NOW)
    assert len(outbox("bulletin")) == (1 if end == "sent" else 0)


def test_a_time_in_the_past_is_refused_with_the_time(app):
    readers(1)
    bulletin, user = draft()
    with pytest.raises(ReminderError, match="has passed: choose a time from now on"):
        schedule_bulletin(db.session, bulletin, NOW - timedelta(hours=2), user, NOW)
    assert bulletin.status is BulletinStatus.DRAFT


# --- tests ---------------------------------------------------------------------------------------


def test_a_test_is_marked_as_one_and_counted_nowhere(app):
    readers(2)
    bulletin, user = draft()
    assert send_test(db.session, bulletin, ["me@example.org", "boss@example.org"], user,
                     NOW) == 2
    tests = outbox("test")
    assert [t.to_email for t in tests] == ["me@example.org", "boss@example.org"]
    for message in tests:
        assert message.is_test and message.kind == "test"
        assert message.subject == "[Test] Winter news"
        assert message.send_ref == sends.bulletin_ref(bulletin.id)
        assert (message.touchpoint_id, message.campaign_id, message.contact_id) == (None,) * 3
        assert message.status is OutboxStatus.QUEUED
    # No touchpoint, no engagement, and the bulletin's figures do not see it.
    assert db.session.scalar(select(func.count()).select_from(Touchpoint)) == 0
    assert db.session.scalar(select(func.count()).select_from(Engagement)) == 0
    assert send_figures(db.session, [bulletin.id])[bulletin.id].total == 0
    assert bulletin.status is BulletinStatus.DRAFT
    # A second test is a new message, not swallowed as a repeat.
    assert send_test(db.session, bulletin, ["me@example.org"], user, NOW) == 1


@pytest.mark.parametrize("addresses, message", [
    (["not-an-address"], "'not-an-address' is not a valid email address"),
    (["ok@example.org, bad@"], "'bad@' is not a valid email address"),
    ([""], "Enter an email address to send the test to"),
    (["a@example.org b@example.org c@example.org d@example.org e@example.org f@example.org"],
     "Send a test to 5 addresses or fewer: you entered 6"),
])
def test_a_wrong_test_address_is_refused_and_nothing_is_sent(app, addresses, message):
    readers(1)
    bulletin, user = draft()
    with pytest.raises(ReminderError, match=message):
        send_test(db.session, bulletin, addresses, user, NOW)
    assert outbox() == []


# --- links ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("link, reason", [
    ("[the form]()", "'the form' has no address"),
    ("[the form](/forms/referral)", "'the form' is not a full address"),
    ("[the form](http://)", "'the form' has no site in its address"),
    ("[the form](javascript:alert(1))", "'the form' uses javascript:"),
])
def test_a_link_that_leads_nowhere_stops_it_going_and_is_named(app, link, reason):
    readers(1)
    bulletin, user = draft(f"Fill in {link} today.")
    for attempt in (lambda: send_now(db.session, bulletin, user, NOW),
                    lambda: schedule_bulletin(db.session, bulletin, NOW + timedelta(days=1),
                                              user, NOW)):
        with pytest.raises(ReminderError, match=f"The link {reason}"):
            attempt()
    assert bulletin.status is BulletinStatus.DRAFT


def test_a_scheduled_bulletin_cannot_be_changed_to_carry_a_link_that_leads_nowhere(app):
    readers(1)
    bulletin, user = draft()
    schedule_bulletin(db.session, bulletin, NOW + timedelta(hours=1), user, NOW)
    with pytest.raises(ReminderError, match="It is scheduled, so its links must lead somewhere. "
                                            "The link 'here' is not a full address"):
        save_bulletin(db.session, bulletin.campaign, BulletinFields(
            "Winter news", "Click [here](www.example.org)"), user, NOW, bulletin=bulletin)


def test_a_link_that_leads_nowhere_at_send_time_keeps_it_scheduled_with_the_reason(app):
    readers(1)
    bulletin, user = draft()
    schedule_bulletin(db.session, bulletin, NOW + timedelta(hours=1), user, NOW)
    bulletin.body_markdown = "Click [here](javascript:void(0))"  # changed behind the form's back
    db.session.commit()
    assert send_due_bulletins(db.session, now=NOW + timedelta(hours=2)) == 0
    db.session.refresh(bulletin)
    assert bulletin.status is BulletinStatus.SCHEDULED
    assert "The link 'here' uses javascript:" in bulletin.last_error
    assert outbox() == []


def test_web_email_and_phone_links_are_fine():
    assert link_problems("[site](https://www.nhs.uk/x) [old](http://example.org) "
                         "[mail](mailto:oh@example.org) [call](tel:+441234567890) "
                         "<https://example.org/auto>") == []


# --- audiences -----------------------------------------------------------------------------------


def test_audience_by_locality_kind_and_role(app):
    fens, city = make_locality("Fens"), make_locality("City")
    fen_practice = make_organisation(locality_id=fens.id, kind=OrgKind.GP_PRACTICE)
    fen_pharmacy = make_organisation(locality_id=fens.id, kind=OrgKind.COMMUNITY_PHARMACY)
    city_practice = make_organisation(locality_id=city.id, kind=OrgKind.GP_PRACTICE)
    pm = make_contact(fen_practice, role=ContactRole.PRACTICE_MANAGER)
    make_contact(fen_practice, role=ContactRole.CLINICAL_LEAD)
    owner = make_contact(fen_pharmacy, role=ContactRole.OWNER)
    make_contact(city_practice, role=ContactRole.PRACTICE_MANAGER)

    bulletin, _ = draft(locality_ids=[fens.id])
    assert len(bulletin_audience(db.session, bulletin).included) == 3
    bulletin, _ = draft(locality_ids=[fens.id], kinds=["gp_practice"])
    assert len(bulletin_audience(db.session, bulletin).included) == 2
    bulletin, _ = draft(locality_ids=[fens.id], roles=["practice_manager", "owner"])
    found = bulletin_audience(db.session, bulletin)
    assert {p.contact_id for p in found.included} == {pm.id, owner.id}
    assert (found.count.people, found.count.organisations) == (2, 2)


def test_audience_values_outside_the_lists_are_refused(app):
    with pytest.raises(ReminderError, match="Choose contact roles from the list"):
        draft(roles=["chief_executive"])
    with pytest.raises(ReminderError, match="Choose kinds of organisation from the list"):
        draft(kinds=["hospital"])


def test_those_left_out_are_counted_by_reason(app):
    ok, dne, unsub, bounced, empty = (make_organisation() for _ in range(5))
    make_contact(ok, role=ContactRole.PRACTICE_MANAGER)
    make_contact(dne, role=ContactRole.PRACTICE_MANAGER, do_not_email=True)
    gone = make_contact(unsub, role=ContactRole.PRACTICE_MANAGER, email="gone@example.org")
    suppress(db.session, gone.email, SuppressionReason.UNSUBSCRIBED, now=NOW, source="link")
    make_contact(bounced, role=ContactRole.PRACTICE_MANAGER, email="bounce@example.org")
    make_contact(empty, role=ContactRole.OTHER)  # not of the chosen roles
    # The address bounced under another contact: this one is left out all the same.
    suppress(db.session, "bounce@example.org", SuppressionReason.HARD_BOUNCE, now=NOW,
             source="sendgrid")
    make_contact(make_organisation(), role=ContactRole.PRACTICE_MANAGER, email="BOUNCE@example.org")
    db.session.expire_all()
    bulletin, _ = draft(roles=["practice_manager"])
    count = bulletin_audience(db.session, bulletin).count
    assert (count.people, count.organisations) == (1, 1)
    assert dict(count.left_out) == {"marked do not email": 1, "unsubscribed": 1,
                                    "bounced (or dropped) earlier mail": 2}
    assert count.without_contact == 1
    assert "4 people left out" in count.describe_left_out()
    assert "1 organisation with no contact of the chosen roles" in count.describe_left_out()


def test_nobody_left_after_suppression_is_refused_saying_who_and_why(app):
    make_contact(make_organisation(), do_not_email=True)
    gone = make_contact(make_organisation(), email="gone@example.org")
    suppress(db.session, gone.email, SuppressionReason.UNSUBSCRIBED, now=NOW, source="link")
    db.session.expire_all()
    bulletin, user = draft()
    with pytest.raises(ReminderError, match=r"Nobody to send it to: 2 people left out "
                                            r"\((1 marked do not email, 1 unsubscribed|"
                                            r"1 unsubscribed, 1 marked do not email)\)"):
        send_now(db.session, bulletin, user, NOW)
    assert bulletin.status is BulletinStatus.DRAFT and outbox() == []


def test_a_scheduled_bulletin_whose_readers_all_left_stays_scheduled_with_the_reason(app):
    reader = readers(1)[0]
    bulletin, user = draft()
    schedule_bulletin(db.session, bulletin, NOW + timedelta(hours=1), user, NOW)
    reader.do_not_email = True
    db.session.commit()
    assert send_due_bulletins(db.session, now=NOW + timedelta(hours=2)) == 0
    db.session.refresh(bulletin)
    assert bulletin.status is BulletinStatus.SCHEDULED
    assert "Nobody to send it to: 1 person left out (1 marked do not email)" in bulletin.last_error
    assert outbox() == [] and db.session.scalar(select(func.count()).select_from(Touchpoint)) == 0


# --- status from the outbox ----------------------------------------------------------------------


def test_the_status_says_queued_then_sending_then_sent_from_the_outbox(app):
    readers(3)
    bulletin, user = draft()
    assert shown(bulletin, None).label == "Draft"
    send_now(db.session, bulletin, user, NOW)
    assert shown(bulletin, None).label == "Scheduled"
    db.session.commit()
    send_due_bulletins(db.session, now=NOW)
    send_test(db.session, bulletin, ["me@example.org"], user, NOW)
    db.session.refresh(bulletin)

    def state():
        db.session.flush()
        figures = send_figures(db.session, [bulletin.id])[bulletin.id]
        return shown(bulletin, figures)

    # Queued is not sent, though the bulletin's own row says so.
    assert bulletin.status is BulletinStatus.SENT
    assert (state().label, state().summary) == (
        "Queued", "Queued: 3 messages waiting to go, none delivered yet.")
    first, second, third = outbox("bulletin")
    first.status = OutboxStatus.SENT
    assert state().label == "Sending"
    assert state().summary == ("Sending: 1 delivered to the mail service, 0 failed; 2 waiting.")
    second.status, third.status = OutboxStatus.FAILED, OutboxStatus.SUPPRESSED
    assert (state().label, state().summary) == (
        "Sent", "Sent: 1 delivered to the mail service, 1 failed, 1 not sent (unsubscribed or "
                "bounced); 0 waiting.")


def test_figures_for_many_bulletins_come_from_one_query(app, count_queries):
    readers(1)
    ids = [draft()[0].id for _ in range(4)]
    db.session.commit()
    with count_queries() as counted:
        figures = send_figures(db.session, ids)
    assert counted.count == 1 and set(figures) == set(ids)


# --- templates -----------------------------------------------------------------------------------


def test_templates_are_saved_from_a_bulletin_changed_and_deleted_with_an_audit_row(app):
    bulletin, user = draft()
    template = template_from_bulletin(db.session, bulletin, "Monthly news", user, NOW)
    assert (template.subject, template.body_markdown, template.channel) == (
        bulletin.subject, bulletin.body_markdown, bulletin.channel)
    save_template(db.session, TemplateFields("Monthly news", "December news", "Body",
                                             Channel.NEWSLETTER), user, NOW, template)
    assert bulletin.subject == "Winter news"  # the bulletin keeps its words
    with pytest.raises(ReminderError, match="Enter a name for the template"):
        save_template(db.session, TemplateFields(" ", "S", "B"), user, NOW)
    delete_template(db.session, template, user)
    assert db.session.scalar(select(func.count()).select_from(BulletinTemplate)) == 0
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"reminders.template_save", "reminders.template_delete"} <= actions
