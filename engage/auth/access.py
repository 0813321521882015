"""Every route declares who may use it; one check enforces that for all of them.

Declarations are attributes on the view function, read by a single before-request hook, so a
route cannot forget its check, and the app refuses to start if any route declares nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from engage.auth.models import Role

F = TypeVar("F", bound=Callable[..., object])


class Access(enum.StrEnum):
    PUBLIC = "public"  # no log-in: service pages, scans, unsubscribe, webhook, the log-in page
    VIEW = "view"  # any signed-in user, steering group included; read-only pages
    MANAGE = "manage"  # project managers and administrators; anything that changes data
    ADMIN = "admin"  # administrators only: users, roles, audit log


ROLES_FOR = {
    Access.VIEW: {Role.ADMIN, Role.MANAGER, Role.STEERING},
    Access.MANAGE: {Role.ADMIN, Role.MANAGER},
    Access.ADMIN: {Role.ADMIN},
}


def access(level: Access) -> Callable[[F], F]:
    """Declare who may use a route."""

    def decorate(view: F) -> F:
        view.access_level = level  # type: ignore[attr-defined]
        return view

    return decorate


def access_level_of(app: Flask, endpoint: str | None) -> Access | None:
    if endpoint is None:
        return None
    if endpoint == "static" or endpoint.endswith(".static"):
        return Access.PUBLIC
    view = app.view_functions.get(endpoint)
    return getattr(view, "access_level", None)


def enforce_access() -> Response | None:
    """Before every request: anonymous users go to log-in, the wrong role gets 403."""
    from flask import current_app

    if request.endpoint is None:
        return None  # 404 or 405: let Flask answer
    level = access_level_of(current_app, request.endpoint)
    if level is None:
        abort(403)
    if level is Access.PUBLIC:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if current_user.role not in ROLES_FOR[level]:
        abort(403)
    return None


def check_every_route_declares_access(app: Flask) -> None:
    missing = [
        endpoint
        for endpoint in app.view_functions
        if access_level_of(app, endpoint) is None
    ]
    if missing:
        raise RuntimeError(f"routes without an access declaration: {', '.join(sorted(missing))}")
