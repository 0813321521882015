"""Every registered route, as every persona, with hostile values: never a 5xx.

Hostile values are what a probe sends first: NUL bytes, integers too large for any column (or
negative), and dates no calendar holds or that sit at the very edge of what Python can add a
day to. Each route gets them in its URL arguments, its query string and its form fields. The
field names come from three places, so new forms are covered without touching this file: the
WTForms classes in engage, the names the route's own page offers (`<input name>`,
`<select name>`, `<textarea name>`), and a shared list of the query parameters the views read.
"""

from __future__ import annotations

import base64
import importlib
import logging
import pkgutil
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from werkzeug.routing import Rule
from wtforms.fields.core import UnboundField

import engage
import tests.factories as factories
from engage.auth.models import User
from engage.extensions import db
from tests.app.test_access import (
    PERSONAS,
    ROLE_OF,
    Route,
    is_login_redirect,
    make_samples,
    may_use,
    routes,
    sample_value,
)
from tests.factories import make_user

# Every route is requested, the scan endpoint too, which writes on a connection of its own.
pytestmark = pytest.mark.real_commits

HUGE = str(10**30)
HOSTILE = (
    "\x00", "a\x00b", HUGE, str(2**63), str(2**31), "-1",
    "9999-12-31", "0001-01-01", "0000-01-01", "2026-02-30", "9999-12", "0000-00",
)
# Hostile values for URL arguments, by converter: an int converter only matches digits.
# One field at a time (with the page's own values in the rest) gets the values most likely to
# pass validation and break the logic behind it.
HOSTILE_ONE = ("\x00", HUGE, str(2**31), "-1", "9999-12-31", "0001-01-01")
HOSTILE_PATH = {"BoundedIntConverter": (HUGE, str(2**63), str(2**31)),
                "default": ("\x00", "a\x00b")}

# Query parameters the views read from request.args (besides form fields).
COMMON_PARAMS = (
    "page", "q", "from", "to", "start", "end", "campaign", "campaign_id", "locality", "kind",
    "service", "month", "lag", "id", "status", "action", "next", "via", "token", "days", "org",
    "columns", "sort", "show", "channel", "format", "download", "timeline_page", "audience",
    "pcn", "touchpoint", "answer", "payload", "date", "year",
)
# Routes that end the session or remove their own sample are sent hostile values only.


def form_field_names() -> set[str]:
    """Every field name declared on a FlaskForm anywhere in engage."""
    names: set[str] = set()
    for module_info in pkgutil.walk_packages(engage.__path__, "engage."):
        if "forms" not in module_info.name.rpartition(".")[2]:
            continue
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, FlaskForm):
                for klass in value.__mro__:
                    names.update(k for k, v in vars(klass).items()
                                 if isinstance(v, UnboundField))
    names.discard("csrf_token")
    return names


def build_url(app: Flask, route: Route, samples: list[Any],
              hostile: dict[str, str] | None = None) -> str:
    rule: Rule = next(
        r for r in app.url_map.iter_rules() if r.rule == route.rule and r.endpoint == route.endpoint
    )
    values = {
        name: sample_value(name, type(converter).__name__, samples)
        for name, converter in rule._converters.items()
    }
    if hostile:
        # Built by hand: the converters would refuse to build what a probe can send.
        path = route.rule
        for name in rule._converters:
            raw = hostile.get(name, str(values[name]))
            path = re.sub(rf"<(?:[^:<>]+:)?{name}>", raw.replace("\\", r"\\"), path)
        return path
    built = rule.build(values, append_unknown=False)
    assert built is not None
    return built[1]


def hostile_paths(app: Flask, route: Route, samples: list[Any]) -> Iterator[str]:
    rule = next(r for r in app.url_map.iter_rules()
                if r.rule == route.rule and r.endpoint == route.endpoint)
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        for value in HOSTILE_PATH.get(kind, HOSTILE_PATH["default"]):
            if kind in ("UUIDConverter", "FloatConverter") and "\x00" in value:
                continue
            yield build_url(app, route, samples, {name: value.replace("\x00", "%00")})


# What the error handler logged for the request that got a 5xx, to say why in the failure.
errors: list[str] = []


