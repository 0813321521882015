"""Settings come from the environment, are checked at start-up, and production is strict."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from engage import create_app
from engage.config import (
    DEV_SECRET_KEY,
    ConfigError,
    check_production_safety,
    load_settings,
    production_warnings,
)
from engage.extensions import db
from tests.app.production import STRONG_KEY, production_app
from tests.conftest import base_config, empty_all_tables, sign_in
from tests.factories import make_user


def settings(**env: str) -> dict:
    return load_settings(env, instance_path="/tmp/engage-instance")


def test_defaults_are_safe_for_development():
    config = settings()
    assert config["ENGAGE_ENV"] == "development"
    assert config["DEBUG"] is False
    assert config["MAX_CONTENT_LENGTH"] == 20 * 1024 * 1024
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["TRUSTED_PROXY_COUNT"] == 0
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["SESSION_COOKIE_SECURE"] is False
    assert config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////tmp/engage-instance/engage.db"


def test_production_settings_secure_the_cookie():
    config = settings(ENGAGE_ENV="production", SECRET_KEY=STRONG_KEY)
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_NAME"] == "__Host-engage_session"
    assert config["PREFERRED_URL_SCHEME"] == "https"


def test_settings_are_read_from_the_environment():
    config = settings(
        DATABASE_URL="postgres://u:p@db.internal/engage", MAX_UPLOAD_MB="5",
        RATELIMIT_STORAGE_URI="redis://cache:6379/2", TRUSTED_PROXY_COUNT="1",
        SESSION_IDLE_MINUTES="15", SESSION_MAX_HOURS="8", SECRET_KEY_FALLBACKS="old-one, older",
        LOGIN_RATE_LIMIT="10 per minute", LOG_LEVEL="warning",
    )
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.internal/engage"
    assert config["MAX_CONTENT_LENGTH"] == 5 * 1024 * 1024
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/2"
    assert config["TRUSTED_PROXY_COUNT"] == 1
    assert config["SESSION_IDLE_MINUTES"] == 15
    assert config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=8)
    assert config["SECRET_KEY_FALLBACKS"] == ["old-one", "older"]
    assert config["LOGIN_RATE_LIMIT"] == "10 per minute"
    assert config["LOG_LEVEL"] == "WARNING"


@pytest.mark.parametrize(("env", "message"), [
    ({"ENGAGE_ENV": "prod"}, "ENGAGE_ENV must be one of"),
    ({"MAX_UPLOAD_MB": "lots"}, "MAX_UPLOAD_MB must be a whole number"),
    ({"MAX_UPLOAD_MB": "0"}, "MAX_UPLOAD_MB must be at least 1"),
    ({"TRUSTED_PROXY_COUNT": "-1"}, "TRUSTED_PROXY_COUNT must be at least 0"),
    ({"RATELIMIT_ENABLED": "maybe"}, "RATELIMIT_ENABLED must be true or false"),
    ({"LOGIN_RATE_LIMIT": "often"}, "LOGIN_RATE_LIMIT must look like"),
    ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of"),
    ({"PUBLIC_BASE_URL": "engage.example.org"}, "PUBLIC_BASE_URL must start with"),
    ({"PROVIDER_PHONE": "call us"}, "PROVIDER_PHONE is not a phone number"),
    ({"PROVIDER_PHONE": "12"}, "PROVIDER_PHONE is not a phone number"),
    ({"PROVIDER_EMAIL": "oh at example.org"}, "PROVIDER_EMAIL is not an email address"),
    ({"PROVIDER_NAME": "x" * 121}, "PROVIDER_NAME must be at most 120 characters"),
    ({"MAIL_FROM": "engage at example.org"}, "MAIL_FROM is not an email address"),
    ({"MAIL_FROM": ""}, "MAIL_FROM is empty"),
    ({"MAIL_REPLY_TO": "oh@"}, "MAIL_REPLY_TO is not an email address"),
    ({"MAIL_FROM_NAME": "OH <team>"}, "MAIL_FROM_NAME must be 1 to 80 characters"),
    ({"MAIL_FROM_NAME": "x" * 81}, "MAIL_FROM_NAME must be 1 to 80 characters"),
])
def test_bad_values_are_refused_at_start_up_with_a_clear_message(env, message):
    with pytest.raises(ConfigError, match=message):
        settings(**env)


@pytest.mark.parametrize(("key", "problem"), [
    ("", "is not set"),
    (DEV_SECRET_KEY, "published development key"),
    ("too-short-0123456789", "shorter than 32 characters"),
    ("a" * 32, "only 1 different characters"),
    ("abab" * 16, "only 2 different characters"),
    ("correct horse battery staple now", "looks guessable"),
])
def test_production_refuses_a_default_short_or_low_entropy_secret_key(monkeypatch, database_url,
                                                                       key, problem):
    monkeypatch.setenv("ENGAGE_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigError, match="^SECRET_KEY ") as refused:
        create_app()
    message = str(refused.value)
    assert problem in message and "token_urlsafe(48)" in message
    assert not key or key not in message


@pytest.mark.parametrize("bad", [DEV_SECRET_KEY, "a" * 40, "short-old-key"])
def test_production_refuses_a_weak_fallback_key_and_names_it(monkeypatch, database_url, bad):
    """Any fallback can sign a cookie the app accepts: one weak entry is as bad as a weak key."""
    monkeypatch.setenv("ENGAGE_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("SECRET_KEY_FALLBACKS", f"{secrets.token_urlsafe(48)},{bad}")
    with pytest.raises(ConfigError, match=r"^SECRET_KEY_FALLBACKS entry 2 \(of 2\) ") as refused:
        create_app()
    assert bad not in str(refused.value)


def test_production_starts_with_generated_keys_and_fallbacks(monkeypatch, database_url):
    fallbacks = ",".join(secrets.token_urlsafe(48) for _ in range(2))
    with production_app(monkeypatch, database_url, SECRET_KEY=secrets.token_urlsafe(48),
                        SECRET_KEY_FALLBACKS=fallbacks) as app:
        assert len(app.config["SECRET_KEY_FALLBACKS"]) == 2


def test_a_cookie_forged_with_the_development_key_cannot_reach_production(monkeypatch,
                                                                          database_url):
    """The probe: DEV_SECRET_KEY as a fallback let a forged admin cookie open /admin/users."""
    monkeypatch.setenv("ENGAGE_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("SECRET_KEY_FALLBACKS", DEV_SECRET_KEY)
    with pytest.raises(ConfigError, match="SECRET_KEY_FALLBACKS entry 1"):
        create_app()


class TestWithoutEngageEnv:
    """ENGAGE_ENV unset: development only on `make run`'s own SQLite file."""

    def test_the_default_sqlite_file_is_development(self):
        assert settings()["ENGAGE_ENV"] == "development"
        default = "sqlite:////tmp/engage-instance/engage.db"
        assert settings(DATABASE_URL=default)["ENGAGE_ENV"] == "development"

    @pytest.mark.parametrize("url", ["postgresql://engage@db.internal/engage",
                                     "postgres://u:p@127.0.0.1/engage",
                                     "sqlite:////srv/engage/engage.db"])
    def test_any_other_database_is_production(self, url):
        config = settings(DATABASE_URL=url, SECRET_KEY=STRONG_KEY)
        assert config["ENGAGE_ENV"] == "production"
        assert config["SESSION_COOKIE_SECURE"] is True

    def test_an_explicit_setting_wins(self):
        url = "postgresql://engage@db.internal/engage"
        assert settings(DATABASE_URL=url, ENGAGE_ENV="development")["ENGAGE_ENV"] == "development"

    def test_a_server_database_without_a_key_refuses_to_start_and_says_what_to_set(
            self, monkeypatch, database_url):
        """The probe: gunicorn on PostgreSQL, ENGAGE_ENV unset, served the published key."""
        monkeypatch.delenv("ENGAGE_ENV", raising=False)
        monkeypatch.delenv("SECRET_KEY", raising=False)
        monkeypatch.delenv("FLASK_DEBUG", raising=False)
        monkeypatch.setenv("DATABASE_URL", database_url)
        with pytest.raises(ConfigError) as refused:
            create_app()
        message = str(refused.value)
        assert message.startswith("SECRET_KEY is not set")
        assert "ENGAGE_ENV is not set" in message and "ENGAGE_ENV=development" in message

    def test_a_server_database_with_a_good_key_runs_as_production(self, monkeypatch,
                                                                   database_url):
        monkeypatch.delenv("ENGAGE_ENV", raising=False)
        monkeypatch.delenv("FLASK_DEBUG", raising=False)
        monkeypatch.setenv("DATABASE_URL", database_url)
        monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
        app = create_app()
        with app.app_context():
            assert app.config["ENGAGE_ENV"] == "production" and not app.testing
            db.engine.dispose()

    def test_make_run_needs_no_settings(self, monkeypatch, tmp_path):
        """`make run`: no variables at all, the SQLite file under instance/, development."""
        for name in ("ENGAGE_ENV", "SECRET_KEY", "DATABASE_URL", "SECRET_KEY_FALLBACKS"):
            monkeypatch.delenv(name, raising=False)
        config = load_settings({}, instance_path=str(tmp_path))
        check_production_safety(config, env={})
        assert config["ENGAGE_ENV"] == "development"
        assert config["SECRET_KEY"] == DEV_SECRET_KEY


