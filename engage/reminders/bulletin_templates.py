"""Saved bulletin templates: a subject and body to start a bulletin from.

A template is only a starting point: a bulletin made from one copies its words, so changing
or deleting the template later changes no bulletin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engage.audit.log import record_event
from engage.campaigns.models import Channel
from engage.database import DbSession
from engage.reminders.bulletins import BulletinFields, check_fields
from engage.reminders.errors import ReminderError
from engage.reminders.models import Bulletin, BulletinTemplate

NAME_LENGTH = 120


@dataclass
class TemplateFields:
    name: str
    subject: str
    body_markdown: str
    channel: Channel = Channel.EMAIL_BULLETIN


def _problems(fields: TemplateFields) -> list[str]:
    problems = []
    if not fields.name.strip():
        problems.append("Enter a name for the template.")
    elif len(fields.name.strip()) > NAME_LENGTH:
        problems.append(f"Keep the name to {NAME_LENGTH} characters or fewer.")
    problems += check_fields(BulletinFields(fields.subject, fields.body_markdown,
                                            fields.channel))
    return problems


def save_template(session: DbSession, fields: TemplateFields, user: Any, now: datetime,
                  template: BulletinTemplate | None = None) -> BulletinTemplate:
    """Create a template, or change one."""
    problems = _problems(fields)
    if problems:
        raise ReminderError(" ".join(problems))
    if template is None:
        template = BulletinTemplate(created_at=now, created_by_id=getattr(user, "id", None))
        session.add(template)
    template.name = fields.name.strip()
    template.subject = fields.subject.strip()
    template.body_markdown = fields.body_markdown
    template.channel = fields.channel
    template.updated_at = now
    session.flush()
    record_event(session, user, "reminders.template_save",
                 f"Saved the bulletin template {template.name!r}", target=template)
    return template


def template_from_bulletin(session: DbSession, bulletin: Bulletin, name: str, user: Any,
                           now: datetime) -> BulletinTemplate:
    """Save a bulletin's words as a new template."""
    return save_template(session, TemplateFields(name, bulletin.subject, bulletin.body_markdown,
                                                 bulletin.channel), user, now)


def delete_template(session: DbSession, template: BulletinTemplate, user: Any) -> None:
    """Delete it; the bulletins started from it keep their words."""
    record_event(session, user, "reminders.template_delete",
                 f"Deleted the bulletin template {template.name!r}", target=template)
    session.delete(template)
    session.flush()
