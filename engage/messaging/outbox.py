"""Queueing email: render it, write it to the outbox in the caller's transaction, once.

This is the contract every feature that sends email uses (reminders, nudges, digests,
bulletins). Delivery (claiming due rows, sending, retrying) is a separate step
(delivery.py). Every queued message gets the one-click unsubscribe headers (RFC 8058) and a
footer with the unsubscribe link, added here so no template can forget them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app, render_template
from jinja2 import TemplateNotFound
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from engage.database import DbSession
from engage.messaging.models import OutboxMessage, OutboxStatus
from engage.messaging.suppression import why_not_send
from engage.messaging.unsubscribe import unsubscribe_url

log = logging.getLogger(__name__)


class EmailTemplateError(ValueError):
    """An email template is missing or failed to render; nothing was queued."""


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
    # The send it belongs to (engage.messaging.sends); a test send counts nowhere.
    send_ref: str | None = None
    is_test: bool = False


def render_email(template: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """Subject, text and HTML parts; the HTML part is optional (no .html template, no HTML).

    Raises EmailTemplateError naming the template and what went wrong.
    """
    try:
        subject = " ".join(render_template(f"email/{template}.subject", **context).split())
        text = render_template(f"email/{template}.txt", **context)
    except TemplateNotFound as exc:
        raise EmailTemplateError(
            f"Email template '{template}' is missing: add templates/email/{exc.name}."
        ) from exc
    except Exception as exc:  # noqa: BLE001 - any template error becomes one clear message
        raise EmailTemplateError(
            f"Email template '{template}' failed to render: {type(exc).__name__}: {exc}"
        ) from exc
    try:
        html = render_template(f"email/{template}.html", **context)
    except TemplateNotFound as exc:
        if exc.name != f"email/{template}.html":
            raise EmailTemplateError(
                f"Email template '{template}' includes a missing template: {exc.name}"
            ) from exc
        html = ""
    except Exception as exc:  # noqa: BLE001
        raise EmailTemplateError(
            f"Email template '{template}.html' failed to render: {type(exc).__name__}: {exc}"
        ) from exc
    if not subject:
        raise EmailTemplateError(f"Email template '{template}' rendered an empty subject.")
    return subject, text, html


def with_footer(text: str, html: str, unsubscribe: str) -> tuple[str, str]:
    """The shared footer (with the unsubscribe link) added to both parts."""
    text = text.rstrip() + "\n\n" + render_template("email/_footer.txt",
                                                    unsubscribe_url=unsubscribe)
    if html:
        footer = render_template("email/_footer.html", unsubscribe_url=unsubscribe)
        marker = html.lower().rfind("</body>")
        html = html[:marker] + footer + html[marker:] if marker >= 0 else html + footer
    return text, html


def unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe: mail clients POST to the URL with no cookie."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def queue_email(session: DbSession, email: Email, *, now: datetime) -> OutboxMessage | None:
    """Write one message to the outbox; None when its idempotency key was queued before.

    Runs in the caller's transaction (a savepoint guards the unique key), so the message
    exists exactly when whatever caused it is committed. A recipient who may not be emailed
    (do-not-email, unsubscribed, bounced ...) gets a row marked SUPPRESSED with the reason; an
    invalid address gets a row marked FAILED with the reason: both show on the outbox page
    and neither is ever sent. A template that fails raises EmailTemplateError.
    """
    from email_validator import EmailNotValidError, validate_email  # not at start-up

    if session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.idempotency_key == email.idempotency_key)
    ) is not None:
        return None
    subject, text, html = render_email(email.template, email.context)
    status, reason, address = OutboxStatus.QUEUED, "", email.to_email.strip()
    try:
        address = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        status, reason = OutboxStatus.FAILED, f"Invalid recipient address {address!r}: {exc}"
    else:
        refusal = why_not_send(session, address, email.contact_id)
        if refusal:
            status, reason = OutboxStatus.SUPPRESSED, refusal
    url = unsubscribe_url(session, current_app.config, address, now=now)
    text, html = with_footer(text, html, url)
    message = OutboxMessage(
        idempotency_key=email.idempotency_key,
        status=status,
        kind=email.kind,
        send_ref=email.send_ref,
        is_test=email.is_test,
        template=email.template,
        to_email=address[:254],
        to_name=email.to_name[:120],
        contact_id=email.contact_id,
        user_id=email.user_id,
        organisation_id=email.organisation_id,
        campaign_id=email.campaign_id,
        touchpoint_id=email.touchpoint_id,
        subject=subject[:300],
        text_body=text,
        html_body=html,
        headers=unsubscribe_headers(url),
        attachments=[a.__dict__ for a in email.attachments],
        send_after=email.send_after or now,
        last_error=reason,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        return None
    if reason:
        log.info("outbox %s for %s not to be sent: %s", message.id, email.kind, reason)
    return message


def withdraw(session: DbSession, *, now: datetime, reason: str, touchpoint_id: int | None = None,
             kind: str | None = None, key_prefix: str | None = None,
             ids: Iterable[int] | None = None) -> int:
    """Withdraw queued, not yet sent messages matching every filter given; returns how many.

    At least one of touchpoint_id, key_prefix or ids is required (kind only narrows). Rows
    already claimed by a delivery step ("sending") are left alone: they are on their way.
    Runs in the caller's transaction.
    """
    if touchpoint_id is None and not key_prefix and ids is None:
        raise ValueError("withdraw needs touchpoint_id, key_prefix or ids")
    conditions = [OutboxMessage.status == OutboxStatus.QUEUED]
    if touchpoint_id is not None:
        conditions.append(OutboxMessage.touchpoint_id == touchpoint_id)
    if kind:
        conditions.append(OutboxMessage.kind == kind)
    if key_prefix:
        escaped = key_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(OutboxMessage.idempotency_key.like(escaped + "%", escape="\\"))
    if ids is not None:
        id_list = list(ids)
        if not id_list:
            return 0
        conditions.append(OutboxMessage.id.in_(id_list))
    result = session.execute(
        update(OutboxMessage).where(*conditions)
        .values(status=OutboxStatus.WITHDRAWN, last_error=f"Withdrawn: {reason}"[:2000],
                updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


def withdraw_for_touchpoint(session: DbSession, touchpoint_id: int, *, now: datetime,
                            reason: str, kind: str | None = None) -> int:
    """Withdraw every queued message about a touchpoint (cancelled, deleted, rule removed)."""
    return withdraw(session, now=now, reason=reason, touchpoint_id=touchpoint_id, kind=kind)


def withdraw_by_key_prefix(session: DbSession, key_prefix: str, *, now: datetime,
                           reason: str) -> int:
    """Withdraw every queued message whose idempotency key starts with `key_prefix`."""
    return withdraw(session, now=now, reason=reason, key_prefix=key_prefix)
