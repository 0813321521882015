"""Every route declares who may use it; one check enforces that for all of them.

Declarations are attributes on the view function, read by a single before-request hook, so a
route cannot forget its check, and the app refuses to start if any route declares nothing, or
if a route that can change something is open to the read-only steering group.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from engage.auth.models import Role

F = TypeVar("F", bound=Callable[..., object])

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Access(enum.StrEnum):
    PUBLIC = "public"  # no log-in: service pages, scans, unsubscribe, webhook, the log-in page
    VIEW = "view"  # any signed-in user, steering group included; read-only, so GET only
    SELF = "self"  # any signed-in user acting on their own session or account: sign out, password
    MANAGE = "manage"  # project managers and administrators; anything that changes data
    ADMIN = "admin"  # administrators only: users, roles, audit log


ROLES_FOR = {
    Access.VIEW: frozenset({Role.ADMIN, Role.MANAGER, Role.STEERING}),
    Access.SELF: frozenset({Role.ADMIN, Role.MANAGER, Role.STEERING}),
    Access.MANAGE: frozenset({Role.ADMIN, Role.MANAGER}),
    Access.ADMIN: frozenset({Role.ADMIN}),
}


def access(level: Access) -> Callable[[F], F]:
    """Declare who may use a route."""

    def decorate(view: F) -> F:
        view.access_level = level  # type: ignore[attr-defined]
        return view

    return decorate


def access_level_of(app: Flask, endpoint: str | None) -> Access | None:
    """The level a route declared; static files are public."""
    if endpoint is None:
        return None
    if endpoint == "static" or endpoint.endswith(".static"):
        return Access.PUBLIC
    view = app.view_functions.get(endpoint)
    return getattr(view, "access_level", None)


def role_may(role: Role, level: Access) -> bool:
    """Whether a signed-in user with `role` may use a route declared at `level`."""
    return level is Access.PUBLIC or role in ROLES_FOR[level]


def enforce_access() -> Response | None:
    """Before every request: anonymous users go to log-in, the wrong role gets 403."""
    if request.endpoint is None:
        return None  # 404 or 405: let Flask answer
    level = access_level_of(current_app, request.endpoint)
    if level is None:
        abort(403)  # unreachable once the start-up check has passed; fail closed anyway
    if level is Access.PUBLIC:
        return None
    if not current_user.is_authenticated:
        # Only a page can be returned to after log-in; a form post would arrive as a GET.
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target))
    if not role_may(current_user.role, level):
        abort(403)
    return None


def check_every_route_declares_access(app: Flask) -> None:
    """Refuse to start when a route has no declaration, or lets steering change data."""
    problems = []
    for rule in app.url_map.iter_rules():
        level = access_level_of(app, rule.endpoint)
        if level is None:
            problems.append(f"{rule.endpoint} ({rule.rule}) declares no access level")
        elif level is Access.VIEW and (rule.methods or set()) & UNSAFE_METHODS:
            problems.append(
                f"{rule.endpoint} ({rule.rule}) accepts {'/'.join(sorted(rule.methods or []))} "
                "but is declared VIEW, which the read-only steering group may use: declare "
                "MANAGE (or SELF for the user's own account)"
            )
    if problems:
        raise RuntimeError("access declarations: " + "; ".join(sorted(set(problems))))
