"""Links in a bulletin that lead nowhere, found before it is sent rather than by its readers.

A reader's mail client has no page to resolve a relative link against, an empty or host-less
link opens nothing, and a `javascript:` link is dropped by the sanitiser (the reader sees a
dead link). So only full web addresses, `mailto:` and `tel:` links pass.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

SCHEMES_WITH_HOST = ("http", "https")
SCHEMES_WITH_TARGET = ("mailto", "tel")


@cache
def _parser() -> MarkdownIt:
    """The bulletin renderer's grammar, but keeping every link (the renderer drops
    `javascript:` links silently, which is what this check must see)."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable("table")
    parser.validateLink = lambda url: True  # type: ignore[method-assign]
    return parser


def why_broken(href: str) -> str | None:
    """Why a link's target leads nowhere, or None when it is a full address."""
    target = href.strip()
    if not target:
        return "has no address"
    try:
        parts = urlsplit(target)
    except ValueError:
        return "is not a web address"
    scheme = parts.scheme.lower()
    if scheme in SCHEMES_WITH_HOST:
        return None if parts.hostname else "has no site in its address"
    if scheme in SCHEMES_WITH_TARGET:
        return None if parts.path.strip() else f"has nothing after {scheme}:"
    if not scheme:
        return "is not a full address (start it with https://)"
    return f"uses {scheme}:, which opens nothing in an email"


def _links(tokens: list[Token]) -> list[tuple[str, str]]:
    """(link text, target) for every link, in order."""
    found: list[tuple[str, str]] = []
    for token in tokens:
        children = token.children or []
        text: list[str] | None = None
        href = ""
        for child in children:
            if child.type == "link_open":
                text, href = [], str(child.attrs.get("href", ""))
            elif child.type == "link_close" and text is not None:
                found.append(("".join(text).strip(), href))
                text = None
            elif text is not None:
                text.append(child.content)
    return found


def link_problems(markdown: str) -> list[str]:
    """One message per link that leads nowhere, naming its text and what to do."""
    problems = []
    for text, href in _links(_parser().parse(markdown or "")):
        reason = why_broken(href)
        if reason:
            name = text[:80] or href[:80] or "(no text)"
            problems.append(f"The link '{name}' {reason}: give it a full address such as "
                            "https://www.example.org/page, or an email address as "
                            "mailto:name@example.org.")
    return problems
