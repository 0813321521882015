"""Every registered route, as every persona: the answer matches the route's declared access.

The routes are read from the app's URL map, so routes added by later features are covered
without touching this file. URL values come from one sample of every model (made with each
`make_<model>` factory in tests/factories.py) so that `<int:...>` ids exist where possible.
"""

from __future__ import annotations

import inspect
import re
import uuid
from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

import tests.factories as factories
from engage import create_app
from engage.auth.access import UNSAFE_METHODS, Access, access_level_of
from engage.auth.models import Role
from engage.extensions import csrf, db
from tests.app.support import csrf_sign_in, csrf_token
from tests.conftest import base_config
from tests.factories import make_user

# Every route is requested, the scan endpoint too, which writes on a connection of its own.
pytestmark = pytest.mark.real_commits

PERSONAS = ("anonymous", "steering", "manager", "admin")
ROLE_OF = {"steering": Role.STEERING, "manager": Role.MANAGER, "admin": Role.ADMIN}

# Plausible values for string arguments no sample object carries, by argument name.
SAMPLE_STRINGS = {
    "filename": "css/engage.css",
    "token": "not-a-real-token",
    "code": "ABC123",
    "slug": "sample",
    "format": "csv",
    "ref": "digest",  # a send reference (messaging.send_report): the digest always exists
}


class Route(NamedTuple):
    rule: str
    endpoint: str
    methods: frozenset[str]
    level: Access | None


@cache
def routes() -> tuple[Route, ...]:
    """The routes of an app built like the test app; read once, at collection."""
    app = create_app(base_config("sqlite://"))
    return tuple(
        Route(rule.rule, rule.endpoint, frozenset(rule.methods or ()),
              access_level_of(app, rule.endpoint))
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))
    )


def get_routes() -> list[Route]:
    return [r for r in routes() if "GET" in r.methods]


def unsafe_cases() -> list[tuple[Route, str]]:
    return [(r, m) for r in routes() for m in sorted(r.methods & UNSAFE_METHODS)]


def route_id(route: Route) -> str:
    return f"{route.rule}[{route.endpoint}]"


