"""Tracked links in emails: each outbound URL of a send becomes one of engage's short links.

`tracked_parts` is called once per send (or per batch of it) with the rendered parts; it
returns them with every URL to be tracked replaced by the short link's address followed by
`?m=` and `TOKEN_MARK`, which queueing replaces with each message's own `click_token`.

Tracked: absolute http(s) URLs in the HTML part's `<a href>` and in the text part. Left as
they are: mailto/tel and other schemes, engage's own unsubscribe and cancel links (personal,
and a person must land on them directly), links that already are engage short links, URLs
holding a placeholder (`@@...@@`, filled in per recipient later), URLs longer than
MAX_URL_LENGTH, and any distinct URL past the first MAX_LINKS of a send.

One link per distinct URL per send (medium EMAIL, `send_ref`, `target_url`): a send queued
in several batches finds the links its first batch made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from html import escape
from html.parser import HTMLParser
from urllib.parse import urlsplit

from sqlalchemy import func, select

from engage.database import DbSession
from engage.links.codes import new_code
from engage.links.models import Medium, ShortLink

# Stands where a message's click token goes; never a valid token (tokens are URL-safe base64).
TOKEN_MARK = "@@click-token@@"  # noqa: S105 - a placeholder, not a secret
MAX_LINKS = 50  # distinct URLs tracked per send; later ones stay as written
MAX_URL_LENGTH = 2000
SHORT_PATH = "q"  # the scan endpoint's path, /q/<code> (engage.links.views.scan)
# Paths on engage's own address that must never be wrapped: personal, token-bearing pages.
OWN_UNTRACKED = ("/unsubscribe", "/cancel", "/register/cancel")

# A URL in plain text: up to whitespace or a character that cannot end one in prose.
_TEXT_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?*_"


def tracked_url(base_url: str, code: str) -> str:
    """A tracked link as it goes into an email, with the token still to be filled in."""
    return f"{base_url.rstrip('/')}/{SHORT_PATH}/{code}?m={TOKEN_MARK}"


def tracked_parts(session: DbSession, *, send_ref: str, text: str, html: str,
                  now: datetime, base_url: str | None = None) -> tuple[str, str]:
    """The text and HTML parts with their links tracked (see the module docstring).

    `base_url` is PUBLIC_BASE_URL; read from the app's config when not given.
    """
    if base_url is None:
        from flask import current_app

        base_url = str(current_app.config["PUBLIC_BASE_URL"])
    base = base_url.rstrip("/")
    anchors = _anchors(html) if html else []
    text_urls = [(start, end, url) for start, end, url in _text_urls(text)]
    wanted: list[str] = []
    for url in [a.url for a in anchors] + [u for _, _, u in text_urls]:
        if url not in wanted and trackable(url, base):
            wanted.append(url)
    if not wanted:
        return text, html
    codes = _links_for(session, send_ref, wanted, now)
    return (_replace_text(text, text_urls, codes, base),
            _replace_html(html, anchors, codes, base))


def trackable(url: str, base_url: str) -> bool:
    """Whether a URL is one a send tracks."""
    if len(url) > MAX_URL_LENGTH or "@@" in url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return False
    own = urlsplit(base_url)
    if parts.netloc.lower() == own.netloc.lower():
        path = parts.path[len(own.path.rstrip("/")):] if parts.path.startswith(
            own.path.rstrip("/")) else parts.path
        if path.startswith(f"/{SHORT_PATH}/") or any(mark in path for mark in OWN_UNTRACKED):
            return False
    return True


def _links_for(session: DbSession, send_ref: str, urls: list[str],
               now: datetime) -> dict[str, str]:
    """The code of each URL's link for this send, made for the URLs that have none yet."""
    codes = {str(url): code for url, code in session.execute(
        select(ShortLink.target_url, ShortLink.code).where(
            ShortLink.send_ref == send_ref, ShortLink.medium == Medium.EMAIL,
            ShortLink.target_url.in_(urls)))}
    missing = [url for url in urls if url not in codes]
    if not missing:
        return codes
    # The bound is per send, across its batches: a later batch adds only what is left of it.
    made = session.scalar(select(func.count()).select_from(ShortLink).where(
        ShortLink.send_ref == send_ref, ShortLink.medium == Medium.EMAIL)) or 0
    missing = missing[:max(0, MAX_LINKS - made)]
    if not missing:
        return codes
    fresh = _unused_codes(session, len(missing))
    for url, code in zip(missing, fresh, strict=True):
        session.add(ShortLink(code=code, service_id=None, medium=Medium.EMAIL,
                              target_url=url, send_ref=send_ref, created_at=now))
        codes[url] = code
    session.flush()
    return codes


