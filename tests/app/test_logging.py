"""Logs carry no passwords, session cookies or API keys."""

from __future__ import annotations

import io
import logging

import pytest

from engage.extensions import db
from engage.logging_setup import RedactingFilter, redact
from tests.factories import PASSWORD, make_user

SENDGRID_KEY = "SG.Ab3dEfGhIjKlMnOpQrStUv.wXyZ0123456789abcdefghijklmnopqrstuvwxyzABC"
SESSION_VALUE = "eyJfZnJlc2giOmZhbHNlfQ.Z2x2bA.abcdefghijklmnopqrstuvwxyz0"


@pytest.fixture()
def raw_log():
    """Everything logged during the test, formatted, through a handler with no redaction."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_log_ins_never_log_the_password_or_the_cookie(app, client, caplog, raw_log):
    user = make_user()
    db.session.commit()
    wrong = "Wrong-Horse-Battery-Staple-99"
    with caplog.at_level(logging.DEBUG):
        failed = client.post("/login", data={"email": user.email, "password": wrong})
        assert failed.status_code == 200
        ok = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert ok.status_code == 302
        cookie = client.get_cookie("engage_session").value
        client.get("/")
        client.post("/logout")
    captured = caplog.text + raw_log.getvalue()
    assert "failed sign-in" in captured and "signed in" in captured  # the events are logged
    for secret in (wrong, PASSWORD, cookie):
        assert secret not in captured
    for record in caplog.records:
        assert PASSWORD not in str(record.args) and wrong not in str(record.args)


@pytest.mark.parametrize(("line", "secret"), [
    (f"sendgrid request failed with key {SENDGRID_KEY}", SENDGRID_KEY),
    (f"Authorization: Bearer {SENDGRID_KEY}", SENDGRID_KEY),
    (f"Cookie: engage_session={SESSION_VALUE}; other=1", SESSION_VALUE),
    (f"Set-Cookie: __Host-engage_session={SESSION_VALUE}; Secure; HttpOnly", SESSION_VALUE),
    (f"sent engage_session={SESSION_VALUE} along", SESSION_VALUE),
    ("POST /login?password=hunter2hunter2&email=a@example.org", "hunter2hunter2"),
    ("{'api_key': 'key-0123456789abcdef', 'to': 'a@example.org'}", "key-0123456789abcdef"),
    ('{"password": "hunter2hunter2"}', "hunter2hunter2"),
    ("SENDGRID_API_KEY=abc123secretvalue", "abc123secretvalue"),
])
def test_redaction_scrubs_secrets(line, secret):
    cleaned = redact(line)
    assert secret not in cleaned
    assert "[redacted]" in cleaned


def test_redaction_leaves_ordinary_lines_alone():
    line = "imported 88 practices for 06H from epraccur.csv in 0.4 s"
    assert redact(line) == line


def test_the_filter_scrubs_messages_arguments_and_exceptions():
    logger = logging.getLogger("engage.test.redaction")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("sendgrid said no to %s", SENDGRID_KEY)
        try:
            raise RuntimeError(f"401 for key {SENDGRID_KEY}")
        except RuntimeError:
            logger.exception("send failed")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    output = stream.getvalue()
    assert SENDGRID_KEY not in output
    assert output.count("SG.[redacted]") == 2
    assert "RuntimeError" in output  # the traceback itself is kept


def test_the_app_installs_the_filter_on_every_root_handler(app):
    for handler in logging.getLogger().handlers:
        assert any(isinstance(f, RedactingFilter) for f in handler.filters), handler
