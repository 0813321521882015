"""A send's report, checked against a send built by hand, and its pages and CSV."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from engage.campaigns.models import Engagement
from engage.extensions import db
from engage.messaging.events import process_events
from engage.messaging.models import EmailEvent, OutboxStatus
from engage.messaging.reports import build_report
from tests.factories import (
    make_bulletin,
    make_organisation,
    make_outbox_message,
)
from tests.messaging.conftest import NOW
from tests.messaging.send_data import LATER, SENT, build_send, make_email_link


@pytest.fixture()
def send(app):
    return build_send()


def test_figures_match_the_hand_built_send(send, count_queries):
    ref, guide, form = send
    with count_queries() as queries:
        report = build_report(db.session, ref, "Bulletin: Winter wellbeing")
    assert queries.count <= 6
    t = report.total
    assert t.recipients == 9 and report.tests == 1
    assert t.statuses == {"sent": 5, "failed": 1, "suppressed": 1, "withdrawn": 1, "waiting": 1}
    assert (t.delivered, t.bounced) == (4, 1)
    assert (t.human_opens, t.machine_opens) == (1, 1)
    assert (t.human_clicks, t.machine_clicks) == (3, 1)
    assert (t.unsubscribes, t.spam_reports) == (2, 1)
    assert t.rate(t.human_opens) == 0.25
    localities = {f.name: f for f in report.by_locality}
    assert list(localities) == ["North", "South", "No locality", "No organisation"]
    assert (localities["North"].recipients, localities["North"].delivered,
            localities["North"].human_clicks, localities["North"].unsubscribes) == (3, 3, 2, 1)
    assert (localities["South"].recipients, localities["South"].bounced,
            localities["South"].human_clicks, localities["South"].spam_reports) == (2, 1, 1, 1)
    assert localities["No locality"].statuses["suppressed"] == 1
    kinds = {f.name: f.recipients for f in report.by_kind}
    assert kinds == {"Community pharmacy": 2, "GP practice": 5, "No organisation": 2}
    links = [(x.target_url, x.human_clicks, x.organisations, x.machine_clicks)
             for x in report.links]
    assert links == [("https://example.org/guide", 2, 1, 1), ("https://example.org/form", 1, 1, 0)]


def test_rates_say_why_they_cannot_be_given(app):
    bulletin = make_bulletin()
    ref = f"bulletin:{bulletin.id}"
    make_outbox_message(send_ref=ref, status=OutboxStatus.QUEUED)
    report = build_report(db.session, ref, "x")
    assert report.total.rate(0) is None
    assert report.total.no_rate_reason == "not enough sends yet"
    make_outbox_message(send_ref=ref, status=OutboxStatus.SENT, sent_at=SENT)
    assert build_report(db.session, ref, "x").total.no_rate_reason == "no delivery events yet"


def test_a_sendgrid_click_on_our_link_is_stored_but_not_a_second_engagement(app):
    org = make_organisation()
    link = make_email_link("bulletin:1", "https://example.org/guide")
    message = make_outbox_message(send_ref="bulletin:1", status=OutboxStatus.SENT,
                                  organisation_id=org.id, sent_at=SENT)
    events = [
        {"event": "click", "sg_event_id": "c1", "outbox_id": str(message.id),
         "timestamp": int(LATER.timestamp()), "email": message.to_email,
         "url": f"https://engage.example.org/q/{link.code}?m=abcdefghijklmnopqrstuv"},
        {"event": "click", "sg_event_id": "c2", "outbox_id": str(message.id),
         "timestamp": int(LATER.timestamp()), "email": message.to_email,
         "url": "https://elsewhere.example.org/page"},
    ]
    process_events(db.session, events, now=NOW)
    stored = {e.sg_event_id: e for e in db.session.scalars(select(EmailEvent))}
    assert stored["c1"].detail.get("engage_link") is True
    assert "already counted" in stored["c1"].outcome
    refs = [e.source_ref for e in db.session.scalars(select(Engagement))]
    assert refs == ["sg:c2"]


def test_manager_and_steering_read_the_report(send, manager_client, steering_client):
    ref, _, _ = send
    for client in (manager_client, steering_client):
        response = client.get(f"/messaging/sends/{ref}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Bulletin: Winter wellbeing" in page and "Opens are a floor" in page
        assert "https://example.org/guide" in page and "25%" in page
    assert "See the messages of this send" in manager_client.get(
        f"/messaging/sends/{ref}").get_data(as_text=True)
    assert "See the messages of this send" not in steering_client.get(
        f"/messaging/sends/{ref}").get_data(as_text=True)


def test_a_report_before_anything_was_sent_says_so_in_words(app, manager_client):
    bulletin = make_bulletin(subject="Spring")
    make_outbox_message(send_ref=f"bulletin:{bulletin.id}", status=OutboxStatus.QUEUED)
    db.session.commit()
    page = manager_client.get(f"/messaging/sends/bulletin:{bulletin.id}").get_data(as_text=True)
    assert "0 messages</strong>: not enough sends yet" in page and "0%" not in page


def test_a_send_without_messages_of_a_known_bulletin_has_an_empty_report(app, manager_client):
    bulletin = make_bulletin(subject="Draft")
    db.session.commit()
    assert manager_client.get(f"/messaging/sends/bulletin:{bulletin.id}").status_code == 200


@pytest.mark.parametrize("ref", ["bulletin:999999", "nonsense", "bulletin:abc", "bulletin:0",
                                 "bulletin:-1", "rule:99999999999", "bulletin:1/extra",
                                 "digest:1", "%25", "DIGEST", "bulletin:%201", "x" * 500])
def test_an_unknown_or_malformed_send_is_not_found(app, manager_client, ref):
    assert manager_client.get(f"/messaging/sends/{ref}").status_code == 404
    assert manager_client.get(f"/messaging/sends/{ref}.csv").status_code == 404


def test_the_csv_has_the_same_figures(send, manager_client):
    ref, _, _ = send
    response = manager_client.get(f"/messaging/sends/{ref}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Send", "Bulletin: Winter wellbeing"]
    header = rows[3]
    table = {(r[0], r[1]): dict(zip(header, r, strict=False)) for r in rows[4:] if len(r) > 2}
    everything = table[("All", "All recipients")]
    assert (everything["Recipients"], everything["Delivered"], everything["Human opens"],
            everything["Machine opens"], everything["Human clicks"],
            everything["Unsubscribes"], everything["Spam reports"],
            everything["Open rate (% of delivered)"]) == ("9", "4", "1", "1", "3", "2", "1", "25.0")
    assert table[("Locality", "North")]["Recipients"] == "3"
    assert table[("Kind of organisation", "Community pharmacy")]["Bounced"] == "1"
    links = [r for r in rows if r and r[0] == "Link"]
    assert links[0][1:4] == ["https://example.org/guide", send[1].code, "2"]
    assert any(r[0] == "Note" and r[1].startswith("Opens are a floor") for r in rows if r)


def test_the_outbox_groups_messages_by_send(send, manager_client):
    ref, _, _ = send
    page = manager_client.get("/outbox").get_data(as_text=True)
    assert "Bulletin: Winter wellbeing" in page
    assert "10 messages: 1 queued, 5 sent, 1 failed, 1 withdrawn, 1 suppressed" not in page
    assert "9 messages" in page and "5 sent" in page and "and 1 test message" in page
    assert f'href="/messaging/sends/{ref}"' in page or "/messaging/sends/bulletin" in page
    one = manager_client.get(f"/outbox?send={ref}").get_data(as_text=True)
    assert "Messages of Bulletin: Winter wellbeing" in one
    assert "Not sent: this address may not be emailed. Reason: Unsubscribed" in one


def test_the_outbox_searches_by_address_or_organisation(send, manager_client):
    make_outbox_message(to_email="pat.100%@example.org", subject="Percent")
    make_outbox_message(to_email="someone@example.org", subject="Plain")
    db.session.commit()
    found = manager_client.get("/outbox?q=Beta+pharm").get_data(as_text=True)
    assert "2 messages matching" in found
    percent = manager_client.get("/outbox?q=100%25").get_data(as_text=True)
    assert "Percent" in percent and "Plain" not in percent
    underscore = manager_client.get("/outbox?q=_").get_data(as_text=True)
    assert "No messages match" in underscore
    long = manager_client.get("/outbox?q=" + "a" * 5000)
    assert long.status_code == 200


def test_a_message_of_a_send_links_to_its_report(app, manager_client):
    message = make_outbox_message(send_ref="digest", status=OutboxStatus.SENT, sent_at=SENT)
    db.session.commit()
    page = manager_client.get(f"/outbox/{message.id}").get_data(as_text=True)
    assert "Report on this send" in page
