"""Clicks on tracked links in emails: always a redirect to the stored target, a person's click
is one engagement per message and link, machines and strangers are kept apart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engage.campaigns.models import Engagement, EngagementKind, EngagementSource
from engage.database import utcnow
from engage.extensions import db
from engage.links.codes import new_code
from engage.links.models import Medium, Scan, ShortLink
from engage.messaging.clicks import (
    BOT_REASON,
    HEAD_REASON,
    SOON_REASON,
    TEST_REASON,
    Click,
    record_click,
)
from engage.messaging.models import EmailClick, OutboxStatus
from tests.factories import make_organisation, make_outbox_message

pytestmark = pytest.mark.real_commits

BROWSER = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/120.0 Safari/537.36")
SCANNER = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
TARGET = "https://example.org/guide?x=1&y=2"
TOKEN = "abcdefghijklmnopqrstuv"


@pytest.fixture()
def sent(app):
    """A tracked link of bulletin 1 and a message of that send, sent an hour ago."""
    org = make_organisation()
    link = ShortLink(code=new_code(), medium=Medium.EMAIL, target_url=TARGET,
                     send_ref="bulletin:1", created_at=utcnow())
    db.session.add(link)
    message = make_outbox_message(send_ref="bulletin:1", click_token=TOKEN,
                                  status=OutboxStatus.SENT, organisation_id=org.id,
                                  sent_at=utcnow() - timedelta(hours=1))
    db.session.commit()
    return link, message, org


def _clicks() -> list[EmailClick]:
    db.session.expire_all()
    return list(db.session.scalars(select(EmailClick).order_by(EmailClick.id)))


def _engagements() -> list[Engagement]:
    return list(db.session.scalars(select(Engagement)))


def test_a_persons_click_redirects_and_is_one_engagement(client, sent):
    link, message, org = sent
    for _ in range(2):
        response = client.get(f"/q/{link.code}?m={TOKEN}", headers={"User-Agent": BROWSER})
        assert response.status_code == 302 and response.location == TARGET
    clicks = _clicks()
    assert [(c.human, c.outbox_message_id, c.organisation_id) for c in clicks] == [
        (True, message.id, org.id)] * 2
    [engagement] = _engagements()
    assert engagement.kind is EngagementKind.CLICKED
    assert engagement.source is EngagementSource.EMAIL_EVENT
    assert engagement.source_ref == f"click:{message.id}:{link.id}"
    assert engagement.organisation_id == org.id
    assert db.session.scalars(select(Scan)).all() == []  # an email click is not a poster scan


@pytest.mark.parametrize("query", ["", "?m=", "?m=%27%3C%3E%25%F0%9F%92%A5", "?m=" + "A" * 400,
                                   "?m=zzzzzzzzzzzzzzzzzzzzzz", "?m=abc&m=def"])
def test_a_missing_garbled_or_unknown_token_still_redirects_as_an_anonymous_click(
        client, sent, query):
    link, _, _ = sent
    response = client.get(f"/q/{link.code}{query}", headers={"User-Agent": BROWSER})
    assert response.status_code == 302 and response.location == TARGET
    [click] = _clicks()
    assert click.outbox_message_id is None and click.organisation_id is None and click.human
    assert _engagements() == []


def test_a_token_of_another_sends_message_is_not_believed(client, sent):
    link, _, _ = sent
    make_outbox_message(send_ref="bulletin:2", click_token="ZZZZZZZZZZZZZZZZZZZZZZ",
                        status=OutboxStatus.SENT, organisation_id=make_organisation().id)
    db.session.commit()
    response = client.get(f"/q/{link.code}?m=ZZZZZZZZZZZZZZZZZZZZZZ",
                          headers={"User-Agent": BROWSER})
    assert response.location == TARGET
    assert _clicks()[0].outbox_message_id is None and _engagements() == []


def test_a_head_request_is_a_machine(client, sent):
    link, message, _ = sent
    response = client.head(f"/q/{link.code}?m={TOKEN}", headers={"User-Agent": BROWSER})
    assert response.status_code == 302 and response.location == TARGET
    [click] = _clicks()
    assert not click.human and click.machine_reason == HEAD_REASON[:80]
    assert click.outbox_message_id == message.id and _engagements() == []


@pytest.mark.parametrize("agent", [SCANNER, "python-requests/2.31", None])
def test_a_scanner_is_a_machine(client, sent, agent):
    link, _, _ = sent
    headers = {"User-Agent": agent or ""}
    response = client.get(f"/q/{link.code}?m={TOKEN}", headers=headers)
    assert response.location == TARGET
    [click] = _clicks()
    assert not click.human and click.machine_reason == BOT_REASON[:80]
    assert _engagements() == []


def test_a_click_seconds_after_sending_is_a_link_scanner(app, sent):
    link, message, _ = sent
    now = message.sent_at + timedelta(seconds=3)
    result = record_click(db.session, Click(link.id, TOKEN, head=False, user_agent=BROWSER,
                                            now=now))
    assert result.target_url == TARGET and not result.human and not result.engagement
    assert _clicks()[0].machine_reason == SOON_REASON[:80]


def test_a_test_sends_click_counts_nowhere(app, sent):
    link, message, _ = sent
    message.is_test = True
    result = record_click(db.session, Click(link.id, TOKEN, head=False, user_agent=BROWSER,
                                            now=utcnow()))
    assert not result.human and _clicks()[0].machine_reason == TEST_REASON[:80]
    assert _engagements() == []


def test_a_retired_email_link_is_missing_like_any_retired_code(client, sent):
    link, _, _ = sent
    link.retired_at = utcnow()
    db.session.commit()
    response = client.get(f"/q/{link.code}?m={TOKEN}", headers={"User-Agent": BROWSER})
    assert response.status_code == 404 and _clicks() == []


def test_an_email_link_without_a_usable_target_is_not_found(client, app):
    link = ShortLink(code=new_code(), medium=Medium.EMAIL, target_url="javascript:alert(1)",
                     send_ref="bulletin:1", created_at=utcnow())
    db.session.add(link)
    db.session.commit()
    assert client.get(f"/q/{link.code}", headers={"User-Agent": BROWSER}).status_code == 404


def test_email_links_stay_off_the_links_page(app, manager_client, sent):
    link, _, _ = sent
    assert link.code not in manager_client.get("/links/").get_data(as_text=True)


def test_a_manager_cannot_make_an_email_link_by_hand(app, manager_client):
    from tests.factories import make_service, make_touchpoint

    service, touchpoint = make_service(), make_touchpoint()
    db.session.commit()
    response = manager_client.post(f"/links/touchpoints/{touchpoint.id}/new", data={
        "service": service.slug, "medium": "email"})
    assert response.status_code == 400
    assert db.session.scalars(select(ShortLink)).all() == []


def test_an_email_links_page_says_where_it_goes(sent, manager_client):
    link, _, _ = sent
    page = manager_client.get(f"/links/{link.id}").get_data(as_text=True)
    assert "https://example.org/guide?x=1&amp;y=2" in page
    assert "/messaging/sends/bulletin:1" in page
