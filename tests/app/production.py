"""An app configured from the environment exactly as production is, on the test database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask

from engage import create_app
from engage.extensions import db

STRONG_KEY = "k3y-for-tests-" + "x7Qp" * 12


@contextmanager
def production_app(monkeypatch: pytest.MonkeyPatch, database_url: str,
                   **env: str) -> Iterator[Flask]:
    """ENGAGE_ENV=production with a strong key; `env` adds or overrides variables."""
    settings = {"ENGAGE_ENV": "production", "SECRET_KEY": STRONG_KEY,
                "DATABASE_URL": database_url, "PUBLIC_BASE_URL": "https://engage.example.org"}
    settings.update(env)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app()
    with app.app_context():
        try:
            yield app
        finally:
            db.session.rollback()
            from tests.conftest import empty_all_tables

            empty_all_tables()
            db.session.remove()
            db.engine.dispose()


def set_cookie_attributes(header: str) -> dict[str, Any]:
    """Attributes of one Set-Cookie header, names lower-cased; flags map to True."""
    name_value, *parts = [p.strip() for p in header.split(";")]
    attributes: dict[str, Any] = {"name": name_value.split("=", 1)[0]}
    for part in parts:
        key, _, value = part.partition("=")
        attributes[key.lower()] = value or True
    return attributes
