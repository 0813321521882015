"""Where a due message goes: SendGrid's v3 API, or the local mailbox table.

A backend takes plain `Outgoing` values and answers one `SendResult` per message; it never
touches outbox rows, so delivery.py alone decides what a result means for a row.
"""

from __future__ import annotations

import email.utils
import enum
import json
import logging
import queue
import socket
import threading
import time
import urllib.error
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import insert

from engage.database import DbSession
from engage.messaging.models import MailboxMessage

log = logging.getLogger(__name__)

# SendGrid's mail send takes at most 1,000 personalisations and 30 MB a request.
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
    click_token: str = ""  # in the message's tracked links (engage.messaging.tracking)


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    provider_message_id: str | None = None
    error: str = ""
    retry_after_seconds: float | None = None


class Backend(Protocol):
    name: str

    def send_iter(self, session: DbSession, messages: Sequence[Outgoing], *,
                  now: datetime) -> Iterator[list[tuple[int, SendResult]]]:
        """Results as each request completes: (index into `messages`, result) pairs.

        The delivery step records and commits each yielded group at once, and a thread sends
        its next request only after that, so a process killed mid-batch has
        sent-but-unrecorded at most the requests in flight: one per sending thread.
        """
        ...


class MailboxBackend:
    """Stores messages in `mailbox_message`, in the delivery step's own transaction.

    Because the copy and the outbox row's "sent" commit together, the local mailbox receives
    each message exactly once however a process dies.
    """

    name = "mailbox"
    max_attempts = 8

    def __init__(self, mail_from: str, from_name: str = "", reply_to: str = "") -> None:
        self.mail_from = mail_from
        self.from_name = from_name
        self.reply_to = reply_to

    def send_many(self, session: DbSession, messages: Sequence[Outgoing], *,
                  now: datetime) -> list[SendResult]:
        if not messages:
            return []
        # Stored as the From header reads ("Name <address>"); Reply-To among the headers.
        sender = email.utils.formataddr((self.from_name, self.mail_from))[:254]
        extra = {"Reply-To": self.reply_to} if self.reply_to else {}
        session.execute(insert(MailboxMessage), [
            {
                "outbox_message_id": m.outbox_id,
                "from_email": sender,
                "to_email": m.to_email,
                "to_name": m.to_name,
                "subject": m.subject,
                "text_body": m.text_body,
                "html_body": m.html_body,
                "headers": {**dict(m.headers), **extra},
                "attachments": [dict(a) for a in m.attachments],
                "received_at": now,
            }
            for m in messages
        ])
        return [SendResult(Outcome.SENT, provider_message_id=f"mailbox-{m.outbox_id}")
                for m in messages]

    def send_iter(self, session: DbSession, messages: Sequence[Outgoing], *,
                  now: datetime) -> Iterator[list[tuple[int, SendResult]]]:
        # Rows and results commit together, so one group per batch is exactly-once anyway.
        yield list(enumerate(self.send_many(session, messages, now=now)))


UNSUBSCRIBE_TAG = "%engage_unsubscribe_url%"
CLICK_TAG = "%engage_click_token%"


def _personalisation(message: Outgoing, substitutions: dict[str, str] | None = None
                     ) -> dict[str, Any]:
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
    if substitutions:
        personalisation["substitutions"] = substitutions
    return personalisation


def _unsubscribe_url(message: Outgoing) -> str:
    return str(message.headers.get("List-Unsubscribe", "")).strip("<>")


def _substitutions(message: Outgoing) -> dict[str, str]:
    found = {UNSUBSCRIBE_TAG: _unsubscribe_url(message)}
    if message.click_token:
        found[CLICK_TAG] = message.click_token
    return found


