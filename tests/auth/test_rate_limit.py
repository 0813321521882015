"""Failed log-ins are rate-limited, per client address and per account."""

from __future__ import annotations

import secrets

import pytest

from engage import create_app
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


def test_failures_against_one_account_from_many_addresses_are_limited(app):
    """The per-account limit stops a password guesser who rotates addresses."""
    user = make_user()
    db.session.commit()
    for n in range(LIMIT):
        client = app.test_client()
        response = fail(client, user.email, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})
        assert response.status_code == 200
    response = fail(app.test_client(), user.email, environ_base={"REMOTE_ADDR": "10.0.0.99"})
    assert response.status_code == 429


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
        keys = [key.decode() for key in redis_client.scan_iter(match=f"*{email}*")]
        assert keys, "no rate-limit key for the account was written to Redis"
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
