"""Where a due message goes: SendGrid's v3 API, or the local mailbox table.

A backend takes plain `Outgoing` values and answers one `SendResult` per message; it never
touches outbox rows, so delivery.py alone decides what a result means for a row.
"""

from __future__ import annotations

import email.utils
import enum
import logging
import socket
import threading
import urllib.error
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import insert
from sqlalchemy.orm import Session

from engage.messaging.models import MailboxMessage

log = logging.getLogger(__name__)

# SendGrid's mail send takes at most 1,000 personalisations and 30 MB; we send one each.
SENDGRID_MAX_SEND_AT_AHEAD_SECONDS = 72 * 3600


class Outcome(enum.StrEnum):
    SENT = "sent"
    RETRY = "retry"  # 429, 5xx, timeout, connection refused
    PERMANENT = "permanent"  # 400 and other 4xx: sending again would fail the same way
    CONFIG = "config"  # 401/403: our key or account is wrong; stop and alert an administrator


@dataclass(frozen=True)
class Outgoing:
    """One message as the backend needs it."""

    outbox_id: int
    to_email: str
    to_name: str
    subject: str
    text_body: str
    html_body: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    attachments: Sequence[Mapping[str, str]] = ()
    campaign_id: int | None = None
    kind: str = ""


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    provider_message_id: str | None = None
    error: str = ""
    retry_after_seconds: float | None = None


class Backend(Protocol):
    name: str

    def send_many(self, session: Session, messages: Sequence[Outgoing], *,
                  now: datetime) -> list[SendResult]:
        """One result per message, in the same order."""
        ...


class MailboxBackend:
    """Stores messages in `mailbox_message`, in the delivery step's own transaction.

    Because the copy and the outbox row's "sent" commit together, the local mailbox receives
    each message exactly once however a process dies.
    """

    name = "mailbox"

    def __init__(self, mail_from: str) -> None:
        self.mail_from = mail_from

    def send_many(self, session: Session, messages: Sequence[Outgoing], *,
                  now: datetime) -> list[SendResult]:
        if not messages:
            return []
        session.execute(insert(MailboxMessage), [
            {
                "outbox_message_id": m.outbox_id,
                "from_email": self.mail_from,
                "to_email": m.to_email,
                "to_name": m.to_name,
                "subject": m.subject,
                "text_body": m.text_body,
                "html_body": m.html_body,
                "headers": dict(m.headers),
                "attachments": [dict(a) for a in m.attachments],
                "received_at": now,
            }
            for m in messages
        ])
        return [SendResult(Outcome.SENT, provider_message_id=f"mailbox-{m.outbox_id}")
                for m in messages]


