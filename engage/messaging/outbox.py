"""Queueing email: render it, write it to the outbox in the caller's transaction, once.

This is the contract every feature that sends email uses (reminders, nudges, digests,
bulletins). Delivery (claiming due rows, sending, retrying) is a separate step
(delivery.py). Every message gets a footer added here, so no template can forget it:
external messages (to outreach contacts) say why the contact gets them and carry the
unsubscribe link and the one-click unsubscribe headers (RFC 8058); internal ones (the digest,
alerts to staff users) say so and carry neither, since a staff member who unsubscribed that
way would suppress their own address and miss every alert meant for their work.

`queue_many` does a whole send at once: one query per check for the batch, each distinct
rendering made once, rows inserted in bulk. `queue_email` is a batch of one.
"""

from __future__ import annotations

import html as html_lib
import logging
import re
import secrets
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app, render_template
from jinja2 import TemplateNotFound, meta, nodes
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from engage.database import DbSession
from engage.messaging import tracking
from engage.messaging.bulk import bulk_insert
from engage.messaging.models import OutboxMessage, OutboxStatus
from engage.messaging.suppression import refusals_for
from engage.messaging.unsubscribe import token_ids_for, url_maker

log = logging.getLogger(__name__)

# Kinds sent to staff users rather than outreach contacts (see the module docstring).
INTERNAL_KINDS = frozenset({"digest", "alert"})
# Where the footer goes in the layout, and the unsubscribe link's place in a rendered footer.
FOOTER_MARK = "<!-- engage:footer -->"
URL_MARK = "@@unsubscribe-url@@"
# Keys, addresses or ids in one IN (...): far below SQLite's 32,766 and PostgreSQL's 65,535
# bound parameters.
CHUNK = 5000


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

    # False for messages whose links must read as written (an event's joining details).
    track_links: bool = True

    @property
    def internal(self) -> bool:
        """To a staff user (or a staff list such as DIGEST_RECIPIENTS), not a contact."""
        return self.user_id is not None or self.kind in INTERNAL_KINDS

    @property
    def footer_reason(self) -> str:
        """Why the recipient gets it, as the external footer says: "registration" for someone
        who signed up to an event, "" for outreach contacts."""
        return "registration" if self.kind == "registration" else ""


@dataclass
class Queued:
    """What `queue_many` did: how many rows of each status it wrote, and which were skipped."""

    counts: Counter[str] = field(default_factory=Counter)
    ids: list[int] = field(default_factory=list)  # of the rows written (asked for: with_ids)
    already: list[str] = field(default_factory=list)  # keys queued before (or twice in it)

    @property
    def queued(self) -> int:
        return self.counts[OutboxStatus.QUEUED.value]

    @property
    def written(self) -> int:
        return sum(self.counts.values())


# --- rendering ----------------------------------------------------------------------------------

