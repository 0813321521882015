"""`flask settings show|check`: what operators run to see and check a deployment."""

from __future__ import annotations

from engage import create_app
from engage.extensions import db
from engage.settings_cli import hide_url_password
from tests import databases
from tests.conftest import base_config


def test_show_lists_every_setting_but_no_secret(app, runner):
    app.config["SENDGRID_API_KEY"] = "SG.secret-value-0123456789.abcdefghijklmnop"
    result = runner.invoke(args=["settings", "show"])
    assert result.exit_code == 0, result.output
    assert f"SECRET_KEY=set ({len(app.config['SECRET_KEY'])} characters)" in result.output
    assert app.config["SECRET_KEY"] not in result.output
    assert "secret-value" not in result.output
    assert "SENDGRID_WEBHOOK_PUBLIC_KEY=not set" in result.output
    assert "MAX_CONTENT_LENGTH=20971520" in result.output
    assert "TRUSTED_PROXY_COUNT=0" in result.output


def test_passwords_in_urls_are_hidden():
    assert hide_url_password("redis://:s3cret@cache:6379/0") == "redis://:***@cache:6379/0"
    assert hide_url_password("redis://cache:6379") == "redis://cache:6379"


def test_check_passes_on_a_migrated_database(app, runner):
    result = runner.invoke(args=["settings", "check"])
    assert result.exit_code == 0, result.output
    assert "ok: database schema up to date" in result.output


def test_check_fails_on_a_database_that_was_never_migrated(tmp_path):
    with databases.fresh_database(tmp_path, name="unmigrated") as url:
        app = create_app(base_config(url))
        result = app.test_cli_runner().invoke(args=["settings", "check"])
        with app.app_context():
            db.engine.dispose()
    assert result.exit_code == 1
    assert "run `flask db upgrade`" in result.output


def test_check_fails_when_the_rate_limit_storage_is_unreachable(database_url):
    app = create_app(base_config(database_url, RATELIMIT_ENABLED=True,
                                 RATELIMIT_STORAGE_URI="redis://:pw@127.0.0.1:1/0"))
    result = app.test_cli_runner().invoke(args=["settings", "check"])
    with app.app_context():
        db.engine.dispose()
    assert result.exit_code == 1
    assert "rate-limit storage unreachable: redis://:***@127.0.0.1:1/0" in result.output


def test_check_fails_in_production_when_the_public_address_is_unreachable(monkeypatch,
                                                                           database_url):
    from tests.app.production import production_app

    with production_app(monkeypatch, database_url,
                        PUBLIC_BASE_URL="https://192.168.1.20") as app:
        result = app.test_cli_runner().invoke(args=["settings", "check"])
    assert result.exit_code == 1
    assert ("PROBLEM: The public address https://192.168.1.20 (PUBLIC_BASE_URL) is not one the "
            "public can reach: 192.168.1.20 is a private address") in result.output
    assert "warning: The public address" not in result.output  # said once, as the problem


def test_check_fails_in_production_on_plain_http(monkeypatch, database_url):
    from tests.app.production import production_app

    with production_app(monkeypatch, database_url,
                        PUBLIC_BASE_URL="http://engage.example.org") as app:
        result = app.test_cli_runner().invoke(args=["settings", "check"])
    assert result.exit_code == 1
    assert "it uses plain http" in result.output


def test_check_passes_in_production_with_a_public_https_address(monkeypatch, database_url):
    from tests.app.production import production_app

    with production_app(monkeypatch, database_url) as app:
        result = app.test_cli_runner().invoke(args=["settings", "check"])
    assert result.exit_code == 0, result.output
    assert "ok: public address reachable (https://engage.example.org)" in result.output
    assert "PUBLIC_BASE_URL" not in result.output.replace("(https://engage.example.org)", "")


def test_check_only_warns_about_localhost_outside_production(app, runner):
    result = runner.invoke(args=["settings", "check"])
    assert result.exit_code == 0, result.output
    assert ("warning: The public address http://127.0.0.1:5000 (PUBLIC_BASE_URL) is not one the "
            "public can reach") in result.output
    assert "(a problem only in production)" in result.output
