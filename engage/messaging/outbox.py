"""Queueing email: render it, write it to the outbox in the caller's transaction, once.

This is the contract every feature that sends email uses (reminders, nudges, digests,
bulletins). Delivery (claiming due rows, sending, retrying) is a separate step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import render_template
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engage.messaging.models import OutboxMessage, OutboxStatus


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content_b64: str


@dataclass
class Email:
    """What to send to whom; rendered from templates/email/<template>.subject|.txt|.html."""

    idempotency_key: str
    to_email: str
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    send_after: datetime | None = None
    kind: str = ""
    to_name: str = ""
    contact_id: int | None = None
    user_id: int | None = None
    organisation_id: int | None = None
    campaign_id: int | None = None
    touchpoint_id: int | None = None
    attachments: Iterable[Attachment] = ()


def render_email(template: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """Subject, text and HTML parts; the HTML part is optional (no .html template, no HTML)."""
    subject = " ".join(render_template(f"email/{template}.subject", **context).split())
    text = render_template(f"email/{template}.txt", **context)
    try:
        html = render_template(f"email/{template}.html", **context)
    except Exception as exc:  # noqa: BLE001 - only a missing template is optional
        from jinja2 import TemplateNotFound

        if not isinstance(exc, TemplateNotFound):
            raise
        html = ""
    return subject, text, html


def queue_email(session: Session, email: Email, *, now: datetime) -> OutboxMessage | None:
    """Write one message to the outbox; None when its idempotency key was queued before.

    Runs in the caller's transaction (a savepoint guards the unique key), so the message
    exists exactly when whatever caused it is committed.
    """
    if session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.idempotency_key == email.idempotency_key)
    ) is not None:
        return None
    subject, text, html = render_email(email.template, email.context)
    message = OutboxMessage(
        idempotency_key=email.idempotency_key,
        status=OutboxStatus.QUEUED,
        kind=email.kind,
        template=email.template,
        to_email=email.to_email,
        to_name=email.to_name,
        contact_id=email.contact_id,
        user_id=email.user_id,
        organisation_id=email.organisation_id,
        campaign_id=email.campaign_id,
        touchpoint_id=email.touchpoint_id,
        subject=subject,
        text_body=text,
        html_body=html,
        headers={},
        attachments=[a.__dict__ for a in email.attachments],
        send_after=email.send_after or now,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        return None
    return message