# Inline styles for the layout's classes and the content's tags: mail clients drop <style>
# blocks and ignore classes, and the app's templates may not carry style attributes (the CSP
# test), so they are added to the rendered HTML here. Colours are the NHS palette: text
# #212b32 and links #005eb8 on white, white on #005eb8 (all at least 4.5:1).
FONT = "font-family:Arial,Helvetica,sans-serif;"
CLASS_STYLES = {
    "em-body": "margin:0;padding:0;background-color:#f0f4f5;",
    "em-outer": "background-color:#f0f4f5;border-collapse:collapse;",
    "em-outer-cell": "padding:16px 8px;",
    "em-container": "width:100%;max-width:600px;background-color:#ffffff;"
                    "border-collapse:collapse;",
    "em-header": FONT + "background-color:#005eb8;color:#ffffff;font-size:20px;"
                 "line-height:28px;font-weight:bold;padding:16px 24px;",
    "em-content": FONT + "padding:24px;font-size:16px;line-height:24px;color:#212b32;"
                  "overflow-wrap:break-word;word-wrap:break-word;word-break:break-word;",
    "em-footer": FONT + "padding:16px 24px 24px;border-top:1px solid #d8dde0;font-size:16px;"
                 "line-height:24px;color:#4c6272;",
    "em-footer-text": "margin:0 0 8px;font-size:16px;line-height:24px;color:#4c6272;",
    # The NHS green button: white on #007f3b (5.1:1), a big enough target to tap.
    "em-button": "display:inline-block;background-color:#007f3b;color:#ffffff;"
                 "font-weight:bold;font-size:18px;line-height:24px;padding:12px 20px;"
                 "text-decoration:none;border-radius:4px;border-bottom:4px solid #00401e;",
}
TAG_STYLES = {
    "p": "margin:0 0 16px;font-size:16px;line-height:24px;",
    # No top margins: inline styles cannot spare the first heading, and the block before a
    # heading leaves 16px already.
    "h1": "margin:0 0 16px;font-size:28px;line-height:36px;font-weight:bold;color:#212b32;",
    "h2": "margin:8px 0 12px;font-size:22px;line-height:30px;font-weight:bold;color:#212b32;",
    "h3": "margin:8px 0 8px;font-size:19px;line-height:28px;font-weight:bold;color:#212b32;",
    "h4": "margin:8px 0 8px;font-size:17px;line-height:24px;font-weight:bold;color:#212b32;",
    "a": "color:#005eb8;text-decoration:underline;",
    "ul": "margin:0 0 16px;padding-left:24px;",
    "ol": "margin:0 0 16px;padding-left:24px;",
    "li": "margin:0 0 8px;font-size:16px;line-height:24px;",
    "blockquote": "margin:0 0 16px;padding:0 0 0 16px;border-left:4px solid #005eb8;",
    "hr": "border:0;border-top:1px solid #d8dde0;margin:24px 0;",
    "th": "text-align:left;padding:8px;border-bottom:2px solid #d8dde0;",
    "td": "padding:8px;border-bottom:1px solid #d8dde0;vertical-align:top;",
}
_START_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)(\s[^<>]*?)?(/?)>")
_CLASS = re.compile(r"""\sclass\s*=\s*["']([^"']*)["']""")


def inline_styles(html: str) -> str:
    """Each start tag with its style from CLASS_STYLES (by class) or TAG_STYLES (by name)."""

    def styled(match: re.Match[str]) -> str:
        name, attrs, slash = match.group(1), match.group(2) or "", match.group(3)
        if re.search(r"\sstyle\s*=", attrs):
            return match.group(0)
        classes = _CLASS.search(attrs)
        style = "".join(CLASS_STYLES.get(c, "") for c in (classes.group(1).split()
                                                          if classes else ()))
        if not style and not (classes and classes.group(1).startswith("em-")):
            style = TAG_STYLES.get(name.lower(), "")
        if not style:
            return match.group(0)
        return f'<{name}{attrs} style="{style}"{slash}>'

    return _START_TAG.sub(styled, html)


_TAG_OR_TEXT = re.compile(r"(<!--.*?-->|<[^>]*>)", re.S)
_URL = re.compile(r"(?<![\w/@.=\-])((?:https?://|www\.)(?:(?!&(?:lt|gt|quot|#39|#x27);)"
                  r"[^\s<>\"'])+)", re.I)
_SKIP_INSIDE = {"a", "title", "style", "script", "head", "code", "pre"}


def _trim_url(url: str) -> tuple[str, str]:
    """A URL and the punctuation after it that is the sentence's, not the URL's."""
    tail = ""
    while url and (url[-1] in ".,;:!?'" or (url[-1] == ")" and url.count("(") < url.count(")"))):
        tail = url[-1] + tail
        url = url[:-1]
    return url, tail