def sendgrid_body(message: Outgoing, mail_from: str, *, send_at: int | None = None,
                  sandbox: bool = False) -> dict[str, Any]:
    """The v3 /mail/send request body for one message (SendGrid's published schema)."""
    personalisation: dict[str, Any] = {
        "to": [{"email": message.to_email, **({"name": message.to_name} if message.to_name
                                                else {})}],
        # Events for this message carry these back, so the webhook finds the row directly.
        "custom_args": {"outbox_id": str(message.outbox_id),
                        **({"campaign_id": str(message.campaign_id)}
                           if message.campaign_id is not None else {})},
    }
    if message.headers:
        personalisation["headers"] = {k: str(v) for k, v in message.headers.items()}
    content = [{"type": "text/plain", "value": message.text_body or " "}]
    if message.html_body:
        content.append({"type": "text/html", "value": message.html_body})
    body: dict[str, Any] = {
        "personalizations": [personalisation],
        "from": {"email": mail_from},
        "subject": message.subject,
        "content": content,
    }
    categories = [c for c in (
        f"campaign-{message.campaign_id}" if message.campaign_id is not None else "",
        message.kind,
    ) if c]
    if categories:
        body["categories"] = categories
    if message.attachments:
        body["attachments"] = [
            {"content": a["content_b64"], "filename": a["filename"], "type": a["content_type"],
             "disposition": "attachment"}
            for a in message.attachments
        ]
    if send_at is not None:
        body["send_at"] = send_at
    if sandbox:
        body["mail_settings"] = {"sandbox_mode": {"enable": True}}
    return body


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A Retry-After header as seconds from now: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class SendGridBackend:
    """Sends through the `sendgrid` library, each call with a timeout (it sets none itself)."""

    name = "sendgrid"

    def __init__(self, api_key: str, host: str, mail_from: str, *, timeout: float = 10.0,
                 concurrency: int = 4) -> None:
        self.api_key = api_key
        self.host = host.rstrip("/")
        self.mail_from = mail_from
        self.timeout = timeout
        self.concurrency = max(1, concurrency)
        # Results are committed after each group of this many sends.
        self.commit_every = self.concurrency
        self._local = threading.local()

    def _client(self) -> Any:
        # One client per thread: python-http-client mutates its header dict while sending.
        client = getattr(self._local, "client", None)
        if client is None:
            from sendgrid import SendGridAPIClient

            client = SendGridAPIClient(api_key=self.api_key, host=self.host)
            client.client.timeout = self.timeout
            self._local.client = client
        return client

    def send_one(self, message: Outgoing, now: datetime) -> SendResult:
        from python_http_client.exceptions import HTTPError

        body = sendgrid_body(message, self.mail_from)
        try:
            response = self._client().client.mail.send.post(request_body=body,
                                                            timeout=self.timeout)
        except HTTPError as exc:
            return self._http_error(exc, now)
        except TimeoutError as exc:
            return SendResult(Outcome.RETRY, error=f"SendGrid did not answer within "
                                                   f"{self.timeout:g} seconds ({exc})")
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                return SendResult(Outcome.RETRY, error=f"SendGrid did not answer within "
                                                       f"{self.timeout:g} seconds")
            return SendResult(Outcome.RETRY, error=f"Could not reach SendGrid: {reason}")
        except (ConnectionError, OSError) as exc:
            return SendResult(Outcome.RETRY, error=f"Could not reach SendGrid: {exc}")
        if response.status_code in (200, 202):
            message_id = response.headers.get("X-Message-Id") if response.headers else None
            return SendResult(Outcome.SENT, provider_message_id=message_id)
        return SendResult(Outcome.RETRY,
                          error=f"SendGrid answered {response.status_code} unexpectedly")

    @staticmethod
    def _http_error(exc: Any, now: datetime) -> SendResult:
        status = int(getattr(exc, "status_code", 0) or 0)
        raw = getattr(exc, "body", b"") or b""
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        detail = _error_messages(text)
        headers = getattr(exc, "headers", None)
        if status in (401, 403):
            return SendResult(Outcome.CONFIG, error=(
                f"SendGrid refused the API key ({status}): check SENDGRID_API_KEY and its "
                f"Mail Send permission. {detail}").strip())
        if status == 429:
            wait = retry_after_seconds(headers.get("Retry-After") if headers else None, now)
            return SendResult(Outcome.RETRY, error=f"SendGrid rate limit (429). {detail}".strip(),
                              retry_after_seconds=wait)
        if status >= 500 or status in (408,):
            return SendResult(Outcome.RETRY, error=f"SendGrid error {status}. {detail}".strip())
        return SendResult(Outcome.PERMANENT,
                          error=f"SendGrid rejected the message ({status}). {detail}".strip())

    def send_many(self, session: Session, messages: Sequence[Outgoing], *,
                  now: datetime) -> list[SendResult]:
        if len(messages) <= 1 or self.concurrency == 1:
            return [self.send_one(m, now) for m in messages]
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(lambda m: self.send_one(m, now), messages))


def _error_messages(body: str) -> str:
    """SendGrid's `errors[].message` texts, joined; the raw body (cut short) otherwise."""
    import json

    try:
        data = json.loads(body)
        messages = [e.get("message", "") for e in data.get("errors", []) if isinstance(e, dict)]
        joined = "; ".join(m for m in messages if m)
        if joined:
            return joined[:500]
    except (ValueError, AttributeError):
        pass
    return body[:300]


def backend_from_config(config: Mapping[str, Any]) -> MailboxBackend | SendGridBackend:
    """SendGrid when SENDGRID_API_KEY is set, otherwise the local mailbox."""
    mail_from = config.get("MAIL_FROM", "engage@example.org")
    if config.get("SENDGRID_API_KEY"):
        return SendGridBackend(
            config["SENDGRID_API_KEY"],
            config.get("SENDGRID_API_HOST", "https://api.sendgrid.com"),
            mail_from,
            timeout=float(config.get("SENDGRID_TIMEOUT_SECONDS", 10)),
            concurrency=int(config.get("SENDGRID_CONCURRENCY", 4)),
        )
    return MailboxBackend(mail_from)
