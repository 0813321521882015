"""Failed log-ins are limited per client address (429) and slow an account down, never lock it."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from engage import create_app
from engage.auth.models import LoginThrottle
from engage.auth.throttle import FORGET_AFTER, record_failure, seconds_to_wait, wait_for
from engage.extensions import db
from tests.conftest import base_config
from tests.factories import PASSWORD, make_user

LIMIT = 3


@pytest.fixture()
def app_config():
    return {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": f"{LIMIT} per hour"}


def fail(client, email: str, **kwargs):
    return client.post("/login", data={"email": email, "password": "not the password!"}, **kwargs)


def test_the_attempt_after_the_limit_gets_a_readable_429(app, client):
    user = make_user()
    db.session.commit()
    for _ in range(LIMIT):
        assert fail(client, user.email).status_code == 200
    response = fail(client, user.email)
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many attempts" in page and "Wait a few minutes" in page
    assert "Retry-After" in response.headers
    assert response.headers["Content-Security-Policy"]


def test_even_the_right_password_waits_once_the_limit_is_reached(app, client):
    user = make_user()
    db.session.commit()
    for _ in range(LIMIT):
        fail(client, user.email)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429


def test_successful_log_ins_are_not_counted(app):
    user = make_user()
    db.session.commit()
    client = app.test_client()
    for _ in range(LIMIT + 2):
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
    for _ in range(LIMIT):
        assert fail(client, user.email).status_code == 200


def test_the_page_itself_is_never_limited(app, client):
    for _ in range(LIMIT + 2):
        assert client.get("/login").status_code == 200


def at(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def sign_in_from(app, address: str, email: str, password: str = PASSWORD):
    return app.test_client().post("/login", data={"email": email, "password": password},
                                  **at(address))


def let_time_pass(seconds: int) -> None:
    """The clock moves on: every recorded failure is now `seconds` older."""
    for row in db.session.scalars(select(LoginThrottle)):
        row.last_failure_at -= timedelta(seconds=seconds)
    db.session.commit()


def failures_recorded() -> int:
    return sum(db.session.scalars(select(LoginThrottle.failures)))


def test_failures_against_one_account_from_many_addresses_make_everyone_wait(app):
    """A guesser rotating addresses meets a short wait on the account, not a free run."""
    user = make_user()
    db.session.commit()
    free = app.config["LOGIN_ACCOUNT_FREE_FAILURES"]
    for n in range(free):
        assert fail(app.test_client(), user.email, **at(f"10.0.0.{n}")).status_code == 200
    response = fail(app.test_client(), user.email, **at("10.0.0.99"))
    assert response.status_code == 429
    assert "Wait 2 seconds, then try again" in response.get_data(as_text=True)


class TestAGuessedAccountIsNotLockedOut:
    """The probe: five wrong passwords from one address locked the real user out everywhere."""

    @pytest.fixture()
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "5 per hour",
                "LOGIN_ACCOUNT_FREE_FAILURES": 5}

    def test_the_right_password_from_another_address_signs_in_after_a_short_wait(self, app):
        user = make_user()
        db.session.commit()
        attacker, owner = "203.0.113.66", "198.51.100.7"
        for _ in range(5):
            assert fail(app.test_client(), user.email, **at(attacker)).status_code == 200
        assert fail(app.test_client(), user.email, **at(attacker)).status_code == 429

        waiting = sign_in_from(app, owner, user.email)
        assert waiting.status_code == 429
        assert "Wait 2 seconds, then try again" in waiting.get_data(as_text=True)
        let_time_pass(2)
        assert sign_in_from(app, owner, user.email).status_code == 302
        # The attacker's address stays throttled, whatever it tries next.
        assert fail(app.test_client(), user.email, **at(attacker)).status_code == 429
        assert sign_in_from(app, attacker, "someone@example.org").status_code == 429

    def test_a_clean_address_is_not_refused_for_an_hour(self, app):
        """However long the run of failures, the wait is capped at a couple of minutes."""
        user = make_user()
        db.session.commit()
        most = app.config["LOGIN_ACCOUNT_MAX_WAIT_SECONDS"]
        assert most <= 300
        for n in range(40):  # forty guessers, each with an address of its own
            let_time_pass(most)
            assert fail(app.test_client(), user.email, **at(f"10.1.{n}.1")).status_code == 200
        waiting = sign_in_from(app, "198.51.100.8", user.email)
        assert waiting.status_code == 429
        assert f"Wait {most} seconds" in waiting.get_data(as_text=True)
        let_time_pass(most)
        assert sign_in_from(app, "198.51.100.8", user.email).status_code == 302
        assert failures_recorded() == 0  # signing in ends the run

    def test_attempts_during_the_wait_are_refused_unheard_and_do_not_lengthen_it(self, app):
        user = make_user()
        db.session.commit()
        for n in range(5):
            fail(app.test_client(), user.email, **at(f"10.2.0.{n}"))
        for n in range(3):
            refused = sign_in_from(app, f"10.2.1.{n}", user.email)  # even the right password
            assert refused.status_code == 429
        assert failures_recorded() == 5

    def test_an_unknown_address_waits_the_same_so_the_wait_reveals_nothing(self, app):
        user = make_user()
        db.session.commit()
        pages = []
        for email in (user.email, "nobody-here@example.org"):
            for n in range(5):
                fail(app.test_client(), email, **at(f"10.3.{len(pages)}.{n}"))
            response = fail(app.test_client(), email, **at("10.3.9.9"))
            assert response.status_code == 429
            pages.append(response.get_data(as_text=True).replace(email, "EMAIL"))
        assert pages[0] == pages[1]


def test_the_wait_grows_from_two_seconds_to_the_cap():
    assert [wait_for(n, 5, 120) for n in range(4, 13)] == [0, 2, 4, 8, 16, 32, 64, 120, 120]
    assert wait_for(10_000, 5, 120) == 120


def test_the_count_is_forgotten_after_a_quiet_hour(app):
    start = datetime(2026, 11, 30, 9, tzinfo=UTC)
    for n in range(6):
        record_failure(db.session, "Jo@Example.org ", start + timedelta(seconds=n))
    last = start + timedelta(seconds=5)
    assert seconds_to_wait(db.session, "jo@example.org", last, 5, 120) == 4
    assert seconds_to_wait(db.session, "jo@example.org", last + timedelta(seconds=3), 5, 120) == 1
    later = last + FORGET_AFTER
    assert seconds_to_wait(db.session, "jo@example.org", later, 5, 120) == 0
    record_failure(db.session, "jo@example.org", later)
    assert failures_recorded() == 1
    # Only a digest of the address is kept.
    assert "example.org" not in db.session.scalars(select(LoginThrottle.key)).one()


def test_failures_from_one_address_across_accounts_are_limited(app, client):
    for n in range(LIMIT):
        assert fail(client, f"nobody{n}@example.org").status_code == 200
    assert fail(client, "someone-else@example.org").status_code == 429


class TestClientAddress:
    """The client address comes from X-Forwarded-For only behind a configured, trusted proxy."""

    def test_without_a_trusted_proxy_a_forged_header_changes_nothing(self, app, client):
        for n in range(LIMIT):
            forged = {"X-Forwarded-For": f"198.51.100.{n}"}
            assert fail(client, f"a{n}@example.org", headers=forged).status_code == 200
        forged = {"X-Forwarded-For": "198.51.100.200"}
        assert fail(client, "b@example.org", headers=forged).status_code == 429

    @pytest.fixture()
    def proxied_app(self, database_url):
        app = create_app(base_config(database_url, RATELIMIT_ENABLED=True,
                                     LOGIN_RATE_LIMIT=f"{LIMIT} per hour", TRUSTED_PROXY_COUNT=1))
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()

    def test_behind_a_trusted_proxy_the_forwarded_address_is_the_key(self, proxied_app):
        client = proxied_app.test_client()
        for n in range(LIMIT + 2):  # a new address each time: never limited
            headers = {"X-Forwarded-For": f"198.51.100.{n}"}
            assert fail(client, f"c{n}@example.org", headers=headers).status_code == 200
        same = {"X-Forwarded-For": "203.0.113.7"}
        for n in range(LIMIT):
            assert fail(client, f"d{n}@example.org", headers=same).status_code == 200
        assert fail(client, "e@example.org", headers=same).status_code == 429

    def test_behind_a_trusted_proxy_only_the_last_hop_is_believed(self, proxied_app):
        """A client cannot pick its own key by adding addresses in front of the proxy's."""
        client = proxied_app.test_client()
        for n in range(LIMIT):
            forged = {"X-Forwarded-For": f"192.0.2.{n}, 203.0.113.8"}
            assert fail(client, f"f{n}@example.org", headers=forged).status_code == 200
        forged = {"X-Forwarded-For": "192.0.2.99, 203.0.113.8"}
        assert fail(client, "g@example.org", headers=forged).status_code == 429