def shared_form(message: Outgoing) -> tuple[str, str, str] | None:
    """Subject, text and HTML with the recipient's unsubscribe link and click token (in the
    tracked links) as substitution tags.

    Messages whose shared forms (and attachments, campaign, kind) are equal differ only in
    recipient, headers, custom_args, that link and that token, so SendGrid can take them in
    one request with one personalisation each. None when the message cannot be shared that
    way.
    """
    url = _unsubscribe_url(message)
    text, html = message.text_body, message.html_body
    if not url or any(tag in text or tag in html for tag in (UNSUBSCRIBE_TAG, CLICK_TAG)):
        return None
    text, html = text.replace(url, UNSUBSCRIBE_TAG), html.replace(url, UNSUBSCRIBE_TAG)
    if message.click_token:
        text = text.replace(message.click_token, CLICK_TAG)
        html = html.replace(message.click_token, CLICK_TAG)
    return message.subject, text, html


def sendgrid_body(message: Outgoing | Sequence[Outgoing], mail_from: str, *,
                  send_at: int | None = None, sandbox: bool = False, from_name: str = "",
                  reply_to: str = "") -> dict[str, Any]:
    """The v3 /mail/send request body (SendGrid's published schema).

    One message, or several that share a form (`shared_form`): then each gets its own
    personalisation, its unsubscribe link as a substitution.
    """
    messages = [message] if isinstance(message, Outgoing) else list(message)
    first = messages[0]
    if len(messages) == 1:
        subject, text, html = first.subject, first.text_body, first.html_body
        personalisations = [_personalisation(first)]
    else:
        form = shared_form(first)
        assert form is not None
        subject, text, html = form
        personalisations = [_personalisation(m, _substitutions(m)) for m in messages]
    content = [{"type": "text/plain", "value": text or " "}]
    if html:
        content.append({"type": "text/html", "value": html})
    body: dict[str, Any] = {
        "personalizations": personalisations,
        "from": {"email": mail_from, **({"name": from_name} if from_name else {})},
        "subject": subject,
        "content": content,
    }
    if reply_to:
        body["reply_to"] = {"email": reply_to}
    categories = [c for c in (
        f"campaign-{first.campaign_id}" if first.campaign_id is not None else "",
        first.kind,
    ) if c]
    if categories:
        body["categories"] = categories
    if first.attachments:
        body["attachments"] = [
            {"content": a["content_b64"], "filename": a["filename"], "type": a["content_type"],
             "disposition": "attachment"}
            for a in first.attachments
        ]
    if send_at is not None:
        if send_at > int(time.time()) + SENDGRID_MAX_SEND_AT_AHEAD_SECONDS:
            raise ValueError("SendGrid's send_at may be at most 72 hours ahead")
        body["send_at"] = send_at
    if sandbox:
        body["mail_settings"] = {"sandbox_mode": {"enable": True}}
    return body