def linkify(html: str) -> str:
    """Every URL written as text in the HTML made a link; text inside links left alone.

    Works on text nodes only (tags and comments pass through untouched), so an existing
    <a href> is never wrapped twice. Text nodes are already escaped, so a URL's `&amp;`
    is right as it stands in the href too.
    """
    parts = _TAG_OR_TEXT.split(html)
    open_skips: list[str] = []
    for index, part in enumerate(parts):
        if not part:
            continue
        if index % 2:  # a tag or comment
            tag = re.match(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)", part)
            if tag is not None and tag.group(2).lower() in _SKIP_INSIDE:
                name = tag.group(2).lower()
                if tag.group(1):
                    if name in open_skips:
                        del open_skips[len(open_skips) - 1 - open_skips[::-1].index(name)]
                elif not part.endswith("/>"):
                    open_skips.append(name)
            continue
        if open_skips or "://" not in part and "www." not in part.lower():
            continue

        def link(match: re.Match[str]) -> str:
            url, tail = _trim_url(match.group(1))
            href = url if url.lower().startswith("http") else "https://" + url
            if len(url) < 8:
                return match.group(0)
            return f'<a href="{href}">{url}</a>{tail}'

        parts[index] = _URL.sub(link, part)
    return "".join(parts)


_MD_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.M)
_MD_STRONG = re.compile(r"\*\*(\S(?:.*?\S)?)\*\*")
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)")
_MD_AUTOLINK = re.compile(r"<(https?://[^\s>]+)>")


def tidy_text(text: str) -> str:
    """The plain-text part as people read it: links written out, Markdown's marks gone (a
    bulletin's text part is its Markdown), headings underlined, no stray blank lines. Line
    ends become LF first: a browser sends a textarea's lines ended with CR LF."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _MD_HEADING.sub(lambda m: f"{m.group(1)}\n{'-' * len(m.group(1))}", text)
    text = _MD_STRONG.sub(r"\1", text)
    text = _MD_LINK.sub(lambda m: m.group(1) if m.group(1) == m.group(2)
                        else f"{m.group(1)} ({m.group(2)})", text)
    text = _MD_AUTOLINK.sub(r"\1", text)
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return text + "\n"


def _layout_context(context: Mapping[str, Any]) -> dict[str, Any]:
    return {"service_name": current_app.config.get("MAIL_FROM_NAME")
            or "Occupational health outreach", **context}


def render_email(template: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """Subject, text and HTML parts; the HTML part is optional (no .html template, no HTML).

    The HTML part has the layout's inline styles and every URL as a link; the text part is
    tidied. No footer yet (queueing adds it). Raises EmailTemplateError naming the template
    and what went wrong.
    """
    context = _layout_context(context)
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
    return subject, tidy_text(text), inline_styles(linkify(html)) if html else ""


def footers(internal: bool, reason: str = "") -> tuple[str, str]:
    """The footer's text and HTML, the unsubscribe link (external only) as URL_MARK."""
    name = "_footer_internal" if internal else "_footer"
    context = _layout_context({"unsubscribe_url": URL_MARK, "reason": reason})
    return (render_template(f"email/{name}.txt", **context).strip("\n"),
            inline_styles(render_template(f"email/{name}.html", **context)))


def framed(text: str, html: str, parts: tuple[str, str]) -> tuple[str, str]:
    """Both parts with the footer (`footers`) in place, its link still URL_MARK."""
    footer_text, footer_html = parts
    text = text.rstrip() + "\n\n" + footer_text + "\n"
    if html:
        if FOOTER_MARK in html:
            html = html.replace(FOOTER_MARK, footer_html, 1)
        else:
            marker = html.lower().rfind("</body>")
            html = html[:marker] + footer_html + html[marker:] if marker >= 0 \
                else html + footer_html
    return text, html


def with_footer(text: str, html: str, unsubscribe: str | None) -> tuple[str, str]:
    """The footer added to both parts: external with its unsubscribe link, or internal (None)."""
    text, html = framed(text, html, footers(unsubscribe is None))
    if unsubscribe is not None:
        text = text.replace(URL_MARK, unsubscribe)
        html = html.replace(URL_MARK, html_lib.escape(unsubscribe))
    return text, html


