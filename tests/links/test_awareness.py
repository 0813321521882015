"""The awareness question: one tap, no cookie, signed token; every answer counted, bursts held."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from engage.extensions import db
from engage.links import awareness
from engage.links.models import AwarenessAnswer, AwarenessBurst
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


def let_time_pass(minutes: int) -> None:
    """The clock moves on: every recorded answer (and its burst mark) is now older."""
    for row in db.session.scalars(select(AwarenessAnswer)):
        row.at -= timedelta(minutes=minutes)
    for mark in db.session.scalars(select(AwarenessBurst)):
        mark.last_at -= timedelta(minutes=minutes)
    db.session.commit()


def test_a_repeat_within_the_burst_window_is_refused_kindly_and_not_stored(app, client):
    service = make_service()
    db.session.commit()
    token = token_from(client, f"/services/{service.slug}")
    assert answer(client, service.slug, token, "yes").status_code == 200
    response = answer(client, service.slug, token, "no")
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 10 * 60
    page = response.get_data(as_text=True)
    assert "Your answer is already recorded" in page
    assert "recorded from this connection a moment ago" in page
    assert "you can add your own answer in 10 minutes" in page
    assert "data-awareness-answered" not in page, "a held-back answer must not hide the question"
    assert "Set-Cookie" not in response.headers
    assert answers() == 1
    assert db.session.scalars(select(AwarenessAnswer.knew_before)).one() is True


def test_a_second_answer_after_the_burst_window_is_counted(app, client):
    """Two colleagues on one practice network with the same kind of phone share a visitor key."""
    service = make_service()
    db.session.commit()
    token = token_from(client, f"/services/{service.slug}")
    assert answer(client, service.slug, token, "yes").status_code == 200
    let_time_pass(9)
    assert answer(client, service.slug, token, "no").status_code == 429
    let_time_pass(2)
    response = answer(client, service.slug, token, "no")
    assert response.status_code == 200
    assert "Thank you" in response.get_data(as_text=True)
    assert sorted(db.session.scalars(select(AwarenessAnswer.knew_before))) == [False, True]


def test_the_wait_counts_from_the_last_counted_answer(app, client):
    service = make_service()
    db.session.commit()
    token = token_from(client, f"/services/{service.slug}")
    answer(client, service.slug, token)
    let_time_pass(7)
    response = answer(client, service.slug, token)
    assert response.status_code == 429
    assert 2 * 60 < int(response.headers["Retry-After"]) <= 3 * 60
    assert "in 3 minutes" in response.get_data(as_text=True)


def test_the_burst_is_per_service(app, client):
    one, other = make_service(), make_service()
    db.session.commit()
    answer(client, one.slug, token_from(client, f"/services/{one.slug}"))
    response = answer(client, other.slug, token_from(client, f"/services/{other.slug}"))
    assert response.status_code == 200
    assert answers() == 2


class TestAShorterBurst:
    @pytest.fixture()
    def app_config(self):
        return {"AWARENESS_BURST_MINUTES": 1}

    def test_the_window_comes_from_the_setting(self, app, client):
        service = make_service()
        db.session.commit()
        token = token_from(client, f"/services/{service.slug}")
        answer(client, service.slug, token)
        repeat = answer(client, service.slug, token)
        assert repeat.status_code == 429
        assert "in 1 minute." in repeat.get_data(as_text=True)
        let_time_pass(1)
        assert answer(client, service.slug, token).status_code == 200
        assert answers() == 2


def test_old_burst_marks_are_deleted_as_answers_come_in(app, client):
    one, other = make_service(), make_service()
    db.session.commit()
    answer(client, one.slug, token_from(client, f"/services/{one.slug}"))
    let_time_pass(11)
    answer(client, other.slug, token_from(client, f"/services/{other.slug}"),
           address="192.0.2.77")
    marks = db.session.scalars(select(AwarenessBurst)).all()
    assert [mark.service_id for mark in marks] == [other.id]


def test_answers_in_quick_succession_from_one_key_store_one(app):
    """The turn is taken in one statement, so the second of two answers in a row is held."""
    service = make_service()
    db.session.commit()
    now = datetime.now(UTC)
    token = awareness.TokenData(service_id=service.id, link_id=None)
    results = [awareness.record_answer(db.session, service, token, True, address="192.0.2.9",
                                       user_agent=PHONE, now=now + timedelta(seconds=n),
                                       burst=timedelta(minutes=10)) for n in range(3)]
    db.session.commit()
    assert [r.stored for r in results] == [True, False, False]
    assert [r.wait_seconds for r in results] == [0, 599, 598]
    assert answers() == 1


def test_a_stored_answer_tells_the_page_to_hide_the_question_on_this_device(app, client):
    service = make_service()
    db.session.commit()
    token = token_from(client, f"/services/{service.slug}")
    page = answer(client, service.slug, token).get_data(as_text=True)
    assert f'data-awareness-answered="{service.slug}"' in page
    assert "/static/js/awareness.js" in page
    question = client.get(f"/services/{service.slug}").get_data(as_text=True)
    assert f'data-awareness-service="{service.slug}"' in question
    assert "/static/js/awareness.js" in question
    assert "<script>" not in question, "no inline script: the CSP allows files from /static only"


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


def test_an_answer_for_a_service_taken_off_the_public_pages_is_not_stored(app, client):
    service = make_service()
    db.session.commit()
    token = token_from(client, f"/services/{service.slug}")
    service.published = False  # made a draft after the page was opened
    db.session.commit()
    response = answer(client, service.slug, token)
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(AwarenessAnswer)) == 0
