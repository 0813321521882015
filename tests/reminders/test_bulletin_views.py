"""The bulletin pages: a test to me or to others, send now and the truthful status, links that
lead nowhere, nobody to send to, audiences chosen on the form, templates, text previews."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from engage.database import utcnow
from engage.directory.models import ContactRole, OrgKind
from engage.extensions import db
from engage.messaging.models import OutboxStatus
from engage.reminders.bulletins import send_due_bulletins
from engage.reminders.models import Bulletin, BulletinStatus, BulletinTemplate
from tests.factories import (
    make_bulletin_template,
    make_campaign,
    make_contact,
    make_locality,
    make_organisation,
)
from tests.reminders.support import outbox, rule, webinar


def written(client, body="## Flu\n\nBook at [the site](https://www.example.org/book).",
            **extra) -> Bulletin:
    campaign = make_campaign()
    make_contact(make_organisation(name="North Brink Practice"), name="Pat Reader")
    db.session.commit()
    response = client.post(f"/reminders/campaigns/{campaign.id}/bulletins/new", data={
        "channel": "email_bulletin", "subject": "December news", "body_markdown": body,
        **extra})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return db.session.scalars(select(Bulletin)).one()


def test_a_test_to_me_goes_to_my_address_marked_as_a_test(app, manager_client):
    bulletin = written(manager_client)
    response = manager_client.post(f"/reminders/bulletins/{bulletin.id}/test",
                                   data={"to": "me", "addresses": ""})
    assert response.status_code == 302
    [message] = outbox("test")
    assert message.to_email.endswith("@example.org") and message.is_test
    assert message.subject == "[Test] December news"
    page = manager_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Test sent to you" in page and "counts nowhere" in page


def test_an_invalid_test_address_is_refused_on_the_field_and_nothing_is_sent(app, manager_client):
    bulletin = written(manager_client)
    response = manager_client.post(f"/reminders/bulletins/{bulletin.id}/test", data={
        "to": "others", "addresses": "ann@example.org, ann@@example"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "&#39;ann@@example&#39; is not a valid email address" in page
    assert 'href="#addresses"' in page  # the error summary leads to the field
    assert outbox() == []


def test_send_now_then_the_status_follows_the_outbox(app, manager_client):
    bulletin = written(manager_client)
    response = manager_client.post(f"/reminders/bulletins/{bulletin.id}/send-now")
    assert response.status_code == 302
    page = manager_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sending to 1 person" in page and "Going now" in page
    assert "The scheduler has not run" in page

    send_due_bulletins(db.session, now=utcnow() + timedelta(minutes=1))
    page = manager_client.get(f"/reminders/bulletins/{bulletin.id}").get_data(as_text=True)
    assert ">Queued</strong>" in page and "Queued: 1 message waiting to go" in page
    assert "Sent to" not in page

    [message] = outbox("bulletin")
    message.status = OutboxStatus.SENT
    db.session.commit()
    page = manager_client.get(f"/reminders/bulletins/{bulletin.id}").get_data(as_text=True)
    assert ">Sent</strong>" in page and "Sent: 1 delivered to the mail service" in page
    section = manager_client.get(f"/campaigns/{bulletin.campaign_id}").get_data(as_text=True)
    assert ">Sent</strong>" in section and "1 of 1 delivered to the mail service" in section
    # Both lead to the send's report, which answers.
    report = f"/messaging/sends/bulletin:{bulletin.id}"
    assert f'href="{report}"' in page and f'href="{report}"' in section
    assert manager_client.get(report).status_code == 200


def test_a_link_that_leads_nowhere_is_shown_and_refused_with_its_text(app, manager_client):
    bulletin = written(manager_client, body="See [our form](/referral) now.")
    page = manager_client.get(f"/reminders/bulletins/{bulletin.id}").get_data(as_text=True)
    assert "Links that lead nowhere" in page
    response = manager_client.post(f"/reminders/bulletins/{bulletin.id}/send-now")
    assert response.status_code == 400
    assert "The link &#39;our form&#39; is not a full address" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Bulletin, bulletin.id).status is BulletinStatus.DRAFT


def test_sending_to_nobody_is_refused_saying_who_was_left_out(app, manager_client):
    bulletin = written(manager_client, roles=["owner"])
    response = manager_client.post(f"/reminders/bulletins/{bulletin.id}/send-now")
    assert response.status_code == 400
    assert ("Nobody to send it to: 1 organisation with no contact of the chosen roles"
            in response.get_data(as_text=True))


def test_sending_a_sent_bulletin_again_is_refused(app, manager_client):
    bulletin = written(manager_client)
    manager_client.post(f"/reminders/bulletins/{bulletin.id}/send-now")
    send_due_bulletins(db.session, now=utcnow() + timedelta(minutes=1))
    response = manager_client.post(f"/reminders/bulletins/{bulletin.id}/send-now")
    assert response.status_code == 400
    assert "This bulletin is sent: it cannot be sent" in response.get_data(as_text=True)
    assert len(outbox("bulletin")) == 1


def test_the_audience_is_chosen_on_the_form_and_counted_on_the_page(app, manager_client):
    fens = make_locality("Fens")
    pharmacy = make_organisation(kind=OrgKind.COMMUNITY_PHARMACY, locality_id=fens.id,
                                 name="Fen Pharmacy")
    make_contact(pharmacy, role=ContactRole.OWNER, name="Olu Owner")
    make_contact(pharmacy, role=ContactRole.OWNER, name="Dee Noemail", do_not_email=True)
    db.session.commit()
    form = manager_client.get(f"/reminders/campaigns/{make_campaign().id}/bulletins/new")
    assert "Fens" in form.get_data(as_text=True)
    bulletin = written(manager_client, localities=[str(fens.id)], kinds=["community_pharmacy"],
                       roles=["owner"])
    assert (bulletin.audience_locality_ids, bulletin.audience_kinds, bulletin.audience_roles) == (
        [fens.id], ["community_pharmacy"], ["owner"])
    page = manager_client.get(f"/reminders/bulletins/{bulletin.id}").get_data(as_text=True)
    assert "in Fens, only community pharmacies" in page and "Contacts who are: owner" in page
    assert "1 person at 1 organisation" in page
    assert "1 person left out (1 marked do not email)" in page


def test_a_bulletin_starts_from_a_template_and_is_saved_as_one(app, manager_client):
    template = make_bulletin_template(name="Monthly", subject="Monthly news",
                                      body_markdown="## This month")
    campaign = make_campaign()
    db.session.commit()
    page = manager_client.get(f"/reminders/campaigns/{campaign.id}/bulletins/new"
                              f"?template={template.id}").get_data(as_text=True)
    assert 'value="Monthly news"' in page and "## This month" in page
    assert manager_client.get(f"/reminders/campaigns/{campaign.id}/bulletins/new"
                              "?template=999999").status_code == 404

    bulletin = written(manager_client)
    response = manager_client.post(f"/reminders/bulletins/{bulletin.id}/save-as-template",
                                   data={"name": "From December"})
    assert response.status_code == 302
    listing = manager_client.get("/reminders/templates").get_data(as_text=True)
    assert "From December" in listing and "Monthly" in listing
    assert db.session.scalar(select(func.count()).select_from(BulletinTemplate)) == 2
    empty = manager_client.post(f"/reminders/bulletins/{bulletin.id}/save-as-template",
                                data={"name": ""})
    assert empty.status_code == 400


def test_templates_are_added_and_changed(app, manager_client):
    assert manager_client.post("/reminders/templates/new", data={
        "name": "Quarterly", "channel": "newsletter", "subject": "Q news",
        "body_markdown": "Hi"}).status_code == 302
    template = db.session.scalars(select(BulletinTemplate)).one()
    assert manager_client.post(f"/reminders/templates/{template.id}/edit", data={
        "name": "Quarterly", "channel": "newsletter", "subject": "Quarter news",
        "body_markdown": "Hi"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(BulletinTemplate, template.id).subject == "Quarter news"
    assert manager_client.post("/reminders/templates/new", data={
        "name": "", "channel": "newsletter", "subject": "", "body_markdown": ""}
    ).status_code == 400


def test_the_text_part_keeps_its_line_breaks_in_rule_and_bulletin_previews(app, manager_client):
    touchpoint = webinar(utcnow() + timedelta(days=3), organisations=1)
    made = rule(touchpoint, message="Line one\nLine two")
    db.session.commit()
    page = manager_client.get(f"/reminders/rules/{made.id}").get_data(as_text=True)
    assert '<pre class="engage-email-text">' in page and "Line one\nLine two" in page
    bulletin = written(manager_client, body="First line\nSecond line")
    page = manager_client.get(f"/reminders/bulletins/{bulletin.id}").get_data(as_text=True)
    assert '<pre class="engage-email-text">' in page and "First line\nSecond line" in page
