"""Posters people can use without scanning: who it is for, a way in by phone or email, the short
address written out, the organisation in proper case, A4 or A3; none for a retired service."""

from __future__ import annotations

import io
import re
import zipfile
from base64 import b64decode

import pytest

from engage.catalogue.models import Audience
from engage.extensions import db
from engage.links.posters import contacts, paper_size, who_for
from tests.factories import make_organisation, make_service, make_short_link, make_touchpoint
from tests.links.qr_decode import decode_svg


def _qr_urls(page: str) -> list[list[str]]:
    return [decode_svg(b64decode(data)) for data in
            re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)]


def test_the_poster_carries_everything_for_people_who_will_not_scan(app, manager_client):
    app.config["PUBLIC_BASE_URL"] = "https://engage.example.org"
    service = make_service(name="Staff Counselling", summary="Talk to a counsellor in confidence.",
                           audience=Audience.STAFF_AND_FAMILY, phone="0300 123 4567",
                           email="counselling@example.org", hours="Monday to Friday, 9am to 5pm")
    organisation = make_organisation(name="ARBURY ROAD SURGERY")
    link = make_short_link(service=service, organisation=organisation)
    db.session.commit()
    response = manager_client.get(f"/links/{link.id}/poster")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<h2 class="poster-title">Staff Counselling</h2>' in page
    assert "For staff at Arbury Road Surgery and their families" in page
    assert "ARBURY ROAD SURGERY" not in page
    assert "Talk to a counsellor in confidence." in page
    assert "Call <strong>0300 123 4567</strong>" in page
    assert "Email <strong>counselling@example.org</strong>" in page
    assert "Monday to Friday, 9am to 5pm" in page
    assert f'<p class="poster-url">engage.example.org/q/{link.code}</p>' in page
    assert _qr_urls(page) == [[f"https://engage.example.org/q/{link.code}"]]
    assert "css/poster-a4.css" in page and "one per A4 page" in page
    assert "Phones cannot open this address" not in page


def test_a_preferred_organisation_name_is_used_on_the_poster(app, manager_client):
    organisation = make_organisation(name="ST MARY'S SURGERY", preferred_name="St Mary's Practice")
    link = make_short_link(organisation=organisation)
    db.session.commit()
    page = manager_client.get(f"/links/{link.id}/poster").get_data(as_text=True)
    assert "For everyone who works at St Mary&#39;s Practice" in page


def test_the_poster_prints_on_a3_when_asked(app, manager_client):
    link = make_short_link()
    db.session.commit()
    page = manager_client.get(f"/links/{link.id}/poster?size=a3").get_data(as_text=True)
    assert "css/poster-a3.css" in page and "css/poster-a4.css" not in page
    assert "one per A3 page" in page
    assert 'aria-current="page"><strong>A3</strong>' in page
    assert _qr_urls(page) == [[f"http://127.0.0.1:5000/q/{link.code}"]]


def test_an_unknown_paper_size_is_refused(app, manager_client):
    link = make_short_link()
    touchpoint = make_touchpoint()
    db.session.commit()
    for url in (f"/links/{link.id}/poster?size=letter",
                f"/links/touchpoints/{touchpoint.id}/posters?size=a0"):
        response = manager_client.get(url)
        assert response.status_code == 400
        assert "Posters print on A4 or A3" in response.get_data(as_text=True)


def test_a_poster_for_a_retired_service_is_refused(app, manager_client):
    service = make_service(name="Old Helpline", retired=True)
    link = make_short_link(service=service)
    db.session.commit()
    response = manager_client.get(f"/links/{link.id}/poster")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "No poster: the service is retired" in page
    assert "Old Helpline is retired, so its poster cannot be printed" in page
    assert "data:image/svg+xml" not in page


def test_a_pack_leaves_out_posters_for_a_retired_service_and_says_so(app, manager_client):
    touchpoint = make_touchpoint()
    live = make_short_link(touchpoint=touchpoint)
    retired = make_short_link(touchpoint=touchpoint, service=make_service(name="Gone",
                                                                          retired=True))
    db.session.commit()
    page = manager_client.get(f"/links/touchpoints/{touchpoint.id}/posters").get_data(
        as_text=True)
    assert page.count('<article class="poster"') == 1
    assert f"/q/{live.code}" in page and f"/q/{retired.code}" not in page
    assert (f"1 poster is left out because its service is retired or not on the public pages "
            f"yet: {retired.code} (Gone: retired).") in page
    archive = zipfile.ZipFile(io.BytesIO(manager_client.get(
        f"/links/touchpoints/{touchpoint.id}/posters.zip").get_data()))
    assert [live.code in name for name in archive.namelist()] == [True]


