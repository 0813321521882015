"""Security headers on every response, and cookies as production sets them."""

from __future__ import annotations

import pathlib
import re

import pytest

from engage import create_app
from engage.extensions import db
from tests.app.production import production_app, set_cookie_attributes
from tests.app.support import csrf_sign_in, csrf_token
from tests.conftest import base_config
from tests.factories import make_user

TEMPLATES = pathlib.Path(__file__).resolve().parents[2] / "engage" / "templates"
STATIC_FILE = "/static/css/engage.css"


def assert_security_headers(response) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {d.strip().split()[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert directives["object-src"] == "object-src 'none'"
    assert directives["base-uri"] == "base-uri 'none'"
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    script_src = directives.get("script-src", directives["default-src"])
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("no-referrer", "strict-origin-when-cross-origin",
                                                   "same-origin", "strict-origin")


@pytest.mark.parametrize("path", ["/login", STATIC_FILE, "/", "/no-such-page", "/logout"])
def test_every_kind_of_response_carries_the_headers(app, client, path):
    response = client.get(path)
    assert response.status_code in (200, 302, 404, 405)
    assert_security_headers(response)


def test_signed_in_pages_error_pages_and_413_carry_the_headers(app, manager_client):
    assert_security_headers(manager_client.get("/"))
    assert_security_headers(manager_client.get("/admin/users"))  # 403
    app.config["MAX_CONTENT_LENGTH"] = 10
    assert_security_headers(manager_client.post("/account/password", data={"x": "y" * 100}))


def test_pages_are_not_cached_but_static_files_may_be(app, manager_client):
    assert manager_client.get("/").headers["Cache-Control"] == "no-store"
    assert "no-store" not in manager_client.get(STATIC_FILE).headers.get("Cache-Control", "")


def test_no_hsts_over_plain_http(app, client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_hsts_over_https(app):
    response = app.test_client().get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    static = app.test_client().get(STATIC_FILE, base_url="https://localhost")
    assert "Strict-Transport-Security" in static.headers


def test_hsts_behind_a_trusted_proxy_that_terminates_tls(database_url):
    app = create_app(base_config(database_url, TRUSTED_PROXY_COUNT=1))
    with app.app_context():
        response = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
        assert "Strict-Transport-Security" in response.headers
        db.engine.dispose()


def test_a_forged_proto_header_without_a_trusted_proxy_is_ignored(app, client):
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_production_cookies_are_secure_httponly_lax_and_host_only(monkeypatch, database_url):
    https = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/login"}}
    with production_app(monkeypatch, database_url) as app:
        user = make_user()
        db.session.commit()
        client = app.test_client()
        csrf_token(client, **https)
        token_cookie = client.get("/login", **https).headers.getlist("Set-Cookie")
        csrf_sign_in(client, user, **https)
        visit = client.get("/", **https)
        assert visit.status_code == 200
        headers = token_cookie + visit.headers.getlist("Set-Cookie")
        assert headers, "the session cookie is set before log-in and refreshed on each visit"
        for header in headers:
            cookie = set_cookie_attributes(header)
            assert cookie["name"] == "__Host-engage_session"
            assert cookie.get("secure") is True
            assert cookie.get("httponly") is True
            assert cookie.get("samesite") == "Lax"
            assert cookie.get("path") == "/"
            assert "domain" not in cookie


def test_development_cookies_are_httponly_and_lax(app, client):
    user = make_user()
    db.session.commit()
    response = client.post("/login", data={"email": user.email,
                                           "password": "correct horse battery staple"})
    cookie = set_cookie_attributes(response.headers["Set-Cookie"])
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"
    assert "secure" not in cookie  # plain http in development, or the browser would drop it


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")),
                         ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_have_no_inline_script_or_style(template):
    """The CSP forbids them, so they would silently not work."""
    text = template.read_text()
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag, f"inline script in {template.name}: {tag}"
    assert not re.search(r"\son[a-z]+\s*=", text), f"inline event handler in {template.name}"
    assert not re.search(r"\sstyle\s*=", text), f"inline style attribute in {template.name}"
    assert "<style" not in text, f"inline <style> in {template.name}"
