"""The demo's published password must never reach a production installation."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from engage.auth.models import User
from engage.extensions import db


@pytest.fixture()
def app_config() -> dict[str, Any]:
    return {"ENGAGE_ENV": "production", "SESSION_COOKIE_SECURE": True}


def test_demo_load_refuses_to_run_in_production(app, runner, shared_data):
    result = runner.invoke(args=["demo", "load", "--data-dir", str(shared_data)])
    assert result.exit_code == 1 and "never runs in production" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
