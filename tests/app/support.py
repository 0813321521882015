"""Helpers for tests that need the app the way production runs it: CSRF on, real cookies."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from engage.auth.models import User
from tests.factories import PASSWORD

TOKEN_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login", **request: Any) -> str:
    """The CSRF token from the form on `path`, as a browser would read it."""
    page = client.get(path, **request).get_data(as_text=True)
    match = TOKEN_PATTERN.search(page)
    assert match, f"no CSRF token in the form on {path}"
    return match.group(1)


def csrf_sign_in(client: FlaskClient, user: User, password: str = PASSWORD,
                 **request: Any) -> FlaskClient:
    """Sign in through the real form, CSRF token included; `request` goes to both requests."""
    token = csrf_token(client, **request)
    response = client.post(
        "/login", data={"email": user.email, "password": password, "csrf_token": token}, **request
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client
