"""The scan endpoint under floods: a rate limit per address, unknown codes capped per day, and a
visitor key a rotating user agent cannot multiply."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from engage.campaigns.models import Channel, Engagement
from engage.config import ConfigError, load_settings
from engage.extensions import db, limiter
from engage.links.codes import new_code
from engage.links.models import (
    AwarenessAnswer,
    MissReason,
    Scan,
    ScanMiss,
    ScanMissDay,
    ScanVisitor,
)
from engage.links.scans import ScanRequest, handle_scan
from tests.factories import make_campaign, make_short_link, make_touchpoint
from tests.links.test_awareness import token_from

# The scan endpoint writes on a pooled connection of its own.
pytestmark = pytest.mark.real_commits

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")
ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/120.0 Mobile Safari/537.36")
ADDRESS = "192.0.2.10"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def scan(client, code, agent=IPHONE, address=ADDRESS):
    return client.get(f"/q/{code}", headers={"User-Agent": agent},
                      environ_base={"REMOTE_ADDR": address})


def poster_link():
    touchpoint = make_touchpoint(make_campaign(), channel=Channel.POSTER)
    link = make_short_link(touchpoint=touchpoint)
    db.session.commit()
    return link


def rotating_agents(n: int) -> list[str]:
    """What a script faking visitors sends: every request a new user agent, real-looking
    (any system, any version, any phone model) or plain junk."""
    rng = random.Random(15)
    agents: set[str] = set()
    while len(agents) < n:
        v = rng.randint(10, 130)
        agents.add(rng.choice([
            f"Mozilla/5.0 (iPhone; CPU iPhone OS {v % 18 + 1}_{rng.randint(0, 9)} like Mac OS X) "
            f"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{v}.0 Mobile/15E148 Safari/604.1",
            f"Mozilla/5.0 (Linux; Android {v % 15 + 1}; Model-{rng.randint(1, 10**6)}) "
            f"AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.{rng.randint(0, 9999)}.0 "
            "Mobile Safari/537.36",
            f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            f"Chrome/{v}.0.{rng.randint(0, 9999)}.0 Safari/537.36",
            f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_{v % 16}_{rng.randint(0, 9)}) "
            f"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{v}.1 Safari/605.1.15",
            f"Mozilla/5.0 (X11; Linux x86_64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
            f"agent-{rng.getrandbits(64):016x}",
        ]))
    return sorted(agents)


# --- the visitor key ---------------------------------------------------------------------------


def test_a_user_agent_rotated_on_every_scan_makes_at_most_three_people_a_day(app, client):
    link = poster_link()
    for agent in rotating_agents(200):
        assert scan(client, link.code, agent).status_code == 302
    assert count(Scan) == 200  # every scan is still stored ...
    assert count(ScanVisitor) <= 3  # ... but one address is a few visitors, not 200
    people = db.session.scalar(select(func.sum(Engagement.people)).where(
        Engagement.organisation_id == link.organisation_id))
    assert 1 <= people <= 3


def test_an_iphone_and_an_android_phone_behind_one_address_are_two_people(app, client):
    link = poster_link()
    for agent in (IPHONE, ANDROID, IPHONE, ANDROID):
        assert scan(client, link.code, agent).status_code == 302
    assert db.session.scalars(select(Engagement.people)).one() == 2


def test_people_behind_different_addresses_are_still_told_apart(app, client):
    link = poster_link()
    for number in range(5):
        scan(client, link.code, IPHONE, address=f"192.0.2.{number}")
    assert db.session.scalars(select(Engagement.people)).one() == 5


def test_a_rotating_user_agent_answers_the_awareness_question_at_most_three_times(app, client):
    link = poster_link()
    token = token_from(client, f"/services/{link.service.slug}?via={link.code}")
    statuses = [client.post(f"/services/{link.service.slug}/awareness",
                            data={"token": token, "answer": "yes"},
                            headers={"User-Agent": agent},
                            environ_base={"REMOTE_ADDR": ADDRESS}).status_code
                for agent in rotating_agents(30)]
    # Within the burst window each of the three device families is counted once; the rest are
    # held back with the kind "already recorded a moment ago" page.
    assert statuses[0] == 200 and set(statuses) == {200, 429}
    assert count(AwarenessAnswer) == statuses.count(200) <= 3


# --- unknown codes: stored up to a cap a day, the rest counted ---------------------------------

CAP = 5


class TestUnknownCodes:
    @pytest.fixture()
    def app_config(self):
        return {"SCAN_MISS_DAILY_CAP": CAP}

    def test_unknown_codes_are_stored_up_to_the_daily_cap_and_the_rest_counted(
            self, app, client):
        codes = [new_code() for _ in range(40)]
        for code in codes:
            assert scan(client, code).status_code == 404
        assert count(ScanMiss) == CAP
        assert [m.code for m in db.session.scalars(select(ScanMiss).order_by(ScanMiss.id))] \
            == codes[:CAP]  # the day's first misses are the ones kept
        day = db.session.scalars(select(ScanMissDay)).one()
        assert (day.stored, day.overflow) == (CAP, 40 - CAP)

    def test_the_links_page_says_how_many_misses_were_only_counted(self, app, client,
                                                                     manager_client):
        for _ in range(CAP + 3):
            scan(client, new_code())
        page = manager_client.get("/links/").get_data(as_text=True)
        assert "Also 3 more scans of unknown codes, counted but not listed" in page
        assert f"at most {CAP} are kept a day" in page

    def test_the_cap_starts_again_the_next_uk_day(self, app):
        now = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
        for day in range(2):
            for _ in range(CAP + 2):
                handle_scan(db.session, ScanRequest(new_code(), address=ADDRESS, user_agent=IPHONE,
                                                now=now + timedelta(days=day), miss_cap=CAP))
            db.session.commit()
        assert count(ScanMiss) == 2 * CAP
        assert sorted((d.stored, d.overflow) for d in db.session.scalars(select(ScanMissDay))) \
            == [(CAP, 2), (CAP, 2)]

    def test_retired_codes_are_still_stored_past_the_cap(self, app, client):
        for _ in range(CAP):
            scan(client, new_code())
        retired = make_short_link(retired_at=datetime(2026, 1, 1, tzinfo=UTC))
        db.session.commit()
        assert scan(client, retired.code).status_code == 404
        assert db.session.scalar(select(func.count()).select_from(ScanMiss).where(
            ScanMiss.reason == MissReason.RETIRED, ScanMiss.link_id == retired.id)) == 1

    def test_bots_on_unknown_codes_neither_store_nor_count(self, app, client):
        for _ in range(CAP + 2):
            assert scan(client, new_code(), "Googlebot/2.1").status_code == 404
        assert count(ScanMiss) == 0 and count(ScanMissDay) == 0


# --- the rate limit ----------------------------------------------------------------------------


class TestRateLimit:
    @pytest.fixture()
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "SCAN_RATE_LIMIT": "5 per minute;50 per hour"}

    @pytest.fixture(autouse=True)
    def fresh_limits(self, app):
        limiter.reset()
        yield
        limiter.reset()

    def test_a_flood_of_scans_from_one_address_gets_a_friendly_429(self, app, client):
        link = poster_link()
        statuses = [scan(client, link.code).status_code for _ in range(8)]
        assert statuses == [302] * 5 + [429] * 3
        limited = scan(client, link.code)
        assert limited.status_code == 429
        page = limited.get_data(as_text=True)
        assert "Too many scans from here" in page and 'href="/services"' in page
        assert int(limited.headers["Retry-After"]) > 0
        assert count(Scan) == 5  # refused scans store nothing

    def test_random_codes_from_one_address_stop_at_the_limit(self, app, client):
        statuses = [scan(client, new_code()).status_code for _ in range(20)]
        assert statuses.count(404) == 5 and statuses.count(429) == 15
        assert count(ScanMiss) == 5

    def test_another_address_is_not_held_up_by_the_flood(self, app, client):
        link = poster_link()
        for _ in range(8):
            scan(client, link.code)
        assert scan(client, link.code, address="198.51.100.7").status_code == 302

    def test_the_limiter_never_holds_the_address(self, app, client):
        link = poster_link()
        scan(client, link.code, address="198.51.100.77")
        keys = list(limiter.storage.storage)  # memory:// storage, as in the tests
        assert keys and any("links.scan" in key for key in keys)
        assert not any("198.51.100.77" in key for key in keys)


def test_a_staff_room_scanning_together_is_well_under_the_default_limit(database_url):
    from engage import create_app
    from tests.conftest import base_config, empty_all_tables

    app = create_app(base_config(database_url, RATELIMIT_ENABLED=True))
    assert app.config["SCAN_RATE_LIMIT"] == "60 per minute;600 per hour"
    with app.app_context():
        limiter.reset()
        try:
            link = poster_link()
            client = app.test_client()
            # Thirty people behind the practice's one address scan the poster in a minute.
            assert all(scan(client, link.code).status_code == 302 for _ in range(30))
        finally:
            limiter.reset()
            db.session.rollback()
            empty_all_tables()
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize(("name", "value"), [
    ("SCAN_RATE_LIMIT", "lots"), ("SCAN_MISS_DAILY_CAP", "0"), ("SCAN_MISS_DAILY_CAP", "many"),
])
def test_bad_flood_settings_are_refused_at_start(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})


class TestLimiterStorageDown:
    @pytest.fixture()
    def app_config(self):
        # Nothing listens on port 1: every call to the limiter's storage fails.
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"}

    def test_scans_go_through_when_the_limiter_storage_is_down(self, app, client, caplog):
        link = poster_link()
        assert scan(client, link.code).status_code == 302
        assert count(Scan) == 1
        assert "rate-limit storage unavailable" in caplog.text