def redis_url() -> str:
    return "redis://127.0.0.1:6379"


@pytest.fixture()
def redis_client():
    import redis

    client = redis.Redis.from_url(redis_url(), socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"Redis is not reachable at {redis_url()} ({exc}): Redis rate-limit storage "
                    "NOT tested; start redis-server to test it")
    yield client
    client.close()


def test_limits_are_shared_by_workers_through_redis(database_url, redis_client):
    """Two app instances (two gunicorn workers) see one count when storage is Redis."""
    # Unique addresses and email keep this run apart from any other using the same Redis.
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    email = f"redis-{secrets.token_hex(6)}@example.org"
    settings = base_config(database_url, RATELIMIT_ENABLED=True, TRUSTED_PROXY_COUNT=1,
                           RATELIMIT_STORAGE_URI=redis_url(), LOGIN_RATE_LIMIT=f"{LIMIT} per hour")
    worker_one, worker_two = create_app(settings), create_app(settings)
    headers = {"X-Forwarded-For": address}
    try:
        with worker_one.app_context():
            client = worker_one.test_client()
            for _ in range(LIMIT):
                assert fail(client, email, headers=headers).status_code == 200
        keys = [key.decode() for key in redis_client.scan_iter(match=f"*{address}*")]
        assert keys, "no rate-limit key for the address was written to Redis"
        with worker_two.app_context():
            assert fail(worker_two.test_client(), email, headers=headers).status_code == 429
    finally:
        for key in redis_client.scan_iter(match=f"*{email}*"):
            redis_client.delete(key)
        for key in redis_client.scan_iter(match=f"*{address}*"):
            redis_client.delete(key)
        for app in (worker_one, worker_two):
            with app.app_context():
                db.engine.dispose()


def test_log_ins_keep_working_and_limited_when_the_shared_storage_is_down(database_url, caplog):
    """Redis unreachable: each worker falls back to counting in memory, and says so."""
    from engage.extensions import limiter

    app = create_app(base_config(database_url, RATELIMIT_ENABLED=True,
                                 RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
                                 LOGIN_RATE_LIMIT=f"{LIMIT} per hour"))
    try:
        with app.app_context():
            client = app.test_client()
            for _ in range(LIMIT):
                assert fail(client, "down@example.org").status_code == 200
            assert fail(client, "down@example.org").status_code == 429
            assert "falling back to in-memory storage" in caplog.text
            db.engine.dispose()
    finally:
        # The extension object outlives this app; let the next app start with healthy storage.
        limiter._storage_dead = False
