"""A send built by hand, message by message, for the report's tests and its browser test."""

from __future__ import annotations

from datetime import timedelta

from engage.directory.models import OrgKind
from engage.extensions import db
from engage.links.codes import new_code
from engage.links.models import Medium, ShortLink
from engage.messaging.models import EmailClick, EmailEvent, OutboxStatus
from tests.factories import (
    make_bulletin,
    make_locality,
    make_organisation,
    make_outbox_message,
)
from tests.messaging.conftest import NOW

SENT = NOW - timedelta(days=1)
LATER = SENT + timedelta(hours=2)


def add_event(message, kind, at=None, source="webhook", **detail):
    at = at or message.sent_at + timedelta(hours=2)
    db.session.add(EmailEvent(sg_event_id=f"e{message.id}{kind}{len(detail)}{at.minute}",
                              event=kind, occurred_at=at, outbox_message_id=message.id,
                              email=message.to_email, source=source, detail=detail))


def make_email_link(ref, target, at=SENT):
    link = ShortLink(code=new_code(), medium=Medium.EMAIL, target_url=target, send_ref=ref,
                     created_at=at)
    db.session.add(link)
    db.session.flush()
    return link


def build_send(sent=SENT):
    """Bulletin N's send, message by message (the expected figures are in test_reports)."""
    later = sent + timedelta(hours=2)
    bulletin = make_bulletin(subject="Winter wellbeing")
    ref = f"bulletin:{bulletin.id}"
    north, south = make_locality("North"), make_locality("South")
    a = make_organisation(name="Alpha Surgery", locality_id=north.id)
    b = make_organisation(name="Beta Pharmacy", kind=OrgKind.COMMUNITY_PHARMACY,
                          locality_id=south.id)
    c = make_organisation(name="Gamma Surgery", locality_id=None)

    def message(org, status=OutboxStatus.SENT, **values):
        return make_outbox_message(send_ref=ref, status=status,
                                   organisation_id=org.id if org else None,
                                   sent_at=sent if status is OutboxStatus.SENT else None,
                                   **values)

    m1, m2, m3, m4 = message(a), message(a), message(b), message(b)
    message(c, OutboxStatus.SUPPRESSED, last_error="Unsubscribed")
    message(c, OutboxStatus.FAILED, last_error="Invalid recipient address")
    message(None, OutboxStatus.QUEUED)
    message(None, OutboxStatus.WITHDRAWN)
    m10 = message(a)
    test = message(a, is_test=True)
    other = make_outbox_message(send_ref="bulletin:999999", status=OutboxStatus.SENT,
                                organisation_id=a.id, sent_at=sent)
    guide = make_email_link(ref, "https://example.org/guide", sent)
    form = make_email_link(ref, "https://example.org/form", sent)
    add_event(m1, "delivered")
    add_event(m1, "open")
    add_event(m1, "open", at=later + timedelta(minutes=5))  # the same person again: one open
    db.session.add(EmailClick(link_id=guide.id, outbox_message_id=m1.id, organisation_id=a.id,
                              at=later, human=True))
    db.session.add(EmailEvent(event="unsubscribe", occurred_at=sent + timedelta(days=1),
                              email=m1.to_email.lower(), source="link", detail={}))
    add_event(m2, "delivered")
    add_event(m2, "open", sg_machine_open=True)
    db.session.add(EmailClick(link_id=guide.id, outbox_message_id=m2.id, organisation_id=a.id,
                              at=sent, human=False, machine_reason="scanner"))
    add_event(m3, "bounce")
    add_event(m4, "delivered")
    add_event(m4, "click", url="https://elsewhere.example.org/x")
    add_event(m4, "unsubscribe")
    add_event(m4, "spamreport")
    add_event(m10, "delivered")
    add_event(m10, "click", url=f"http://localhost/q/{guide.code}")  # ours: counted by engage
    db.session.add(EmailClick(link_id=form.id, outbox_message_id=m10.id, organisation_id=a.id,
                              at=later, human=True))
    db.session.add(EmailClick(link_id=guide.id, outbox_message_id=None, at=later, human=True))
    for noise in (test, other):
        add_event(noise, "delivered")
        add_event(noise, "open")
        db.session.add(EmailClick(link_id=guide.id, outbox_message_id=noise.id,
                                  organisation_id=a.id, at=later, human=True))
    db.session.commit()
    return ref, guide, form