def test_production_refuses_the_dev_key_even_when_passed_as_config():
    config = settings(ENGAGE_ENV="production", SECRET_KEY=STRONG_KEY)
    config["SECRET_KEY"] = DEV_SECRET_KEY
    with pytest.raises(ConfigError):
        check_production_safety(config, env={})


def test_production_refuses_debug(monkeypatch, database_url):
    monkeypatch.setenv("ENGAGE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigError, match="Debug mode must be off"):
        create_app()
    config = settings(ENGAGE_ENV="production", SECRET_KEY=STRONG_KEY)
    config["DEBUG"] = True
    with pytest.raises(ConfigError, match="Debug mode must be off"):
        check_production_safety(config, env={})


def test_production_refuses_insecure_cookies():
    config = settings(ENGAGE_ENV="production", SECRET_KEY=STRONG_KEY, SESSION_COOKIE_SECURE="no")
    with pytest.raises(ConfigError, match="SESSION_COOKIE_SECURE"):
        check_production_safety(config, env={})


def test_a_production_app_starts_with_debug_off(monkeypatch, database_url):
    with production_app(monkeypatch, database_url) as app:
        assert app.debug is False and app.testing is False
        assert app.config["SECRET_KEY"] == STRONG_KEY


def test_production_warns_about_settings_that_do_not_scale():
    config = settings(ENGAGE_ENV="production", SECRET_KEY=STRONG_KEY)
    warnings = " ".join(production_warnings(config))
    assert "PostgreSQL" in warnings and "redis://" in warnings and "PUBLIC_BASE_URL" in warnings
    good = settings(ENGAGE_ENV="production", SECRET_KEY=STRONG_KEY,
                    DATABASE_URL="postgresql://db/engage", RATELIMIT_STORAGE_URI="redis://r:6379",
                    PUBLIC_BASE_URL="https://engage.example.org",
                    DATA_PROTECTION_CONTACT="dpo@example.org",
                    ACCESSIBILITY_CONTACT="access@example.org")
    assert production_warnings(good) == []
    assert production_warnings(settings()) == []


def test_production_warns_when_the_public_statements_name_no_contact():
    config = settings(ENGAGE_ENV="production", SECRET_KEY=STRONG_KEY,
                      ACCESSIBILITY_CONTACT="access@example.org")
    warnings = " ".join(production_warnings(config))
    assert "DATA_PROTECTION_CONTACT is not set" in warnings
    assert "ACCESSIBILITY_CONTACT" not in warnings


def test_the_awareness_burst_window_is_a_positive_number_of_minutes():
    assert settings()["AWARENESS_BURST_MINUTES"] == 10
    assert settings(AWARENESS_BURST_MINUTES="3")["AWARENESS_BURST_MINUTES"] == 3
    for bad in ("0", "ten", "-5"):
        with pytest.raises(ConfigError, match="AWARENESS_BURST_MINUTES"):
            settings(AWARENESS_BURST_MINUTES=bad)


def test_a_rotated_key_keeps_sessions_through_the_fallback(database_url):
    old_key, new_key = "old-key-" + "a" * 40, "new-key-" + "b" * 40
    before = create_app(base_config(database_url, SECRET_KEY=old_key))
    with before.app_context():
        user = make_user()
        db.session.commit()
        cookie = sign_in(before.test_client(), user).get_cookie("engage_session").value
    for fallbacks, status in (([old_key], 200), ([], 302)):
        after = create_app(base_config(database_url, SECRET_KEY=new_key,
                                       SECRET_KEY_FALLBACKS=fallbacks))
        with after.app_context():
            client = after.test_client()
            client.set_cookie("engage_session", cookie)
            assert client.get("/").status_code == status
    with before.app_context():
        empty_all_tables()
        db.engine.dispose()
