"""Tracked links: every outbound URL of a send becomes one short link, in both parts."""

from __future__ import annotations

from sqlalchemy import select

from engage.extensions import db
from engage.links.models import Medium, ShortLink
from engage.messaging.tracking import MAX_LINKS, TOKEN_MARK, tracked_parts
from tests.messaging.conftest import NOW

BASE = "https://engage.example.org"


def _links(ref: str) -> dict[str, ShortLink]:
    return {link.target_url: link for link in db.session.scalars(
        select(ShortLink).where(ShortLink.send_ref == ref))}


def _track(text: str, html: str, ref: str = "bulletin:1") -> tuple[str, str]:
    return tracked_parts(db.session, send_ref=ref, text=text, html=html, now=NOW, base_url=BASE)


def test_same_url_in_both_parts_gets_one_link(app):
    text, html = _track("Read https://example.org/guide.",
                        '<p>Read <a href="https://example.org/guide" class="x">the guide</a>.</p>')
    links = _links("bulletin:1")
    assert list(links) == ["https://example.org/guide"]
    link = links["https://example.org/guide"]
    assert link.medium is Medium.EMAIL and link.retired_at is None and link.service_id is None
    short = f"{BASE}/q/{link.code}?m={TOKEN_MARK}"
    assert text == f"Read {short}."
    assert html == f'<p>Read <a href="{short}" class="x">the guide</a>.</p>'


def test_entities_and_the_rest_of_the_html_are_kept(app):
    html = ('<p>Fish &amp; chips &nbsp;&#163;5 <a title="A &quot;b&quot;" '
            'href="https://example.org/a?x=1&amp;y=2">go</a> <br/><b>bold</b></p>')
    _, out = _track("", html)
    link = _links("bulletin:1")["https://example.org/a?x=1&y=2"]
    assert out == ('<p>Fish &amp; chips &nbsp;&#163;5 <a title="A &quot;b&quot;" '
                   f'href="{BASE}/q/{link.code}?m={TOKEN_MARK}">go</a> <br/><b>bold</b></p>')


def test_untracked_links_are_left_as_written(app):
    html = ('<a href="mailto:pm@example.org">mail</a> <a href="tel:+441234">call</a> '
            f'<a href="{BASE}/unsubscribe/abc">unsubscribe</a> '
            f'<a href="{BASE}/events/3/register/cancel/tok">cancel</a> '
            f'<a href="{BASE}/q/ABCDEFG">poster</a> <a href="/relative">rel</a> '
            '<a href="https://example.org/@@unsubscribe@@">placeholder</a> '
            f'<a href="https://example.org/{"x" * 2100}">long</a> <a>no href</a>')
    text = f"Write to pm@example.org or see {BASE}/q/ABCDEFG and ftp://example.org/f"
    assert _track(text, html) == (text, html)
    assert _links("bulletin:1") == {}


def test_text_urls_end_before_prose_punctuation(app):
    text, _ = _track("See (https://example.org/a_(b)) and https://example.org/c, then "
                     "https://example.org/d?e=f.", "")
    links = _links("bulletin:1")
    assert set(links) == {"https://example.org/a_(b)", "https://example.org/c",
                          "https://example.org/d?e=f"}
    assert text.startswith(f"See ({BASE}/q/")
    assert text.endswith(f"?m={TOKEN_MARK}.")


def test_a_later_batch_of_the_send_reuses_its_links_and_other_sends_get_their_own(app):
    _track("https://example.org/a", "")
    first = _links("bulletin:1")["https://example.org/a"].code
    again, _ = _track("https://example.org/a https://example.org/b", "")
    assert first in again and len(_links("bulletin:1")) == 2
    _track("https://example.org/a", "", ref="rule:4")
    assert _links("rule:4")["https://example.org/a"].code != first


def test_links_per_send_are_bounded_across_its_batches(app):
    urls = [f"https://example.org/{n}" for n in range(MAX_LINKS + 10)]
    text, _ = _track(" ".join(urls[:MAX_LINKS - 5]), "")
    text, _ = _track(" ".join(urls), "")
    assert len(_links("bulletin:1")) == MAX_LINKS
    assert text.endswith(" ".join(urls[MAX_LINKS:]))
    assert f"?m={TOKEN_MARK} https://example.org/{MAX_LINKS}" in text


def test_unparsable_html_is_returned_unharmed(app):
    html = '<p>broken <a href="https://example.org/x"<<>>&amp; <a href=\'https://e.org/y\'>y'
    _, out = _track("", html)
    assert "&amp;" in out and "<p>broken" in out


def test_base_url_defaults_to_the_public_address(app):
    text, _ = tracked_parts(db.session, send_ref="digest", text="https://example.org/x",
                            html="", now=NOW)
    assert text.startswith(app.config["PUBLIC_BASE_URL"] + "/q/")
