"""A restarted database costs nobody a 500: the main pool tests connections on check-out."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from engage.auth.models import Role
from engage.extensions import db


def terminate_the_apps_connections() -> int:
    """What a PostgreSQL restart does to the pool: every connection it holds is dead."""
    outside = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    try:
        with outside.connect() as connection:
            return int(connection.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar_one())
    finally:
        outside.dispose()


# The server drops every connection, the test's own outer transaction too.
@pytest.mark.real_commits
def test_pages_carry_on_after_the_database_drops_every_connection(app, login):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to restart")
    client = login(Role.MANAGER)
    assert client.get("/").status_code == 200
    db.session.close()  # everything back in the pool, as between two requests
    assert db.engine.pool.checkedin() >= 1
    assert terminate_the_apps_connections() >= 1
    for _ in range(2):
        response = client.get("/")
        assert response.status_code == 200, response.get_data(as_text=True)[:300]

