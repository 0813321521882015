"""The manager's pages: making links and packs, posters, downloads, figures on other pages."""

from __future__ import annotations

import io
import re
import zipfile
from base64 import b64decode
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from engage.audit.models import AuditEvent
from engage.campaigns.models import Channel
from engage.extensions import db
from engage.links.models import ShortLink
from engage.links.scans import ScanRequest, handle_scan
from tests.factories import (
    make_campaign,
    make_organisation,
    make_service,
    make_short_link,
    make_touchpoint,
)
from tests.links.qr_decode import decode_png, decode_svg

# Some tests scan, and the scan endpoint writes on a connection of its own.
pytestmark = pytest.mark.real_commits

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"


def links() -> list[ShortLink]:
    return list(db.session.scalars(select(ShortLink).order_by(ShortLink.id)))


def test_a_manager_makes_a_link_for_a_touchpoint_and_organisation(app, manager_client):
    service, org, touchpoint = make_service(), make_organisation(), make_touchpoint()
    db.session.commit()
    response = manager_client.post(f"/links/touchpoints/{touchpoint.id}/new", data={
        "service": service.slug, "organisation": org.ods_code, "medium": "qr",
        "message": "Hurt by a needle? Call now."})
    assert response.status_code == 302
    link = links()[0]
    assert (link.service_id, link.organisation_id, link.touchpoint_id) == (
        service.id, org.id, touchpoint.id)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "links.create")) == 1
    page = manager_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"/q/{link.code}" in page


def test_an_unknown_ods_code_is_refused_with_a_message_and_nothing_made(app, manager_client):
    service, touchpoint = make_service(), make_touchpoint()
    db.session.commit()
    response = manager_client.post(f"/links/touchpoints/{touchpoint.id}/new", data={
        "service": service.slug, "organisation": "X99999", "medium": "qr"})
    assert response.status_code == 400
    assert "No organisation has the ODS code X99999" in response.get_data(as_text=True)
    assert links() == []


def test_a_poster_message_that_is_too_long_is_refused(app, manager_client):
    service, touchpoint = make_service(), make_touchpoint()
    db.session.commit()
    response = manager_client.post(f"/links/touchpoints/{touchpoint.id}/new", data={
        "service": service.slug, "medium": "qr", "message": "x" * 201})
    assert response.status_code == 400
    assert "200 characters or fewer" in response.get_data(as_text=True)
    assert links() == []


def test_steering_cannot_make_links(app, steering_client):
    touchpoint = make_touchpoint()
    db.session.commit()
    assert steering_client.post(f"/links/touchpoints/{touchpoint.id}/new",
                                data={"service": "x"}).status_code == 403


def test_downloads_decode_to_the_short_url(app, manager_client):
    link = make_short_link()
    db.session.commit()
    url = f"{app.config['PUBLIC_BASE_URL']}/q/{link.code}"
    svg = manager_client.get(f"/links/{link.id}/qr.svg?download=1")
    assert svg.mimetype == "image/svg+xml"
    assert "attachment" in svg.headers["Content-Disposition"]
    assert decode_svg(svg.get_data()) == [url]
    png = manager_client.get(f"/links/{link.id}/qr.png")
    assert png.mimetype == "image/png" and decode_png(png.get_data()) == [url]


def test_the_poster_has_the_name_message_qr_short_url_and_domain(app, manager_client):
    service = make_service(name="24/7 Sharps Line", summary="Urgent advice after a sharps injury.")
    link = make_short_link(service=service)
    db.session.commit()
    page = manager_client.get(f"/links/{link.id}/poster").get_data(as_text=True)
    assert "24/7 Sharps Line" in page and "Urgent advice after a sharps injury." in page
    assert f"127.0.0.1:5000/q/{link.code}" in page
    assert "This code opens a page on <strong>127.0.0.1</strong>" in page
    assert f"For everyone who works at {link.organisation.display_name}" in page
    data_uri = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', page).group(1)
    assert decode_svg(b64decode(data_uri)) == [f"http://127.0.0.1:5000/q/{link.code}"]


