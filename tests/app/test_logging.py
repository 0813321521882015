"""Logs carry no passwords, session cookies or API keys."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from engage.auth.models import Role, User
from engage.directory.models import Contact, Organisation
from engage.extensions import db
from engage.links.driver import autocommit_engine
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


@pytest.fixture()
def app_log(app: Flask) -> Iterator[io.StringIO]:
    """What the app's own handler (the one on stderr in production) writes during the test."""
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_engage", False))
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(old)


def fail_in_a_request(app: Flask, write) -> None:  # type: ignore[no-untyped-def]
    """Run `write` as a view would and hand its error to the app's handler for unhandled ones."""
    with app.test_request_context("/admin/users/new", method="POST"):
        try:
            write()
            db.session.flush()
        except IntegrityError as error:
            body, status = app.handle_user_exception(error)  # type: ignore[misc]
            assert status == 500
        else:
            pytest.fail("the planted insert did not fail")


@pytest.mark.parametrize("hash_method", ["scrypt", "pbkdf2:sha256"])
def test_a_failed_insert_logs_no_hash_email_or_phone(app, app_log, hash_method):
    """The probe: a failed INSERT was logged with a new user's hash, a contact's email and phone."""
    email, phone = "jo.bloggs@example.nhs.uk", "07700 900123"
    password_hash = generate_password_hash("Correct-Horse-Battery-9", method=hash_method)
    make_user(email=email)
    db.session.commit()

    def duplicate_user() -> None:
        # Two administrators adding the same person at once: the second one's insert fails.
        db.session.add(User(email=email, name="Jo Bloggs", role=Role.MANAGER,
                            password_hash=password_hash))

    def orphan_contact() -> None:
        # Its organisation was deleted meanwhile: a foreign-key failure quoting the contact.
        missing = (db.session.scalar(select(func.max(Organisation.id))) or 0) + 1000
        db.session.add(Contact(organisation_id=missing, name="Jo Bloggs", email=email,
                               phone=phone))

    fail_in_a_request(app, duplicate_user)
    fail_in_a_request(app, orphan_contact)
    output = app_log.getvalue()
    assert output.count("unhandled error") == 2 and "IntegrityError" in output
    for personal in (password_hash, password_hash.split("$")[-1], email, phone):
        assert personal not in output


def test_engines_never_put_statement_values_in_errors(app):
    assert db.engine.hide_parameters is True
    if db.engine.dialect.name == "postgresql":
        assert autocommit_engine(db.engine).hide_parameters is True


@pytest.mark.parametrize(("line", "personal"), [
    ("Key (email)=(jo.bloggs+x@example.nhs.uk) already exists.", "jo.bloggs+x@example.nhs.uk"),
    ("[parameters: ('Jo', '020 7946 0958')]", "020 7946 0958"),
    ("[parameters: ('Jo', '+44 (0)7700 900123')]", "7700 900123"),
    ("hash scrypt:32768:8:1$Ab3dEfGh$0123456789abcdef", "0123456789abcdef"),
    ("hash pbkdf2:sha256:600000$Ab3dEfGh$0123456789abcdef", "0123456789abcdef"),
])
def test_redaction_scrubs_personal_data(line, personal):
    assert personal not in redact(line)


@pytest.mark.parametrize("line", [
    "2026-05-01 12:00:03,123 INFO engage: signed in: user 5",
    "scan 0x7f3a12345678 took 0.0123 s, link 1234567890, uuid 01234567-89ab-cdef",
])
def test_redaction_of_personal_data_leaves_times_and_ids_alone(line):
    assert redact(line) == line