def as_sent(template: str, context: Mapping[str, Any], *, internal: bool = False,
            unsubscribe: str = "") -> tuple[str, str, str]:
    """Subject, text and HTML exactly as queueing writes them, footer included: for previews.

    `unsubscribe` stands for the recipient's own link (a preview has no recipient to make
    one for); links are not tracked here, since tracking makes short links.
    """
    subject, text, html = render_email(template, context)
    base = str(current_app.config.get("PUBLIC_BASE_URL", "")).rstrip("/")
    text, html = with_footer(text, html, None if internal else
                             unsubscribe or f"{base}/unsubscribe/example")
    return subject, text, html


def unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe: mail clients POST to the URL with no cookie."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


# --- rendering once per distinct context --------------------------------------------------------

_PLAIN = (str, int, float, bool, type(None), datetime, date, Decimal)


def _template_names(env: Any, name: str, seen: set[str]) -> Iterator[nodes.Template]:
    if name in seen:
        return
    seen.add(name)
    try:
        source = env.loader.get_source(env, name)[0]
    except TemplateNotFound:
        return
    tree = env.parse(source)
    yield tree
    for child in meta.find_referenced_templates(tree):
        if child is not None:
            yield from _template_names(env, child, seen)


_USED_NAMES: weakref.WeakKeyDictionary[Any, dict[str, frozenset[str] | None]] = \
    weakref.WeakKeyDictionary()


def used_names(template: str) -> frozenset[str] | None:
    """The context names a template's parts (and what they extend or include) read.

    None when it cannot be told (a template named by a variable): then every name counts.
    Parsing takes longer than rendering, so the answer is kept per Jinja environment unless
    it reloads changed templates (development).
    """
    env = current_app.jinja_env
    known = None if env.auto_reload else _USED_NAMES.setdefault(env, {})
    if known is not None and template in known:
        return known[template]
    found = _read_names(env, template)
    if known is not None:
        known[template] = found
    return found


def _read_names(env: Any, template: str) -> frozenset[str] | None:
    names: set[str] = set()
    seen: set[str] = set()
    for part in ("subject", "txt", "html"):
        for tree in _template_names(env, f"email/{template}.{part}", seen):
            if any(child is None for child in meta.find_referenced_templates(tree)):
                return None
            names |= meta.find_undeclared_variables(tree)
    return frozenset(names)


def _fingerprint(value: Any) -> Any:
    # Equal plain values render alike; any other value by identity (the same object in every
    # recipient's context, such as the bulletin, renders once; a per-recipient one each time).
    if isinstance(value, _PLAIN):
        return (type(value).__name__, value)
    return ("id", id(value))


def render_key(template: str, context: Mapping[str, Any],
               names: frozenset[str] | None) -> tuple[Any, ...]:
    keys = sorted(context) if names is None else sorted(n for n in names if n in context)
    return (template, *((k, _fingerprint(context[k])) for k in keys))


# --- queueing -----------------------------------------------------------------------------------


