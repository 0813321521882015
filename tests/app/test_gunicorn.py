"""engage starts under gunicorn, as documented in docs/deployment.md, against PostgreSQL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests import databases
from tests.app.production import STRONG_KEY
from tests.pg_available import main as pg_check

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
STARTUP_DEADLINE_SECONDS = 60


def pg_url() -> str:
    url = os.environ.get(databases.PG_ENV, "")
    return url if url.startswith(("postgres://", "postgresql")) else DEFAULT_PG


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - local test server
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_until_serving(process: subprocess.Popen[bytes], base: str) -> None:
    """Poll until gunicorn answers; fail with its output if it dies or never comes up."""
    deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{output}")
        try:
            fetch(base + "/login")
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer on {base} within {STARTUP_DEADLINE_SECONDS} s")


@pytest.fixture()
def migrated_pg(tmp_path, monkeypatch):
    """A fresh PostgreSQL database, migrated with `flask db upgrade` as on a release."""
    if pg_check(pg_url()) != 0:
        pytest.skip(f"PostgreSQL is not reachable at {pg_url()}: the gunicorn test is SKIPPED")
    monkeypatch.setenv(databases.PG_ENV, pg_url())
    with databases.fresh_database(tmp_path, name="gunicorn") as url:
        env = production_env(url)
        result = subprocess.run([str(BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env,
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        yield env


def production_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "ENGAGE_"))}
    env.update({
        "ENGAGE_ENV": "production", "SECRET_KEY": STRONG_KEY, "DATABASE_URL": database_url,
        "FLASK_APP": "engage", "PYTHONPATH": str(ROOT), "TRUSTED_PROXY_COUNT": "1",
        "PUBLIC_BASE_URL": "https://engage.example.org",
    })
    return env


def test_gunicorn_serves_pages_and_static_files(migrated_pg):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "engage:create_app()", "-b", f"127.0.0.1:{port}",
         "--workers", "2", "--access-logfile", "-"],
        cwd=ROOT, env=migrated_pg, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        wait_until_serving(process, base)
        status, headers, body = fetch(base + "/login")
        assert status == 200
        assert b"Sign in to engage" in body
        assert "object-src 'none'" in headers["Content-Security-Policy"]
        assert headers["Set-Cookie"].startswith("__Host-engage_session=")
        assert "Secure" in headers["Set-Cookie"] and "HttpOnly" in headers["Set-Cookie"]

        status, headers, body = fetch(base + "/static/css/engage.css")
        assert status == 200 and headers["Content-Type"].startswith("text/css") and body
        assert headers["X-Content-Type-Options"] == "nosniff"

        status, _, body = fetch(base + "/")
        assert status == 200 and b"Sign in to engage" in body  # redirected to log in

        status, _, body = fetch(base + "/no-such-page")
        assert status == 404 and b"Page not found" in body and b"Traceback" not in body
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
