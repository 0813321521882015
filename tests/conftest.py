"""Fixtures shared by the whole suite: an app on a migrated database, clients per role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from engage import create_app
from engage.auth.models import Role, User
from engage.extensions import db
from tests.databases import fresh_database, test_backend
from tests.factories import PASSWORD, make_user

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def pytest_report_header() -> str:
    return f"engage test database: {test_backend()}"


def base_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "ENGAGE_ENV": "test",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
        "DEMO_BANNER": True,
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database for the run; each test leaves it empty again."""
    with fresh_database(tmp_path_factory.mktemp("db")) as url:
        app = create_app(base_config(url))
        with app.app_context():
            upgrade()
            db.engine.dispose()
        yield url


def empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture()
def app_config() -> dict[str, Any]:
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture()
def app(database_url: str, app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(base_config(database_url, **app_config))
    with app.app_context():
        yield app
        db.session.rollback()
        empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


def sign_in(client: FlaskClient, user: User, password: str = PASSWORD) -> FlaskClient:
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


@pytest.fixture()
def login(app: Flask) -> Callable[[Role], FlaskClient]:
    """`login(Role.MANAGER)` gives a new client signed in as a fresh user with that role."""

    def _login(role: Role) -> FlaskClient:
        user = make_user(role=role)
        db.session.commit()
        return sign_in(app.test_client(), user)

    return _login


@pytest.fixture()
def manager_client(login: Callable[[Role], FlaskClient]) -> FlaskClient:
    return login(Role.MANAGER)


@pytest.fixture()
def steering_client(login: Callable[[Role], FlaskClient]) -> FlaskClient:
    return login(Role.STEERING)


@pytest.fixture()
def admin_client(login: Callable[[Role], FlaskClient]) -> FlaskClient:
    return login(Role.ADMIN)


@pytest.fixture()
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data folder {SHARED_DATA} is absent (CI always has it)")
    return SHARED_DATA
