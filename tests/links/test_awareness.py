"""The awareness question: one tap, no cookie, signed token, one counted answer a day."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from engage.extensions import db
from engage.links import awareness
from engage.links.models import AwarenessAnswer
from tests.factories import make_service, make_short_link

# One test scans, and the scan endpoint writes on a connection of its own.
pytestmark = pytest.mark.real_commits

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"


def answers() -> int:
    return db.session.scalar(select(func.count()).select_from(AwarenessAnswer))


def token_from(client, path: str) -> str:
    page = client.get(path, headers={"User-Agent": PHONE}).get_data(as_text=True)
    match = re.search(r'name="token" value="([^"]+)"', page)
    assert match, "no awareness question on the page"
    return match.group(1)


def answer(client, slug: str, token: str, value: str = "yes", address: str = "192.0.2.5"):
    return client.post(f"/services/{slug}/awareness", data={"token": token, "answer": value},
                       headers={"User-Agent": PHONE}, environ_base={"REMOTE_ADDR": address})


def test_the_question_is_at_the_foot_of_the_service_page(app, client):
    service = make_service()
    db.session.commit()
    page = client.get(f"/services/{service.slug}").get_data(as_text=True)
    assert "Did you know about this service before today?" in page
    assert 'name="csrf_token"' not in page


def test_one_tap_stores_the_answer_without_a_cookie(app, client):
    service = make_service()
    db.session.commit()
    token = token_from(client, f"/services/{service.slug}")
    response = answer(client, service.slug, token, "no")
    assert response.status_code == 200
    assert "Thank you" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    stored = db.session.scalars(select(AwarenessAnswer)).one()
    assert (stored.service_id, stored.knew_before, stored.link_id) == (service.id, False, None)


def test_an_answer_after_a_scan_records_the_organisation_and_poster(app, client):
    link = make_short_link()
    db.session.commit()
    location = client.get(f"/q/{link.code}", headers={"User-Agent": PHONE}).headers["Location"]
    token = token_from(client, location)
    assert answer(client, link.service.slug, token).status_code == 200
    stored = db.session.scalars(select(AwarenessAnswer)).one()
    assert (stored.link_id, stored.organisation_id) == (link.id, link.organisation_id)


def test_a_second_answer_the_same_day_is_not_stored_and_the_page_says_so(app, client):
    service = make_service()
    db.session.commit()
    token = token_from(client, f"/services/{service.slug}")
    answer(client, service.slug, token, "yes")
    response = answer(client, service.slug, token, "no")
    assert response.status_code == 200
    assert "already have your answer" in response.get_data(as_text=True)
    assert answers() == 1
    assert db.session.scalars(select(AwarenessAnswer.knew_before)).one() is True


def test_another_visitor_is_counted_separately(app, client):
    service = make_service()
    db.session.commit()
    token = token_from(client, f"/services/{service.slug}")
    answer(client, service.slug, token, address="192.0.2.5")
    answer(client, service.slug, token, address="192.0.2.6")
    assert answers() == 2


def test_an_answer_without_a_token_is_400_and_stores_nothing(app, client):
    service = make_service()
    db.session.commit()
    response = client.post(f"/services/{service.slug}/awareness", data={"answer": "yes"})
    assert response.status_code == 400
    assert "Reload the page" in response.get_data(as_text=True)
    assert answers() == 0


def test_a_forged_token_is_400(app, client):
    service = make_service()
    db.session.commit()
    assert answer(client, service.slug, "eyJzIjoxfQ.forged.token").status_code == 400
    assert answers() == 0


def test_a_token_for_another_service_is_400(app, client):
    one, other = make_service(), make_service()
    db.session.commit()
    token = token_from(client, f"/services/{one.slug}")
    assert answer(client, other.slug, token).status_code == 400
    assert answers() == 0


def test_an_expired_token_is_400(app):
    service = make_service()
    db.session.commit()
    issued = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    token = awareness.make_token(app.config["SECRET_KEY"], service, None, issued)
    assert awareness.read_token(app.config["SECRET_KEY"], token, service,
                                issued + timedelta(hours=1)).service_id == service.id
    with pytest.raises(awareness.AwarenessError, match="open too long"):
        awareness.read_token(app.config["SECRET_KEY"], token, service,
                             issued + timedelta(hours=3))
    response = app.test_client().post(f"/services/{service.slug}/awareness",
                                      data={"token": token, "answer": "yes"})
    assert response.status_code == 400
    assert "open too long" in response.get_data(as_text=True)


def test_an_answer_other_than_yes_or_no_is_400(app, client):
    service = make_service()
    db.session.commit()
    token = token_from(client, f"/services/{service.slug}")
    assert answer(client, service.slug, token, "<b>maybe</b>").status_code == 400
    assert answers() == 0


def test_an_answer_for_an_unknown_service_is_404(app, client):
    assert client.post("/services/nothing-here/awareness", data={"answer": "yes"}).status_code \
        == 404


def test_get_on_the_answer_address_is_405(app, client):
    service = make_service()
    db.session.commit()
    assert client.get(f"/services/{service.slug}/awareness").status_code == 405


class TestFlood:
    @pytest.fixture()
    def app_config(self):
        return {"RATELIMIT_ENABLED": True}

    def test_a_flood_of_answers_from_one_address_is_rate_limited(self, app, client):
        from engage.extensions import limiter

        limiter.reset()
        service = make_service()
        db.session.commit()
        token = token_from(client, f"/services/{service.slug}")
        statuses = [answer(client, service.slug, token).status_code for _ in range(25)]
        assert statuses[0] == 200
        assert statuses[-1] == 429
        assert answers() == 1
        limited = answer(client, service.slug, token)
        assert "Too many answers" in limited.get_data(as_text=True)
        limiter.reset()