def batches(messages: Sequence[Outgoing], size: int) -> list[list[int]]:
    """Indexes of `messages` grouped into requests: those sharing a form together."""
    groups: dict[Any, list[int]] = {}
    units: list[list[int]] = []
    for index, message in enumerate(messages):
        form = shared_form(message) if size > 1 else None
        if form is None:
            units.append([index])
            continue
        key = (form, json.dumps(list(message.attachments), sort_keys=True),
               message.campaign_id, message.kind)
        group = groups.setdefault(key, [])
        group.append(index)
        if len(group) >= size:
            units.append(group)
            del groups[key]
    units.extend(groups.values())
    return units


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
    max_attempts = 8

    def __init__(self, api_key: str, host: str, mail_from: str, *, timeout: float = 10.0,
                 concurrency: int = 4, batch_size: int = 50, from_name: str = "",
                 reply_to: str = "") -> None:
        self.api_key = api_key
        self.host = host.rstrip("/")
        self.mail_from = mail_from
        self.from_name = from_name
        self.reply_to = reply_to
        self.timeout = timeout
        self.concurrency = max(1, concurrency)
        # Messages that share a form go in one request, one personalisation each (<= 1,000).
        self.batch_size = max(1, min(batch_size, 1000))
        self.commit_every = 1000
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

    def send_one(self, message: Outgoing | Sequence[Outgoing], now: datetime) -> SendResult:
        """One request (one message, or several sharing a form); one result for all."""
        from python_http_client.exceptions import HTTPError

        body = sendgrid_body(message, self.mail_from, from_name=self.from_name,
                             reply_to=self.reply_to)
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

    def _send_unit(self, messages: Sequence[Outgoing], unit: list[int], now: datetime,
                   stop: threading.Event) -> list[tuple[int, SendResult]]:
        if stop.is_set():
            # Delivery paused meanwhile: give the rows back untried.
            skipped = SendResult(Outcome.CONFIG, error="Not tried: delivery paused.")
            return [(i, skipped) for i in unit]
        result = self.send_one([messages[i] for i in unit], now)
        if result.outcome is Outcome.PERMANENT and len(unit) > 1:
            # One bad message must not fail the others: send them one by one.
            return [(i, self.send_one(messages[i], now)) for i in unit]
        if result.outcome is Outcome.CONFIG:
            stop.set()
        return [(i, result) for i in unit]

    def send_iter(self, session: DbSession, messages: Sequence[Outgoing], *,
                  now: datetime) -> Iterator[list[tuple[int, SendResult]]]:
        """One group per request, each yielded as it completes; a sending thread makes its
        next request only once the caller has come back for the next group, that is, once it
        has committed this one. So a process killed at any moment has sent without recording
        at most the requests then in flight, one per thread."""
        units = batches(messages, self.batch_size)
        stop = threading.Event()
        if self.concurrency == 1 or len(units) == 1:
            for unit in units:
                yield self._send_unit(messages, unit, now, stop)
            return
        finished: queue.Queue[tuple[list[tuple[int, SendResult]] | BaseException,
                                    threading.Event]] = queue.Queue()
        guard = threading.Lock()
        closed = threading.Event()

        def work(unit: list[int]) -> None:
            try:
                outcome: list[tuple[int, SendResult]] | BaseException = \
                    self._send_unit(messages, unit, now, stop)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                outcome = exc
            recorded = threading.Event()
            with guard:
                if closed.is_set():
                    return
                finished.put((outcome, recorded))
            recorded.wait()

        pool = ThreadPoolExecutor(max_workers=self.concurrency)
        for unit in units:
            pool.submit(work, unit)
        try:
            for _ in units:
                outcome, recorded = finished.get()
                try:
                    if isinstance(outcome, BaseException):
                        raise outcome
                    yield outcome
                finally:
                    recorded.set()
        finally:
            # The caller stopped early (an error, a lost database): send nothing more.
            stop.set()
            with guard:
                closed.set()
                while not finished.empty():
                    finished.get_nowait()[1].set()
            pool.shutdown(wait=True, cancel_futures=True)

    def send_many(self, session: DbSession, messages: Sequence[Outgoing], *,
                  now: datetime) -> list[SendResult]:
        results: dict[int, SendResult] = {}
        for group in self.send_iter(session, messages, now=now):
            results.update(group)
        return [results[i] for i in range(len(messages))]


def _error_messages(body: str) -> str:
    """SendGrid's `errors[].message` texts, joined; the raw body (cut short) otherwise."""

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
    from_name = str(config.get("MAIL_FROM_NAME", ""))
    reply_to = str(config.get("MAIL_REPLY_TO", ""))
    backend: MailboxBackend | SendGridBackend
    if config.get("SENDGRID_API_KEY"):
        backend = SendGridBackend(
            config["SENDGRID_API_KEY"],
            config.get("SENDGRID_API_HOST", "https://api.sendgrid.com"),
            mail_from,
            timeout=float(config.get("SENDGRID_TIMEOUT_SECONDS", 10)),
            concurrency=int(config.get("SENDGRID_CONCURRENCY", 4)),
            batch_size=int(config.get("SENDGRID_BATCH_SIZE", 50)),
            from_name=from_name, reply_to=reply_to,
        )
    else:
        backend = MailboxBackend(mail_from, from_name, reply_to)
    backend.max_attempts = int(config.get("OUTBOX_MAX_ATTEMPTS", 8))
    return backend
