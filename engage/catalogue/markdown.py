"""Markdown written by managers, turned into HTML that is safe to show anyone.

Service descriptions and bulletins are written in Markdown; whatever is typed (including raw
HTML) is rendered and then cleaned against an allow-list, so no script, style or event
handler can be stored and later run in a reader's browser.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import nh3
from markupsafe import Markup

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "h4", "blockquote",
    "code", "pre", "hr", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "td": set(), "ol": {"start"}}
ALLOWED_SCHEMES = {"https", "http", "mailto", "tel"}


@cache
def _markdown() -> MarkdownIt:
    """The one parser, made at the first render rather than at every start-up."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    return parser.enable("table")


def render_markdown(text: str) -> Markup:
    """Markdown to sanitised HTML; raw HTML in the source is shown as text, never run."""
    html = _markdown().render(text or "")
    # Headings start at h2: the page title is the only h1.
    for level in (3, 2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 1}>").replace(
            f"</h{level}>", f"</h{level + 1}>")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return Markup(clean)  # noqa: S704 - cleaned against the allow-list above


def markdown_to_text(text: str) -> str:
    """The plain-text part of an email written in Markdown: Markdown already reads as text."""
    return (text or "").strip() + "\n"