def _unused_codes(session: DbSession, count: int) -> list[str]:
    """`count` fresh codes, checked against the table in one query per round."""
    chosen: list[str] = []
    for _ in range(20):
        candidates = {new_code() for _ in range(count - len(chosen))} - set(chosen)
        taken = set(session.scalars(select(ShortLink.code).where(ShortLink.code.in_(candidates))))
        chosen.extend(sorted(candidates - taken))
        if len(chosen) >= count:
            return chosen[:count]
    raise RuntimeError("Could not find unused short codes")  # pragma: no cover


# --- the text part -----------------------------------------------------------------------------


def _text_urls(text: str) -> Iterable[tuple[int, int, str]]:
    """Each URL in the text with its span; trailing prose punctuation is not part of it."""
    for match in _TEXT_URL.finditer(text):
        url = match.group(0)
        while url and (url[-1] in _TRAILING or (url[-1] == ")" and url.count("(") <
                                                 url.count(")"))):
            url = url[:-1]
        if url:
            yield match.start(), match.start() + len(url), url


def _replace_text(text: str, spans: list[tuple[int, int, str]], codes: dict[str, str],
                  base: str) -> str:
    out, last = [], 0
    for start, end, url in spans:
        if url in codes:
            out.append(text[last:start])
            out.append(tracked_url(base, codes[url]))
            last = end
    out.append(text[last:])
    return "".join(out)


# --- the HTML part -----------------------------------------------------------------------------


class _Anchor:
    __slots__ = ("start", "raw", "attrs", "url")

    def __init__(self, start: int, raw: str, attrs: list[tuple[str, str | None]], url: str):
        self.start, self.raw, self.attrs, self.url = start, raw, attrs, url


class _AnchorFinder(HTMLParser):
    """The `<a href>` start tags of a document, where they are and what they say.

    Only the start tags are rewritten; everything between them is kept byte for byte, so
    entities and the rest of the markup stay exactly as written.
    """

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[_Anchor] = []
        self._line_starts = [0]
        for index, char in enumerate(source):
            if char == "\n":
                self._line_starts.append(index + 1)
        self._source = source

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        href = next((value for name, value in attrs if name == "href"), None)
        raw = self.get_starttag_text()
        if href is None or raw is None:
            return
        line, column = self.getpos()
        start = self._line_starts[line - 1] + column
        if self._source.startswith(raw, start):
            self.anchors.append(_Anchor(start, raw, attrs, href.strip()))


def _anchors(html: str) -> list[_Anchor]:
    finder = _AnchorFinder(html)
    finder.feed(html)
    finder.close()
    return finder.anchors


def _replace_html(html: str, anchors: list[_Anchor], codes: dict[str, str], base: str) -> str:
    out, last = [], 0
    for anchor in anchors:
        if anchor.url not in codes:
            continue
        out.append(html[last:anchor.start])
        out.append(_start_tag(anchor.attrs, tracked_url(base, codes[anchor.url])))
        last = anchor.start + len(anchor.raw)
    out.append(html[last:])
    return "".join(out)


def _start_tag(attrs: list[tuple[str, str | None]], href: str) -> str:
    """The `<a>` start tag again, with the new href and every attribute value escaped."""
    parts = ["<a"]
    for name, value in attrs:
        if name == "href":
            value = href
        parts.append(f" {name}" if value is None else f' {name}="{escape(value, quote=True)}"')
    return "".join(parts) + ">"
