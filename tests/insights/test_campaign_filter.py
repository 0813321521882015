"""The campaign filter counts only the campaign's own links' scans and awareness answers."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask.testing import FlaskClient

from engage.campaigns.models import Channel
from engage.extensions import db
from engage.insights.awareness import awareness
from engage.insights.figures import headlines, scan_total
from engage.links.models import AwarenessAnswer, Device, Scan
from tests.factories import make_campaign, make_service, make_short_link, make_touchpoint
from tests.insights.helpers import scope, two_localities

DAY = date(2022, 3, 1)
_keys = iter(range(1, 10**6))


def _scans(link, n: int) -> None:
    for _ in range(n):
        db.session.add(Scan(link_id=link.id, at=datetime(2022, 3, 1, 10, tzinfo=UTC), day=DAY,
                            device=Device.MOBILE, visitor_key=f"k{next(_keys)}"))


def _answers(link, knew: list[bool]) -> None:
    for k in knew:
        db.session.add(AwarenessAnswer(
            service_id=link.service_id, link_id=link.id, organisation_id=link.organisation_id,
            knew_before=k, day=DAY, at=datetime(2022, 3, 1, 10, tzinfo=UTC),
            visitor_key=f"a{next(_keys)}"))


def _two_campaigns_one_practice():
    """Campaigns A and B (everyone in both audiences) each put a poster in Fen One; A also has
    an area-wide link (no organisation), and a link with no touchpoint hangs there too."""
    fens, _, orgs = two_localities()
    service = make_service(name="Wellbeing App")
    a, b = make_campaign(name="Campaign A"), make_campaign(name="Campaign B")
    tp_a = make_touchpoint(a, channel=Channel.POSTER, title="A's posters")
    tp_b = make_touchpoint(b, channel=Channel.POSTER, title="B's posters")
    at_f1 = {"service": service, "organisation": orgs["f1"]}
    a_link = make_short_link(touchpoint=tp_a, **at_f1)
    b_link = make_short_link(touchpoint=tp_b, **at_f1)
    loose = make_short_link(**at_f1)
    a_wide = make_short_link(touchpoint=tp_a, service=service, organisation=None)
    _scans(a_link, 2), _scans(b_link, 5), _scans(loose, 7), _scans(a_wide, 1)
    _answers(a_link, [True]), _answers(b_link, [False, False, True]), _answers(loose, [False])
    _answers(a_wide, [True])
    db.session.commit()
    return fens, a, b


def test_scans_with_a_campaign_are_its_own_links_only(app) -> None:
    fens, a, b = _two_campaigns_one_practice()
    assert scan_total(db.session, scope()) == 15
    assert scan_total(db.session, scope(campaign=str(a.id))) == 3  # 2 in Fen One, 1 area-wide
    assert scan_total(db.session, scope(campaign=str(b.id))) == 5
    # A locality keeps the campaign's links at its organisations (the area-wide one drops out).
    assert scan_total(db.session, scope(campaign=str(a.id), locality=str(fens.id))) == 2
    assert scan_total(db.session, scope(locality=str(fens.id))) == 14


def test_awareness_with_a_campaign_is_its_own_links_answers_only(app) -> None:
    fens, a, b = _two_campaigns_one_practice()
    assert awareness(db.session, scope()).total.answers == 6
    only_a = awareness(db.session, scope(campaign=str(a.id))).total
    assert (only_a.answers, only_a.knew) == (2, 2)
    only_b = awareness(db.session, scope(campaign=str(b.id))).total
    assert (only_b.answers, only_b.knew) == (3, 1)
    assert awareness(db.session, scope(campaign=str(a.id),
                                       locality=str(fens.id))).total.answers == 1


def test_headline_scans_use_the_campaigns_own_links(app) -> None:
    _, a, _ = _two_campaigns_one_practice()
    by_label = {h.label: h for h in headlines(db.session, scope(campaign=str(a.id)))}
    assert by_label["QR code scans"].value == 3


def test_awareness_download_for_a_campaign(app, steering_client: FlaskClient) -> None:
    _, a, b = _two_campaigns_one_practice()
    query = {"start": "2022-01-01", "end": "2022-06-30", "format": "json"}
    rows = steering_client.get("/insights/export/awareness",
                               query_string={**query, "campaign": str(b.id)}).get_json()["rows"]
    assert [(r["answers"], r["knew before"]) for r in rows] == [(3, 1)]
    page = steering_client.get("/insights/awareness", query_string={
        "start": "2022-01-01", "end": "2022-06-30", "campaign": str(a.id)})
    assert page.status_code == 200