class Recorder(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            errors.append(f"{type(error).__name__}: {str(error)[:160]}")


class Prober:
    """One signed-in (or anonymous) client that signs in again if a request signed it out."""

    def __init__(self, app: Flask, persona: str) -> None:
        self.app = app
        self.persona = persona
        self.user: User | None = None
        if persona != "anonymous":
            self.user = make_user(role=ROLE_OF[persona])
            db.session.commit()
        self.client = self.sign_in()
        self.failures: list[str] = []
        self.sent = 0

    def sign_in(self) -> FlaskClient:
        client = self.app.test_client()
        if self.user is not None:
            response = client.post("/login", data={"email": self.user.email,
                                                   "password": factories.PASSWORD})
            assert response.status_code == 302
        return client

    def send(self, method: str, url: str, data: dict[str, str] | None = None,
             what: str = "") -> Any:
        self.sent += 1
        errors.clear()
        if method == "GET":
            response = self.client.get(url, query_string=data)
        else:
            response = self.client.open(url, method=method, data=data)
        if response.status_code >= 500:
            self.failures.append(f"{method} {url!r} {what} as {self.persona}: "
                                 f"{response.status_code} {'; '.join(errors)}")
        if self.user is not None and is_login_redirect(response):
            db.session.rollback()
            self.user.active = True  # a fuzzed admin form may have disabled it
            db.session.commit()
            self.client = self.sign_in()
        return response


# What a person would type into an empty field of each input type, so the rest of a form is
# valid and the hostile value in one field reaches the logic behind validation.
TYPED = {"date": "2026-03-02", "datetime-local": "2026-03-02T10:00", "time": "10:00",
         "number": "1", "email": "fuzz@example.org", "url": "https://example.org/",
         "month": "2026-03"}
FIELD_NAMES = {"postcode": "CB1 1AA", "code": "ZF001", "name": "Fuzz name", "title": "Fuzz title",
               "objective": "Fuzz objective", "subject": "Fuzz subject", "summary": "Fuzz",
               "body_markdown": "Fuzz body", "email": "fuzz@example.org",
               "password": "a fuzzing passphrase long enough", "reason": "Fuzz reason"}


class FormFields(HTMLParser):
    """The fields of a page's forms with the values a person submitting them would send."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name:
            self.names.add(name)
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a or name not in self.values:
                    self.values[name] = a.get("value", "y")
            elif kind in ("submit", "button"):
                self.button(name, a.get("value", ""))
            elif kind != "file":
                self.values[name] = (a.get("value") or FIELD_NAMES.get(name)
                                     or TYPED.get(kind, ""))
        elif tag == "select" and name:
            self.names.add(name)
            self._select = name
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if "selected" in a or (value and not self.values.get(self._select)):
                self.values[self._select] = value
        elif tag == "textarea" and name:
            self.names.add(name)
            self._textarea = name
            self.values[name] = FIELD_NAMES.get(name, "")
        elif tag == "button" and name:
            self.button(name, a.get("value", ""))

    def button(self, name: str, value: str) -> None:
        """The button that saves, where a form has several (preview, save)."""
        self.names.add(name)
        if name not in self.values or value == "save":
            self.values[name] = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea and data.strip():
            self.values[self._textarea] = data


def page_fields(prober: Prober, route: Route, url: str) -> tuple[set[str], dict[str, str]]:
    """The field names a page offers, and the values a person would submit them with."""
    if "GET" not in route.methods or route.endpoint == "static":
        return set(), {}
    response = prober.client.get(url)
    if response.status_code != 200 or not response.mimetype.startswith("text/html"):
        return set(), {}
    fields = FormFields()
    fields.feed(response.get_data(as_text=True))
    fields.names.discard("csrf_token")
    fields.values.pop("csrf_token", None)
    return fields.names, fields.values


def probe_route(prober: Prober, app: Flask, route: Route, samples: list[Any],
                known: set[str]) -> None:
    url = build_url(app, route, samples)
    methods = sorted(route.methods - {"HEAD", "OPTIONS"})
    for path in hostile_paths(app, route, samples):
        for method in methods:
            prober.send(method, path)
    allowed = route.level is not None and may_use(prober.persona, route.level)
    offered, defaults = page_fields(prober, route, url) if allowed else (set(), {})
    names = sorted(known | offered)
    for method in methods:
        for value in HOSTILE:
            # Every field hostile at once: validators and parsers of every field run.
            prober.send(method, url, {name: value for name in names}, f"every field {value!r}")
        if not allowed or not offered or prober.persona in ("steering", "manager"):
            continue  # admin may use every page; anonymous, the public ones
        for name in sorted(offered):
            for value in HOSTILE_ONE:
                # One field hostile, the rest as the page filled them: logic past validation runs.
                prober.send(method, url, {**defaults, name: value}, f"{name}={value!r}")


def ordered(all_routes: tuple[Route, ...]) -> list[Route]:
    """Pages first, then changes; sign-out and removals last so samples live while probed."""
    def key(route: Route) -> tuple[int, str]:
        last = route.endpoint == "auth.logout" or any(
            word in route.rule for word in ("delete", "remove", "retire", "rollback", "revoke"))
        return (2 if last else 1 if "GET" not in route.methods else 0, route.rule)

    return sorted(all_routes, key=key)


@pytest.fixture()
def app_config() -> dict[str, Any]:
    # With a key set the webhook checks signatures (4xx) instead of saying it is not set up (503).
    key = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {"SENDGRID_WEBHOOK_PUBLIC_KEY": base64.b64encode(key).decode()}


@pytest.mark.parametrize("persona", PERSONAS)
def test_hostile_values_never_give_a_server_error(app, persona):
    samples = make_samples()
    prober = Prober(app, persona)
    recorder = Recorder(logging.ERROR)
    logging.getLogger("engage.errors").addHandler(recorder)
    known = form_field_names() | set(COMMON_PARAMS)
    for route in ordered(routes()):
        probe_route(prober, app, route, samples, known)
        db.session.rollback()
    logging.getLogger("engage.errors").removeHandler(recorder)
    print(f"{prober.sent} requests as {persona}")
    assert not prober.failures, "\n".join(prober.failures[:60]) + (
        f"\n... {len(prober.failures)} in all" if len(prober.failures) > 60 else "")
