"""docs/deployment.md stays true: every setting engage reads is documented there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def settings_read_by_config() -> set[str]:
    source = (ROOT / "engage" / "config.py").read_text()
    return set(re.findall(r"env_\w+\(\s*env,\s*\"([A-Z][A-Z0-9_]+)\"", source))


def test_every_setting_is_documented():
    names = settings_read_by_config()
    assert {"SECRET_KEY", "DATABASE_URL", "RATELIMIT_STORAGE_URI", "TRUSTED_PROXY_COUNT"} <= names
    docs = (ROOT / "docs" / "deployment.md").read_text()
    missing = sorted(name for name in names if f"| `{name}` |" not in docs)
    assert missing == [], f"add these settings to the table in docs/deployment.md: {missing}"


def test_the_documented_commands_exist(app):
    docs = (ROOT / "docs" / "deployment.md").read_text()
    commands = app.cli.list_commands(None)  # type: ignore[arg-type]
    for group, command in re.findall(r"flask (users|settings) ([a-z-]+)", docs):
        assert group in commands
        assert command in app.cli.get_command(None, group).list_commands(None), command  # type: ignore[arg-type,union-attr]
