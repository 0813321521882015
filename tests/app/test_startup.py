"""Start-up stays light: the libraries only some pages or commands use are not imported by
building the app or by starting the `flask` command (bench/startup.py has the timings).

Each check runs in a fresh interpreter, as this test process has imported everything already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from tests.conftest import base_config

# Imported where they are used: the statistics (insights' outreach model), calendars, QR codes,
# Markdown, email address checks, bank holidays, slugs, user-agent rules, the PostgreSQL driver,
# workbooks, SendGrid, the scheduler, proper-case names, and Alembic (engage/lazy_migrate.py).
LAZY = (
    "numpy", "pandas", "scipy", "statsmodels", "icalendar", "qrcode", "PIL", "markdown_it",
    "email_validator", "holidays", "slugify", "ua_parser", "crawlerdetect", "psycopg",
    "openpyxl", "sendgrid", "apscheduler", "titlecase", "alembic", "flask_migrate",
)

APP = """
import json, sys
from engage import create_app
create_app(json.loads(sys.argv[1]))
print(json.dumps(sorted(sys.modules)))
"""

# `flask --help` as the `flask` script runs it, then the modules it left behind.
FLASK_HELP = """
import json, sys
from pathlib import Path
from flask.cli import main
out, sys.argv = Path(sys.argv[1]), ["flask", "--help"]
try:
    main()
except SystemExit as done:
    assert not done.code, done.code
out.write_text(json.dumps(sorted(sys.modules)))
"""


def _loaded(names: set[str]) -> list[str]:
    return sorted(lazy for lazy in LAZY
                  if any(name == lazy or name.startswith(lazy + ".") for name in names))


def test_create_app_leaves_heavy_libraries_unimported(tmp_path: Path) -> None:
    config = base_config(f"sqlite:///{tmp_path / 'startup.db'}")
    done = subprocess.run([sys.executable, "-c", APP, json.dumps(config)], capture_output=True,
                          text=True, check=True, timeout=120)
    assert _loaded(set(json.loads(done.stdout))) == []


def test_flask_help_leaves_heavy_libraries_unimported(tmp_path: Path) -> None:
    env = dict(os.environ, FLASK_APP="engage", ENGAGE_ENV="development",
               DATABASE_URL=f"sqlite:///{tmp_path / 'startup.db'}")
    done = subprocess.run([sys.executable, "-c", FLASK_HELP, str(tmp_path / "modules.json")],
                          capture_output=True, text=True, check=True, env=env, timeout=120)
    assert "insights" in done.stdout and "db" in done.stdout  # the app's commands were listed
    names = set(json.loads((tmp_path / "modules.json").read_text()))
    assert "engage.insights.outreach_views" in names
    assert _loaded(names) == []


def test_dummy_password_hash_costs_what_a_real_one_does() -> None:
    """The hash checked for unknown emails is written out, not made at import: it must keep
    the method and cost of a real password hash, or a miss would take a different time."""
    # In a fresh interpreter: this session swaps in a cheap hash (see tests/conftest.py).
    dummy = subprocess.run(
        [sys.executable, "-c", "from engage.auth.accounts import _DUMMY_HASH; print(_DUMMY_HASH)"],
        capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    real = generate_password_hash("any password at all")
    assert dummy.split("$")[0] == real.split("$")[0]
    assert not check_password_hash(dummy, "any password at all")


def test_flask_db_commands_still_run_through_flask_migrate(tmp_path: Path) -> None:
    """`flask db` is loaded when used: its subcommands, its own options and an upgrade work."""
    env = dict(os.environ, FLASK_APP="engage", ENGAGE_ENV="development",
               DATABASE_URL=f"sqlite:///{tmp_path / 'startup.db'}")
    flask = [sys.executable, "-m", "flask"]
    listed = subprocess.run([*flask, "db", "--help"], capture_output=True, text=True, check=True,
                            env=env, timeout=120).stdout
    assert "upgrade" in listed and "--directory" in listed
    subprocess.run([*flask, "db", "upgrade"], capture_output=True, text=True, check=True,
                   env=env, timeout=120)
    current = subprocess.run([*flask, "db", "-d", "migrations", "current"], capture_output=True,
                             text=True, check=True, env=env, timeout=120).stdout
    assert "(head)" in current


FREEZE = """
import gc, json, sys
import engage
before = gc.get_freeze_count()
engage.create_app(json.loads(sys.argv[1]))
first = gc.get_freeze_count()
engage.create_app(json.loads(sys.argv[1]))
print(json.dumps([before, first, gc.get_freeze_count(), gc.isenabled()]))
"""


def test_what_start_up_made_is_frozen_once(tmp_path: Path) -> None:
    """`import engage` alone imports nothing heavy; the first app's objects are kept out of
    later collections, a second app's are not, and the collector is running afterwards."""
    config = json.dumps(base_config(f"sqlite:///{tmp_path / 'app.db'}"))
    out = subprocess.run([sys.executable, "-c", FREEZE, config], capture_output=True, text=True,
                         check=True, env=dict(os.environ, FLASK_APP="engage"))
    before, first, second, enabled = json.loads(out.stdout.strip().splitlines()[-1])
    assert before == 0
    assert first > 10_000
    assert second < first + 1_000  # a second freeze would add the second app's ~100,000
    assert enabled is True


def test_importing_the_package_leaves_sqlalchemy_for_create_app() -> None:
    out = subprocess.run([sys.executable, "-c",
                          "import json, sys, engage; print(json.dumps(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True)
    modules = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "sqlalchemy" not in modules
    assert "engage.extensions" not in modules
