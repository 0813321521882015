"""Before anything goes: who will receive what, and when, for a rule or a bulletin.

The message is shown as it will arrive: subject, the plain-text part and the HTML part, with
the footer every message gets (its unsubscribe link stands in for each reader's own).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engage.database import DbSession
from engage.messaging.outbox import render_email, with_footer
from engage.reminders.bulletins import bulletin_audience, bulletin_context, sample_recipient
from engage.reminders.expand import TEMPLATES, message_context
from engage.reminders.models import Bulletin, BulletinStatus, ReminderRule
from engage.reminders.recipients import Addressed, AudienceCount, Recipient
from engage.reminders.schedule import business_hours, occasion

SHOWN = 200


@dataclass
class Preview(Addressed):
    send_at: datetime | None
    waiting: str | None
    recipients: list[Recipient] = field(default_factory=list)
    subject: str = ""
    text: str = ""
    html: str = ""
    problem: str | None = None  # the email does not render, and why
    sample: Recipient | None = None  # whom the message shown is written for
    count: AudienceCount | None = None  # bulletins: people, organisations, who is left out


def example_unsubscribe(config: Mapping[str, Any]) -> str:
    """Stands in for each reader's own unsubscribe link (a preview makes no token)."""
    return str(config.get("PUBLIC_BASE_URL", "")).rstrip("/") + "/unsubscribe/example"


def _render(template: str, context: Mapping[str, Any], preview: Preview,
            config: Mapping[str, Any]) -> None:
    try:
        subject, text, html = render_email(template, context)
        preview.subject = subject
        preview.text, preview.html = with_footer(text, html, example_unsubscribe(config))
    except Exception as exc:  # noqa: BLE001 - shown to the manager instead of a 500
        preview.problem = (f"The email could not be made from its template ({template}): "
                           f"{type(exc).__name__}: {exc}. Nothing will be sent until this is "
                           "fixed.")


def preview_rule(session: DbSession, rule: ReminderRule, *, now: datetime,
                 config: Mapping[str, Any]) -> Preview:
    found = occasion(session, rule, business_hours(config), now)
    preview = Preview(found.send_at, found.waiting, found.recipients)
    preview.sample = sample_recipient(found.recipients)
    _render(TEMPLATES[rule.kind], message_context(rule, preview.sample,
                                                  str(config.get("PUBLIC_BASE_URL", ""))),
            preview, config)
    return preview


def preview_bulletin(session: DbSession, bulletin: Bulletin,
                     config: Mapping[str, Any] | None = None) -> Preview:
    audience = bulletin_audience(session, bulletin)
    waiting = {
        BulletinStatus.DRAFT: "it is a draft: send it now or choose when it goes.",
        BulletinStatus.CANCELLED: "it was cancelled.",
    }.get(bulletin.status)
    preview = Preview(bulletin.send_at if waiting is None else None, waiting, audience.people,
                      count=audience.count)
    preview.sample = sample_recipient(audience.people)
    _render("bulletin", bulletin_context(bulletin, preview.sample), preview, config or {})
    return preview