def test_a_poster_without_a_contact_route_tells_the_manager(app, manager_client):
    # Public through its referral form, but with nothing a poster can print for those who
    # will not scan.
    link = make_short_link(service=make_service(
        name="Quiet Service", website="", referral_form_url="https://forms.example.org/refer"))
    db.session.commit()
    page = manager_client.get(f"/links/{link.id}/poster").get_data(as_text=True)
    assert 'class="poster-contact"' not in page
    assert "No phone number, email or website in the catalogue for Quiet Service" in page


def test_who_for_follows_the_audience(app):
    assert who_for(None, "") == "For everyone who works in primary care"
    managers = make_service(audience=Audience.MANAGERS_ONLY)
    assert who_for(managers, "Chatteris Surgery") == (
        "For managers at Chatteris Surgery, to refer a member of staff")
    everyone = make_service(audience=Audience.ALL_STAFF)
    assert who_for(everyone, "Chatteris Surgery") == "For everyone who works at Chatteris Surgery"


def test_contacts_prefer_phone_and_email_then_the_website(app):
    assert contacts(None) == ()
    both = contacts(make_service(phone=" 0300 1 ", email="a@example.org", website="https://x.org"))
    assert [(c.label, c.value) for c in both] == [("Call", "0300 1"), ("Email", "a@example.org")]
    site = contacts(make_service(website="https://help.example.org/staff/"))
    assert [(c.label, c.value) for c in site] == [("Visit", "help.example.org/staff")]
    assert contacts(make_service(phone="  ", website="")) == ()


def test_paper_size_accepts_a4_and_a3_in_any_case():
    assert paper_size(None) == "A4" and paper_size("") == "A4"
    assert paper_size("a3") == "A3" and paper_size(" A4 ") == "A4"
    assert paper_size("A5") is None and paper_size("a3;drop") is None


@pytest.mark.parametrize(("base", "environment", "why"), [
    ("http://127.0.0.1:5000", "test", "loopback"),
    ("http://localhost:5000", "test", "only works inside"),
    ("https://10.0.0.5", "test", "private address"),
    ("https://169.254.1.1", "test", "link-local"),
    ("https://engage.local", "test", "only works inside"),
    ("http://engage.example.org", "production", "plain http"),
])
def test_link_and_poster_pages_warn_about_an_unreachable_public_address(
        app, manager_client, base, environment, why):
    app.config.update(PUBLIC_BASE_URL=base, ENGAGE_ENV=environment)
    link = make_short_link()
    db.session.commit()
    for url in (f"/links/{link.id}", f"/links/{link.id}/poster"):
        page = manager_client.get(url).get_data(as_text=True)
        assert "Phones cannot open this address" in page, url
        assert f"The public address {base} (PUBLIC_BASE_URL) is not one the public can reach" \
            in page and why in page


def test_pages_do_not_warn_about_a_public_https_address(app, manager_client):
    app.config.update(PUBLIC_BASE_URL="https://engage.example.org", ENGAGE_ENV="production")
    link = make_short_link()
    db.session.commit()
    for url in (f"/links/{link.id}", f"/links/{link.id}/poster"):
        assert "Phones cannot open" not in manager_client.get(url).get_data(as_text=True)


@pytest.mark.parametrize(("draft", "reason"), [
    ({"published": False}, "Not shown to the public: saved as a draft."),
    ({"website": "", "phone": "", "email": ""}, "Not shown to the public: no phone"),
])
def test_a_poster_for_a_service_not_yet_public_is_refused(app, manager_client, draft, reason):
    # Its code would open a "not found" page: the poster would send people nowhere.
    link = make_short_link(service=make_service(name="New Clinic", **draft))
    db.session.commit()
    response = manager_client.get(f"/links/{link.id}/poster")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "No poster: the service is not on the public pages" in page
    assert "New Clinic is not on the public pages yet" in page and reason in page
    assert "data:image/svg+xml" not in page


def test_a_pack_leaves_out_posters_for_a_draft_service_and_says_why(app, manager_client):
    touchpoint = make_touchpoint()
    live = make_short_link(touchpoint=touchpoint)
    draft = make_short_link(touchpoint=touchpoint,
                            service=make_service(name="New Clinic", published=False))
    db.session.commit()
    page = manager_client.get(f"/links/touchpoints/{touchpoint.id}/posters").get_data(
        as_text=True)
    assert page.count('<article class="poster"') == 1
    assert f"/q/{draft.code}" not in page and f"/q/{live.code}" in page
    assert f"{draft.code} (New Clinic: not on the public pages yet)" in page