# --- sample data and URLs ---------------------------------------------------------------------


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def make_samples() -> list[Any]:
    """One object from every factory that needs no arguments; they exist while the test runs."""
    samples = []
    for name, factory in sorted(vars(factories).items()):
        if not name.startswith("make_") or not callable(factory):
            continue
        required = [
            p for p in inspect.signature(factory).parameters.values()
            if p.default is inspect.Parameter.empty
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        if not required:
            samples.append(factory())
    db.session.commit()
    return samples


def sample_value(argument: str, converter: str, samples: list[Any]) -> Any:
    """A value for one URL argument: an existing object's id or attribute where one fits."""
    if converter.endswith("IntConverter") or converter == "IntegerConverter":
        stem = argument.removesuffix("_id")
        for obj in samples:
            kind = snake(type(obj).__name__)
            if stem != argument and (kind == stem or kind.startswith(stem)
                                     or getattr(obj, "__tablename__", "") == stem):
                return obj.id
        return 1
    if converter == "UUIDConverter":
        return uuid.uuid4()
    if converter == "FloatConverter":
        return 1.0
    for obj in samples:
        value = getattr(obj, argument, None)
        if isinstance(value, str) and value:
            return value
    return SAMPLE_STRINGS.get(argument, "sample")


def url_for_route(app: Flask, route: Route, samples: list[Any]) -> str:
    rule: Rule = next(
        r for r in app.url_map.iter_rules() if r.rule == route.rule and r.endpoint == route.endpoint
    )
    values = {
        name: sample_value(name, type(converter).__name__, samples)
        for name, converter in rule._converters.items()
    }
    built = rule.build(values, append_unknown=False)
    assert built is not None, f"cannot build {route.rule} from {values}"
    return built[1]


@pytest.fixture()
def client_as(app: Flask) -> Callable[[str], FlaskClient]:
    def _client(persona: str) -> FlaskClient:
        client = app.test_client()
        if persona != "anonymous":
            user = make_user(role=ROLE_OF[persona])
            db.session.commit()
            response = client.post("/login", data={"email": user.email,
                                                   "password": factories.PASSWORD})
            assert response.status_code == 302
        return client

    return _client


# --- what each persona should get ---------------------------------------------------------------


def may_use(persona: str, level: Access) -> bool:
    if level is Access.PUBLIC:
        return True
    if persona == "anonymous":
        return False
    from engage.auth.access import role_may

    return role_may(ROLE_OF[persona], level)


def is_login_redirect(response: Any) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def check_answer(persona: str, route: Route, response: Any) -> None:
    assert route.level is not None, f"{route.endpoint} declares no access level"
    where = f"{response.request.method} {response.request.path} as {persona}"
    if may_use(persona, route.level):
        assert response.status_code not in (401, 403, 500), where
        if persona != "anonymous":
            assert not is_login_redirect(response), f"{where}: signed out unexpectedly"
    elif persona == "anonymous":
        assert is_login_redirect(response), f"{where}: {response.status_code}, not sent to log in"
    else:
        assert response.status_code == 403, f"{where}: {response.status_code}, expected 403"


# --- the tests -----------------------------------------------------------------------------------


def test_the_walk_covers_the_known_routes():
    endpoints = {r.endpoint for r in routes()}
    assert {"static", "auth.login", "auth.logout", "auth.users", "audit.index"} <= endpoints


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", get_routes(), ids=route_id)
def test_get_answers_by_declared_access(app, client_as, persona, route):
    samples = make_samples()
    client = client_as(persona)
    response = client.get(url_for_route(app, route, samples))
    check_answer(persona, route, response)


def refusal_cases() -> list[tuple[Route, str, str]]:
    """Every (route, unsafe method, persona) where the persona must be turned away."""
    return [
        (route, method, persona)
        for route, method in unsafe_cases()
        for persona in ("anonymous", "steering", "manager")
        if route.level is None or not may_use(persona, route.level)
    ]


@pytest.mark.parametrize(
    ("route", "method", "persona"), refusal_cases(),
    ids=[f"{m} {route_id(r)} as {p}" for r, m, p in refusal_cases()],
)
def test_changes_are_refused_to_who_may_not_make_them(app, client_as, route, method, persona):
    assert route.level is not Access.VIEW, f"{route.endpoint} changes data but is VIEW"
    samples = make_samples()
    client = client_as(persona)
    response = client.open(url_for_route(app, route, samples), method=method, data={})
    check_answer(persona, route, response)


def test_steering_may_change_nothing_but_their_own_session_and_password():
    for route, _method in unsafe_cases():
        if route.level not in (Access.PUBLIC, Access.SELF):
            assert not may_use("steering", route.level), route.endpoint  # type: ignore[arg-type]


@pytest.mark.parametrize("route", [r for r in routes() if not r.methods & {"GET"}],
                         ids=route_id)
def test_get_on_a_state_changing_url_is_405(app, client_as, route):
    if any(r.rule == route.rule and "GET" in r.methods for r in routes()):
        pytest.skip(f"another route serves GET {route.rule}")
    samples = make_samples()
    response = client_as("manager").get(url_for_route(app, route, samples))
    assert response.status_code == 405
    assert "That action is not allowed here" in response.get_data(as_text=True)
    assert "POST" in response.headers["Allow"]


class TestWithCsrf:
    """With CSRF on, as it is outside tests, a change without a token is refused with 400."""

    @pytest.fixture()
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    @pytest.mark.parametrize(("route", "method"), unsafe_cases(),
                             ids=lambda c: route_id(c) if isinstance(c, Route) else c)
    def test_change_without_a_csrf_token_is_400(self, app, route, method):
        view = app.view_functions[route.endpoint]
        blueprint = route.endpoint.rpartition(".")[0]
        if (f"{view.__module__}.{view.__name__}" in csrf._exempt_views
                or blueprint in csrf._exempt_blueprints):
            assert route.level is Access.PUBLIC, f"{route.endpoint}: CSRF-exempt but signed-in"
            pytest.skip(f"{route.endpoint} is CSRF-exempt (machine endpoint)")
        samples = make_samples()
        admin = make_user(role=Role.ADMIN)
        db.session.commit()
        client = csrf_sign_in(app.test_client(), admin)
        response = client.open(url_for_route(app, route, samples), method=method, data={})
        assert response.status_code == 400, f"{method} {route.rule}: {response.status_code}"
        assert "Your form had expired" in response.get_data(as_text=True)

    def test_a_change_with_the_token_goes_through(self, app):
        user = make_user(role=Role.STEERING)
        db.session.commit()
        client = csrf_sign_in(app.test_client(), user)
        token = csrf_token(client, "/account/password")
        response = client.post("/logout", data={"csrf_token": token})
        assert response.status_code == 302
        assert client.get("/").status_code == 302  # signed out
