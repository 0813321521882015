"""Error pages say what to do and reveal nothing about the internals."""

from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy import text

from engage.auth.access import Access, access
from engage.errors import size_label
from engage.extensions import db

SECRET_DETAIL = "connection to db-internal-7.example failed: /srv/engage/app.py line 42"
LEAKS = ("Traceback", "RuntimeError", SECRET_DETAIL, "db-internal", "File \"", "werkzeug")


@pytest.fixture()
def app_config():
    return {"MAX_CONTENT_LENGTH": 1024}


@pytest.fixture()
def broken_app(app):
    """The test app with two extra routes that fail, as a bug would."""

    @access(Access.PUBLIC)
    def explode():
        raise RuntimeError(SECRET_DETAIL)

    @access(Access.PUBLIC)
    def bad_sql():
        db.session.execute(text("SELECT * FROM no_such_table"))
        return "unreachable"

    app.add_url_rule("/test-only/explode", "explode", explode)
    app.add_url_rule("/test-only/bad-sql", "bad_sql", bad_sql)
    return app


def test_an_unhandled_error_gives_the_generic_page(broken_app, caplog):
    client = broken_app.test_client()
    with caplog.at_level(logging.ERROR):
        response = client.get("/test-only/explode")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in page
    for leak in LEAKS:
        assert leak not in page
    assert response.headers["Content-Security-Policy"]
    # The operator still gets the detail, in the log.
    logged = [r for r in caplog.records if r.name == "engage.errors" and r.exc_info]
    assert logged and str(logged[0].exc_info[1]) == SECRET_DETAIL


def test_a_database_error_is_rolled_back_and_the_next_request_works(broken_app, manager_client):
    response = broken_app.test_client().get("/test-only/bad-sql")
    assert response.status_code == 500
    assert "no_such_table" not in response.get_data(as_text=True)
    assert manager_client.get("/").status_code == 200


def test_debug_is_off(app):
    assert app.debug is False


def test_a_body_over_the_limit_gets_a_readable_413(app, client):
    response = client.post("/login", data={"email": "x" * 4096, "password": "y"})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "The file is too large" in page and "Files can be up to 1 KB" in page


def test_an_upload_over_the_limit_gets_a_readable_413(app, manager_client):
    upload = (io.BytesIO(b"A12345,Some Surgery\r\n" * 200), "epraccur.csv")
    response = manager_client.post("/account/password", data={"file": upload},
                                   content_type="multipart/form-data")
    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)


def test_the_default_limit_is_20_mb():
    from engage.config import load_settings

    assert load_settings({})["MAX_CONTENT_LENGTH"] == 20 * 1024 * 1024
    assert size_label(20 * 1024 * 1024) == "20 MB"
    assert size_label(512 * 1024) == "512 KB"


def test_not_found_is_plain(app, client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_method_not_allowed_keeps_the_allow_header(app, manager_client):
    response = manager_client.get("/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "That action is not allowed here" in response.get_data(as_text=True)


def test_an_expired_form_says_so(database_url):
    from engage import create_app
    from tests.conftest import base_config

    app = create_app(base_config(database_url, WTF_CSRF_ENABLED=True))
    with app.app_context():
        response = app.test_client().post("/login", data={"email": "a@example.org",
                                                          "password": "whatever"})
        assert response.status_code == 400
        assert "Your form had expired" in response.get_data(as_text=True)
        db.engine.dispose()
