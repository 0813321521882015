"""Before anything goes: who will receive what, and when, for a rule or a bulletin."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engage.database import DbSession
from engage.messaging.outbox import render_email
from engage.reminders.bulletins import bulletin_context, bulletin_recipients
from engage.reminders.expand import TEMPLATES, message_context
from engage.reminders.models import Bulletin, BulletinStatus, ReminderRule
from engage.reminders.recipients import Addressed, Recipient
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


def _render(template: str, context: Mapping[str, Any], preview: Preview) -> None:
    try:
        preview.subject, preview.text, preview.html = render_email(template, context)
    except Exception as exc:  # noqa: BLE001 - shown to the manager instead of a 500
        preview.problem = (f"The email could not be made from its template ({template}): "
                           f"{type(exc).__name__}: {exc}. Nothing will be sent until this is "
                           "fixed.")


def _sample(people: list[Recipient]) -> Recipient:
    included = [p for p in people if p.excluded is None]
    if included:
        return included[0]
    return Recipient(0, 0, "Example Surgery", "Alex Example", "alex@example.org")


def preview_rule(session: DbSession, rule: ReminderRule, *, now: datetime,
                 config: Mapping[str, Any]) -> Preview:
    found = occasion(session, rule, business_hours(config), now)
    preview = Preview(found.send_at, found.waiting, found.recipients)
    _render(TEMPLATES[rule.kind], message_context(rule, _sample(found.recipients),
                                                  str(config.get("PUBLIC_BASE_URL", ""))),
            preview)
    return preview


def preview_bulletin(session: DbSession, bulletin: Bulletin) -> Preview:
    people = bulletin_recipients(session, bulletin)
    waiting = {
        BulletinStatus.DRAFT: "it is a draft: choose when it goes.",
        BulletinStatus.CANCELLED: "it was cancelled.",
    }.get(bulletin.status)
    preview = Preview(bulletin.send_at if waiting is None else None, waiting, people)
    _render("bulletin", bulletin_context(bulletin, _sample(people)), preview)
    return preview
