"""Test databases: a SQLite file by default, or a fresh PostgreSQL database per run.

Set ENGAGE_TEST_DATABASE_URL to a PostgreSQL URL (for example
postgresql://postgres@127.0.0.1:5432/test) to run the suite against PostgreSQL: a new database
is created on that server for the run and dropped afterwards, so runs never collide.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engage.config import normalise_database_url

PG_ENV = "ENGAGE_TEST_DATABASE_URL"


def test_backend() -> str:
    url = os.environ.get(PG_ENV, "")
    return "postgresql" if url.startswith(("postgres://", "postgresql")) else "sqlite"


@contextmanager
def fresh_database(tmp_dir: Path, name: str = "engage") -> Iterator[str]:
    """Yield the URL of a new, empty database of the configured backend."""
    if test_backend() == "sqlite":
        yield f"sqlite:///{tmp_dir / (name + '.db')}"
        return
    admin_url = make_url(normalise_database_url(os.environ[PG_ENV]))
    db_name = f"{name}_test_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db_name}"'))
    try:
        yield admin_url.set(database=db_name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        admin.dispose()
