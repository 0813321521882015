"""Fixtures shared by the whole suite: an app on a migrated database, clients per role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import Engine, event, text
from werkzeug.security import generate_password_hash

import engage.auth.accounts
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


# Cheap enough for a test (about 0.3 ms), still a real salted hash: production's scrypt costs
# about half a second to make and again to check, and most tests make a user and sign in.
TEST_PASSWORD_HASH = "pbkdf2:sha256:1000"


@pytest.fixture(scope="session", autouse=True)
def light_password_hashing() -> Iterator[None]:
    """Hash passwords made in this process with a cheap method (subprocesses keep scrypt)."""
    light = partial(generate_password_hash, method=TEST_PASSWORD_HASH)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engage.auth.accounts, "generate_password_hash", light)
        patch.setattr(engage.auth.accounts, "_DUMMY_HASH", light("not-a-real-password"))
        yield


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


class _JoinedSession(FlaskSession):
    """Flask-SQLAlchemy picks the engine for every statement; the test's connection wins."""

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        return self.bind


def _sqlite_savepoints(engine: Engine) -> None:
    """pysqlite begins and ends transactions behind SQLAlchemy's back, which breaks SAVEPOINT:
    let SQLAlchemy emit BEGIN itself (the SQLAlchemy docs' pysqlite recipe). Test engines only."""

    @event.listens_for(engine, "connect")
    def _no_implicit_begin(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


def real_commits(request: pytest.FixtureRequest) -> bool:
    """Tests marked `real_commits` (their module or class may carry the mark) need data other
    connections can see; they get today's commit-then-empty-every-table isolation."""
    return request.node.get_closest_marker("real_commits") is not None


@pytest.fixture()
def app(database_url: str, app_config: dict[str, Any],
        request: pytest.FixtureRequest) -> Iterator[Flask]:
    """Each test in one outer transaction rolled back at its end: the app's commits release
    savepoints. Tests marked `real_commits` commit for real and empty every table after."""
    app = create_app(base_config(database_url, **app_config))
    with app.app_context():
        if real_commits(request):
            yield app
            db.session.rollback()
            empty_all_tables()
            db.session.remove()
            db.engine.dispose()
            return
        engine = db.engine
        if engine.dialect.name == "sqlite":
            engine.dispose()  # connections opened before the events keep pysqlite's habits
            _sqlite_savepoints(engine)
        connection = engine.connect()
        outer = connection.begin()
        app_session = db.session
        db.session = db._make_scoped_session({
            "bind": connection, "join_transaction_mode": "create_savepoint",
            "class_": _JoinedSession,
        })
        try:
            yield app
        finally:
            db.session.remove()
            db.session = app_session
            if outer.is_active:
                outer.rollback()
            connection.close()
            engine.dispose()


@dataclass
class QueryCount:
    statements: list[str]

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture()
def count_queries(app: Flask) -> Callable[[], Any]:
    """`with count_queries() as counted: ...` then `counted.count`: SQL statements the app's
    engine ran meanwhile (SAVEPOINT bookkeeping excluded), to catch a query per row."""

    @contextmanager
    def _count() -> Iterator[QueryCount]:
        counted = QueryCount([])

        def _before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                counted.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", _before)
        try:
            yield counted
        finally:
            event.remove(db.engine, "before_cursor_execute", _before)

    return _count


@pytest.fixture(autouse=True)
def _empty_after_own_apps(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that builds apps of its own on the run's database commits for real: empty every
    table after it, as the `real_commits` tests do, so nothing it made outlives it."""
    yield
    if "database_url" not in request.fixturenames or "app" in request.fixturenames:
        return
    cleaner = create_app(base_config(request.getfixturevalue("database_url")))
    with cleaner.app_context():
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
