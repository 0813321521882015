"""Fixtures for messaging tests: the SendGrid stub, a backend pointed at it, email helpers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from engage.messaging.backends import SendGridBackend
from tests.messaging.sendgrid_stub import API_KEY, SCHEMA_PATH, SendGridStub

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture()
def stub() -> Iterator[SendGridStub]:
    if not SCHEMA_PATH.is_file():
        pytest.skip(f"SendGrid schema {SCHEMA_PATH} is absent")
    with SendGridStub() as server:
        yield server


@pytest.fixture()
def sendgrid(stub: SendGridStub) -> SendGridBackend:
    return SendGridBackend(API_KEY, stub.url, "engage@example.org", timeout=2.0)