def chunked(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def existing_keys(session: DbSession, keys: Sequence[str]) -> set[str]:
    """Which idempotency keys are in the outbox already: one query per CHUNK keys."""
    found: set[str] = set()
    for part in chunked(keys):
        found.update(session.scalars(
            select(OutboxMessage.idempotency_key).where(OutboxMessage.idempotency_key.in_(part))))
    return found


_SIMPLE_ADDRESS = re.compile(
    r"([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)@([A-Za-z0-9.-]+)")


class AddressCheck:
    """email-validator's verdict on each address, worked out once per address and domain.

    Its domain check (IDNA, character by character) is most of its cost and is the same for
    every address at that domain, so after one full check of a domain, a plain ASCII address
    there (a dot-atom local part, which the validator keeps as it is) is answered from the
    cache with the same result; anything else gets the full check.
    """

    def __init__(self) -> None:
        self.seen: dict[str, tuple[str, str]] = {}
        self.domains: dict[str, str] = {}  # domain as written -> as normalised

    def __call__(self, raw: str) -> tuple[str, str]:
        """(normalised address, "") or (the address as given, why it is invalid)."""
        hit = self.seen.get(raw)
        if hit is not None:
            return hit
        address = raw.strip()
        simple = _SIMPLE_ADDRESS.fullmatch(address)
        domain = self.domains.get(simple.group(2)) if simple else None
        if simple and domain and len(simple.group(1)) <= 64 \
                and len(simple.group(1)) + 1 + len(domain) <= 254:
            hit = (f"{simple.group(1)}@{domain}", "")
        else:
            from email_validator import EmailNotValidError, validate_email  # not at start-up

            try:
                valid = validate_email(address, check_deliverability=False)
            except EmailNotValidError as exc:
                hit = (address, f"Invalid recipient address {address!r}: {exc}")
            else:
                hit = (valid.normalized, "")
                if simple and valid.normalized == f"{simple.group(1)}@{valid.domain}":
                    self.domains[simple.group(2)] = valid.domain
        self.seen[raw] = hit
        return hit


def queue_many(session: DbSession, emails: Sequence[Email], *, now: datetime,
               with_ids: bool = False) -> Queued:
    """Write a batch of messages to the outbox, each idempotency key once; what it did.

    The same rules as `queue_email`, for a whole send at once: one query per check, each
    distinct rendering made once, the tracked links made once per send and rendering, rows
    inserted in bulk. A key queued before, or earlier in the batch, is skipped. Runs in the
    caller's transaction; if a template fails, EmailTemplateError and nothing is written.
    The new rows' ids are looked up only `with_ids` (one more query a 5,000 rows).
    Renderings are shared by the values the templates read: plain values (text, numbers,
    dates) by value, other objects by identity, so build each recipient's context with its
    own objects and do not change a shared one while the batch is being built.
    """
    result = Queued()
    if not emails:
        return result
    keys_done = existing_keys(session, [e.idempotency_key for e in emails])
    batch: list[Email] = []
    for email in emails:
        if email.idempotency_key in keys_done:
            result.already.append(email.idempotency_key)
            continue
        keys_done.add(email.idempotency_key)
        batch.append(email)
    if not batch:
        return result

    # Render everything before writing anything: a template error leaves no trace.
    names: dict[str, frozenset[str] | None] = {}
    rendered: dict[tuple[Any, ...], tuple[str, str, str]] = {}
    renders: list[tuple[str, str, str]] = []
    for email in batch:
        if email.template not in names:
            # A batch of one shares nothing: no need to know what its templates read.
            names[email.template] = used_names(email.template) if len(batch) > 1 else None
        key = render_key(email.template, email.context, names[email.template])
        parts = rendered.get(key)
        if parts is None:
            parts = rendered[key] = render_email(email.template, email.context)
        renders.append(parts)

    check = AddressCheck()
    addresses = [check(e.to_email) for e in batch]
    refusals = refusals_for(session, [(a, e.contact_id) for (a, _), e in zip(addresses, batch,
                                                                               strict=True)])
    external = sorted({a for (a, _), e in zip(addresses, batch, strict=True) if not e.internal})
    unsubscribe_for = url_maker(session, current_app.config,
                                token_ids_for(session, external, now=now), now=now)
    footer_parts: dict[tuple[bool, str], tuple[str, str]] = {}

    # Tracked links: once per send and rendering, then each message its own click token.
    # Each rendering once: its links tracked (once per send), then framed by its footer.
    ready: dict[tuple[int, str | None, tuple[bool, str]], tuple[str, str]] = {}
    rows: list[dict[str, Any]] = []
    for email, parts, (address, invalid), refusal in zip(
            batch, renders, addresses, refusals, strict=True):
        subject, text, html = parts
        track = (email.send_ref if email.send_ref and email.track_links and not email.is_test
                 else None)
        footer = (email.internal, email.footer_reason)
        ready_key = (id(parts), track, footer)
        done = ready.get(ready_key)
        if done is None:
            if track is not None:
                text, html = tracking.tracked_parts(session, send_ref=track, text=text,
                                                    html=html, now=now)
            if footer not in footer_parts:
                footer_parts[footer] = footers(*footer)
            done = ready[ready_key] = framed(text, html, footer_parts[footer])
        text, html = done
        status, reason = OutboxStatus.QUEUED, ""
        if invalid:
            status, reason = OutboxStatus.FAILED, invalid
        elif refusal:
            status, reason = OutboxStatus.SUPPRESSED, refusal
        url = None if email.internal else unsubscribe_for(address)
        if url is not None:
            text = text.replace(URL_MARK, url)
            html = html.replace(URL_MARK, html_lib.escape(url))
        click_token = secrets.token_urlsafe(12)
        if tracking.TOKEN_MARK in text or tracking.TOKEN_MARK in html:
            text = text.replace(tracking.TOKEN_MARK, click_token)
            html = html.replace(tracking.TOKEN_MARK, click_token)
        rows.append({
            "idempotency_key": email.idempotency_key,
            "status": status,
            "kind": email.kind,
            "send_ref": email.send_ref,
            "is_test": email.is_test,
            "click_token": click_token,
            "template": email.template,
            "to_email": address[:254],
            "to_name": email.to_name[:120],
            "contact_id": email.contact_id,
            "user_id": email.user_id,
            "organisation_id": email.organisation_id,
            "campaign_id": email.campaign_id,
            "touchpoint_id": email.touchpoint_id,
            "subject": subject[:300],
            "text_body": text,
            "html_body": html,
            "headers": unsubscribe_headers(url) if url is not None else {},
            "attachments": [a.__dict__ for a in email.attachments],
            "send_after": email.send_after or now,
            "attempts": 0,
            "last_error": reason,
            "event_status": "",
            "created_at": now,
            "updated_at": now,
        })
    _insert(session, rows, result, with_ids=with_ids)
    # Counts only: reasons name addresses, which stay out of the logs.
    log.info("queued %s messages (%s) for %s: %s", result.written,
             ", ".join(sorted({e.kind or "-" for e in batch})), batch[0].send_ref or "-",
             dict(result.counts))
    return result


def _insert(session: DbSession, rows: list[dict[str, Any]], result: Queued, *,
            with_ids: bool) -> None:
    """All rows in one bulk insert; if another transaction queued one of the keys meanwhile
    (the unique key refuses it), row by row, each in a savepoint, skipping those."""
    try:
        with session.begin_nested():
            bulk_insert(session, OutboxMessage.__table__, rows)
    except IntegrityError:
        written = []
        for row in rows:
            try:
                with session.begin_nested():
                    bulk_insert(session, OutboxMessage.__table__, [row])
            except IntegrityError:
                result.already.append(row["idempotency_key"])
                continue
            written.append(row)
        rows = written
    ids: dict[str, int] = {}
    for part in chunked(rows) if with_ids else ():
        ids.update(session.execute(
            select(OutboxMessage.idempotency_key, OutboxMessage.id).where(
                OutboxMessage.idempotency_key.in_([r["idempotency_key"] for r in part])))
            .all())
    for row in rows:
        result.counts[row["status"].value] += 1
        if with_ids:
            result.ids.append(ids[row["idempotency_key"]])



def queue_email(session: DbSession, email: Email, *, now: datetime) -> OutboxMessage | None:
    """Write one message to the outbox; None when its idempotency key was queued before.

    Runs in the caller's transaction (a savepoint guards the unique key), so the message
    exists exactly when whatever caused it is committed. A recipient who may not be emailed
    (do-not-email, unsubscribed, bounced ...) gets a row marked SUPPRESSED with the reason; an
    invalid address gets a row marked FAILED with the reason: both show on the outbox page
    and neither is ever sent. A template that fails raises EmailTemplateError.
    """
    done = queue_many(session, [email], now=now, with_ids=True)
    if not done.ids:
        return None
    return session.get(OutboxMessage, done.ids[0])


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