def test_retiring_a_link_makes_its_scans_misses_and_restoring_brings_it_back(app, manager_client):
    link = make_short_link()
    db.session.commit()
    assert manager_client.post(f"/links/{link.id}/retire").status_code == 302
    assert app.test_client().get(f"/q/{link.code}").status_code == 404
    assert manager_client.post(f"/links/{link.id}/restore").status_code == 302
    assert app.test_client().get(f"/q/{link.code}").status_code == 302


def _campaign_with_audience(n=3):
    campaign = make_campaign()
    organisations = [make_organisation() for _ in range(n)]
    touchpoint = make_touchpoint(campaign, channel=Channel.POSTER, title="Staff room posters")
    return campaign, organisations, touchpoint


def test_a_poster_pack_gives_each_audience_organisation_its_own_code(app, manager_client):
    campaign, organisations, touchpoint = _campaign_with_audience()
    service = make_service()
    db.session.commit()
    response = manager_client.post(f"/links/touchpoints/{touchpoint.id}/pack",
                                   data={"service": service.slug})
    assert response.status_code == 302
    made = links()
    assert sorted(link.organisation_id for link in made) == sorted(o.id for o in organisations)
    assert len({link.code for link in made}) == 3
    # Making it again adds nobody twice.
    manager_client.post(f"/links/touchpoints/{touchpoint.id}/pack", data={"service": service.slug})
    assert len(links()) == 3
    page = manager_client.get(f"/links/touchpoints/{touchpoint.id}/posters").get_data(as_text=True)
    assert page.count('<article class="poster"') == 3
    for link in made:
        assert f"/q/{link.code}" in page
    archive = zipfile.ZipFile(io.BytesIO(
        manager_client.get(f"/links/touchpoints/{touchpoint.id}/posters.zip").get_data()))
    names = archive.namelist()
    assert len(names) == 3
    for link in made:
        name = next(n for n in names if link.code in n)
        assert decode_svg(archive.read(name)) == [
            f"{app.config['PUBLIC_BASE_URL']}/q/{link.code}"]


def test_a_pack_for_a_touchpoint_outside_a_campaign_is_refused(app, manager_client):
    touchpoint = make_touchpoint(None, channel=Channel.POSTER)
    service = make_service()
    db.session.commit()
    response = manager_client.post(f"/links/touchpoints/{touchpoint.id}/pack",
                                   data={"service": service.slug})
    assert response.status_code == 400
    assert "not part of a campaign" in response.get_data(as_text=True)
    assert links() == []


def test_figures_show_on_the_touchpoint_campaign_and_organisation_pages(app, manager_client):
    campaign, organisations, touchpoint = _campaign_with_audience(1)
    link = make_short_link(touchpoint=touchpoint, organisation=organisations[0])
    db.session.commit()
    for address in ("192.0.2.1", "192.0.2.1", "192.0.2.2"):
        handle_scan(db.session, ScanRequest(link.code, address=address, user_agent=PHONE,
                                            now=datetime(2026, 3, 3, 10, tzinfo=UTC)))
    db.session.commit()
    touchpoint_page = manager_client.get(f"/campaigns/touchpoints/{touchpoint.id}")
    assert touchpoint_page.status_code == 200
    assert "3 scans by 2 unique visitors" in touchpoint_page.get_data(as_text=True)
    campaign_page = manager_client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "3 scans by 2 unique visitors" in campaign_page
    assert "Scans by service" in campaign_page
    org_page = manager_client.get(f"/directory/organisations/{organisations[0].ods_code}").get_data(
        as_text=True)
    assert "Poster scans" in org_page and "3 scans by 2 unique visitors" in org_page
    link_page = manager_client.get(f"/links/{link.id}").get_data(as_text=True)
    assert "3 March 2026" in link_page


def test_the_links_list_shows_unknown_codes_people_tried(app, manager_client):
    app.test_client().get("/q/ZZZZ222", headers={"User-Agent": PHONE})
    page = manager_client.get("/links/").get_data(as_text=True)
    assert "ZZZZ222" in page
