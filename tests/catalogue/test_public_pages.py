"""The public service pages: no log-in, sanitised Markdown, tap-to-call, under 100 KB."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from engage.catalogue.models import AccessRoute, Service
from engage.catalogue.seed import seed_catalogue
from engage.extensions import db
from tests.factories import make_service

# One test scans, and the scan endpoint writes on a connection of its own.
pytestmark = pytest.mark.real_commits

STATIC = Path(__file__).resolve().parents[2] / "engage" / "static"
PAGE_WEIGHT_LIMIT = 100 * 1024


def test_the_services_list_shows_every_offered_service_without_log_in(app, client):
    seed_catalogue(db.session)
    for service in db.session.scalars(select(Service)):  # seeded drafts, given a number
        service.phone, service.published = "01632 960 000", True
    make_service(name="Old service", retired=True)
    db.session.commit()
    response = client.get("/services")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('href="/services/') == 8
    assert "24/7 Sharps Line" in page and "Old service" not in page
    assert "Set-Cookie" not in response.headers


def test_a_service_page_says_what_who_how_hours_and_what_next(app, client):
    service = make_service(
        name="24/7 Sharps Line", slug="sharps-line", phone="0306 999 0123",
        hours="24 hours a day, 7 days a week",
        access_routes=[AccessRoute.PHONE_LINE.value, AccessRoute.SELF_REFERRAL.value],
        description="Call **straight away** after a sharps injury.",
    )
    db.session.commit()
    response = client.get(f"/services/{service.slug}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<a class="pub-call" href="tel:03069990123">0306 999 0123</a>' in page
    assert "<strong>straight away</strong>" in page
    for heading in ("What it is", "Who it is for", "How to get it", "What happens next"):
        assert f"<h2>{heading}</h2>" in page
    assert "24 hours a day, 7 days a week" in page
    assert "Set-Cookie" not in response.headers


class _Elements(HTMLParser):
    """Every element and its attributes, as a browser would build them."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def elements(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(page)
    return parser.elements


def test_html_and_script_in_service_content_are_never_run(app, client):
    service = make_service(description=(
        '<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n'
        '[click](javascript:alert(3))\n\n<a href="https://example.org" onclick="x()">a</a>'))
    db.session.commit()
    response = client.get(f"/services/{service.slug}")
    assert response.status_code == 200
    found = elements(response.get_data(as_text=True))
    scripts = [attrs.get("src") for tag, attrs in found if tag == "script"]
    # ours only (the layout's and the awareness question's), none from the content
    assert scripts == ["/static/js/body-class.js", "/static/js/awareness.js"]
    assert not [tag for tag, _ in found if tag == "img"]
    assert not [a for _, a in found for name in a if name.startswith("on")]
    assert not [a for _, a in found if (a.get("href") or "").startswith("javascript:")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.get_data(as_text=True)


def test_stored_markdown_keeps_its_source_and_only_output_is_cleaned(app, manager_client):
    """Managers may type anything; what is stored is their text, what is shown is clean."""
    response = manager_client.post("/catalogue/new", data={
        "name": "Script test", "access_routes": ["self_referral"], "audience": "all_staff",
        "description": "Hello <script>alert(1)</script>", "attributable_to_organisation": "y"})
    assert response.status_code == 302
    from sqlalchemy import select

    from engage.catalogue.models import Service

    service = db.session.scalars(select(Service).where(Service.name == "Script test")).one()
    page = manager_client.get(f"/services/{service.slug}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page


def test_an_unknown_service_is_a_friendly_404_that_links_to_the_list(app, client):
    response = client.get("/services/no-such-service")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page and 'href="/services"' in page


def test_a_retired_service_says_it_is_no_longer_offered(app, client):
    service = make_service(name="Ended service", retired=True)
    db.session.commit()
    response = client.get(f"/services/{service.slug}")
    assert response.status_code == 410
    assert "Ended service is no longer offered" in response.get_data(as_text=True)


def test_a_very_long_slug_is_a_404(app, client):
    assert client.get("/services/" + "a" * 500).status_code == 404


def _assets(page: str) -> list[str]:
    return re.findall(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"?]+)', page)


@pytest.mark.parametrize("path", ["/services", "/services/sharps-line", "/q/ZZZZ222"])
def test_public_pages_weigh_under_100_kb_and_load_nothing_from_elsewhere(app, client, path):
    seed_catalogue(db.session)
    db.session.commit()
    response = client.get(path)
    page = response.get_data(as_text=True)
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page.split("<main", 1)[0])
    total = len(response.get_data())
    for asset in _assets(page):
        body = client.get(asset).get_data()
        total += len(body)
        if asset.endswith(".css"):
            assert "url(http" not in body.decode() and "@import" not in body.decode()
            for font in re.findall(r"url\(([^)]+)\)", body.decode()):
                total += len(client.get(font.strip("'\"")).get_data())
    assert total < PAGE_WEIGHT_LIMIT, f"{path}: {total} bytes"


def test_the_manager_form_says_markdown_is_accepted(app, manager_client):
    page = manager_client.get("/catalogue/new").get_data(as_text=True)
    assert "Markdown" in page
