"""engage: outreach, QR tracking, reminders and uptake insight for occupational health."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from engage.collector import collector_paused, keep_for_life
from engage.config import check_production_safety, load_settings

# Feature packages, each with a blueprint called `bp` in its blueprint module.
FEATURES = (
    "home", "auth", "audit", "directory", "catalogue", "campaigns",
    "links", "messaging", "reminders", "registration", "uptake", "insights", "statements",
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment, with `config` overriding for tests and scripts.

    Everything heavy (SQLAlchemy, the extensions, every feature) is imported by the `register_*`
    steps, so that it happens while the cycle collector is paused, and what start-up made is
    then kept out of every later collection (engage/collector.py, docs/performance.md).
    """
    with collector_paused():
        app = _build(config)
    keep_for_life()
    return app


def _build(config: dict[str, Any] | None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(load_settings(instance_path=app.instance_path))
    if config:
        app.config.from_mapping(config)
    check_production_safety(app.config)

    register_logging(app)
    register_proxy(app)
    register_extensions(app)
    register_routing(app)
    register_blueprints(app)
    register_security(app)
    register_templating(app)
    register_errors(app)
    register_cli(app)
    register_scheduler(app)
    return app


def register_logging(app: Flask) -> None:
    from engage.logging_setup import configure_logging

    configure_logging(app)


def register_proxy(app: Flask) -> None:
    """Trust X-Forwarded-* only from the configured number of proxies in front of the app."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    hops = app.config["TRUSTED_PROXY_COUNT"]
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops
        )


def register_extensions(app: Flask) -> None:
    from sqlalchemy import event

    from engage.extensions import csrf, db, limiter, login_manager
    from engage.lazy_migrate import init_migrate

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    # A failed statement's values (password hashes, addresses, search terms) stay out of the
    # exception text, and so out of every log line and error report that quotes it.
    options.setdefault("hide_parameters", True)
    if uri.startswith("sqlite"):
        # Wait for a writer instead of failing at once; WAL lets readers carry on meanwhile.
        options.setdefault("connect_args", {"timeout": 30})
    else:
        # A restarted server leaves the pool holding dead connections: test each on check-out
        # (one round trip) so the request gets a fresh one instead of a 500.
        options.setdefault("pool_pre_ping", True)
    db.init_app(app)
    init_migrate(app, db, os.path.join(os.path.dirname(app.root_path), "migrations"),
                 render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    from engage.auth.sessions import load_user

    login_manager.user_loader(load_user)
    csrf.init_app(app)
    limiter.init_app(app)
    if uri.startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def register_routing(app: Flask) -> None:
    """Before any route is added: `<int:...>` matches only ids a database column can hold."""
    from engage.request_values import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter


def register_blueprints(app: Flask) -> None:
    import importlib.util
    from importlib import import_module

    import_module("engage.matchings")  # saved import matchings, shared by every import
    for feature in FEATURES:
        # Every model must be mapped before the first query and before Alembic compares.
        if importlib.util.find_spec(f"engage.{feature}.models") is not None:
            import_module(f"engage.{feature}.models")
        blueprint = import_module(f"engage.{feature}.blueprint")
        for name in blueprint.VIEW_MODULES:
            import_module(f"engage.{feature}.{name}")
        app.register_blueprint(blueprint.bp)


def register_security(app: Flask) -> None:
    from engage.auth.access import check_every_route_declares_access, enforce_access
    from engage.auth.sessions import enforce_session_lifetime
    from engage.request_values import reject_nul_bytes
    from engage.security import add_security_headers

    app.before_request(reject_nul_bytes)
    app.before_request(forget_previous_request)
    app.before_request(enforce_session_lifetime)
    app.before_request(enforce_access)
    app.after_request(add_security_headers)
    check_every_route_declares_access(app)


def forget_previous_request() -> None:
    """Drop per-request caches from `g`.

    `g` belongs to the app context, which a request reuses when one is already pushed (tests,
    scripts); a cached user, CSRF token or banner flag must never leak from one request into
    the next.
    """
    from flask import current_app, g

    for name in ("_login_user", "demo_present", current_app.config["WTF_CSRF_FIELD_NAME"]):
        g.pop(name, None)


def register_templating(app: Flask) -> None:
    from engage.templating import init_templating

    init_templating(app)


def register_errors(app: Flask) -> None:
    from engage.errors import register_error_handlers

    register_error_handlers(app)


def register_scheduler(app: Flask) -> None:
    """Only `make run` (SCHEDULER_ENABLED, `flask run`) starts jobs in this process; see there."""
    from engage.scheduler import register_scheduler as start_if_asked

    start_if_asked(app)


def register_cli(app: Flask) -> None:
    from engage.auth.cli import users_cli
    from engage.campaigns.cli import campaigns_cli
    from engage.catalogue.cli import catalogue_cli
    from engage.demo.cli import demo_cli
    from engage.directory.cli import directory_cli
    from engage.insights.cli import insights_cli
    from engage.links.cli import links_cli
    from engage.messaging.cli import messaging_cli
    from engage.reminders.cli import reminders_cli, scheduler_cli
    from engage.settings_cli import settings_cli
    from engage.uptake.cli import uptake_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(directory_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(settings_cli)
    app.cli.add_command(catalogue_cli)
    app.cli.add_command(campaigns_cli)
    app.cli.add_command(links_cli)
    app.cli.add_command(messaging_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(uptake_cli)
    app.cli.add_command(insights_cli)
