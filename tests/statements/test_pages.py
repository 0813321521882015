"""The privacy notice and accessibility statement: public, true to the settings, in every footer."""

from __future__ import annotations

import re

import pytest

from engage.extensions import db
from tests.factories import make_organisation, make_service, make_short_link

# One test scans, and the scan endpoint writes on a connection of its own.
pytestmark = pytest.mark.real_commits

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"


def text(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


@pytest.mark.parametrize(("path", "heading"), [("/privacy", "Privacy notice"),
                                               ("/accessibility", "Accessibility statement")])
def test_the_statements_are_public_and_set_no_cookie(app, client, path, heading):
    response = client.get(path)
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_the_privacy_notice_says_what_is_collected_kept_and_for_how_long(app, client):
    page = text(client.get("/privacy"))
    assert "They collect nothing that identifies you" in page
    assert "never ask for or keep your name, email address, phone number or network (IP) address" \
        in page
    assert "set no cookies" in page
    assert "not a cookie" in page and "is never sent to us" in page  # the device's own note
    assert "deleted when the next UK day's first visit comes in" in page  # the visitor salt
    assert "is used for 10 minutes and deleted" in page  # AWARENESS_BURST_MINUTES
    assert "Who to contact" in page


class TestSettings:
    @pytest.fixture()
    def app_config(self):
        return {"AWARENESS_BURST_MINUTES": 1, "DATA_PROTECTION_CONTACT": "dpo@practice.example",
                "ACCESSIBILITY_CONTACT": "Call 01632 960 000 (weekdays 9am to 5pm)"}

    def test_the_statements_name_the_contacts_and_window_that_are_set(self, app, client):
        privacy = text(client.get("/privacy"))
        assert '<a href="mailto:dpo@practice.example">dpo@practice.example</a>' in privacy
        assert "is used for 1 minute and deleted" in privacy
        assert "example" not in re.sub(r"practice\.example", "", privacy)
        accessibility = text(client.get("/accessibility"))
        assert "contact Call 01632 960 000 (weekdays 9am to 5pm)." in accessibility
        assert "mailto:" not in accessibility


class TestOddContact:
    @pytest.fixture()
    def app_config(self):
        return {"DATA_PROTECTION_CONTACT": '<script>alert(1)</script> "x"@y'}

    def test_a_contact_that_is_not_an_address_is_shown_as_text(self, app, client):
        page = client.get("/privacy").get_data(as_text=True)
        assert "<script>alert(1)" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert 'href="mailto:' not in page


def test_without_a_contact_the_page_says_so_plainly(app, client):
    page = text(client.get("/privacy"))
    assert "a contact has not been set up yet" in page
    assert "example" not in page


def test_the_demo_shows_an_example_contact_marked_as_one(app, client):
    make_organisation(is_demo=True)
    db.session.commit()
    privacy = text(client.get("/privacy"))
    assert "mailto:dataprotection@example.org" in privacy
    assert "(an example address in this demonstration)" in privacy
    assert "mailto:accessibility@example.org" in text(client.get("/accessibility"))


def test_the_accessibility_statement_covers_what_nhs_services_must_publish(app, client):
    page = text(client.get("/accessibility"))
    assert "WCAG) version 2.2 at level AA" in page
    assert "axe-core" in page and "using only a keyboard" in page  # how it was tested
    assert "Known issues" in page
    assert "Reporting a problem" in page
    assert "Equality Advisory and Support Service" in page
    assert "This statement was prepared on 6 December 2026" in page


def footer_links(page: str) -> list[str]:
    footer = page.split('role="contentinfo"', 1)[1]
    return re.findall(r'href="([^"]+)"', footer)


def test_every_public_page_links_to_both_statements_from_its_footer(app, client):
    link = make_short_link(service=make_service(slug="sharps-line"))
    db.session.commit()
    landing = client.get(f"/q/{link.code}", headers={"User-Agent": PHONE}).headers["Location"]
    token = re.search(r'name="token" value="([^"]+)"',
                      client.get(landing).get_data(as_text=True)).group(1)
    pages = {
        "/services": client.get("/services"),
        landing: client.get(landing),
        "answer": client.post("/services/sharps-line/awareness",
                              data={"token": token, "answer": "yes"},
                              headers={"User-Agent": PHONE}),
        "unknown code": client.get("/q/ZZZZ222"),
        "unknown service": client.get("/services/nothing-here"),
        "/privacy": client.get("/privacy"),
        "/accessibility": client.get("/accessibility"),
        "/login": client.get("/login"),
    }
    for name, response in pages.items():
        assert response.status_code in (200, 404), name
        links = footer_links(response.get_data(as_text=True))
        assert "/privacy" in links and "/accessibility" in links, name
