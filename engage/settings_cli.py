"""`flask settings ...`: what a deployment runs with, and whether it is ready to serve.

Run `flask settings check` after `flask db upgrade` on each release: it fails (exit 1) when
the database is unreachable or behind the code, the rate-limit storage cannot be reached, or
(in production) the public address that short links are built on is not one people can reach.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import text
from sqlalchemy.engine import make_url

from engage.config import load_settings, production_warnings
from engage.extensions import db, limiter
from engage.public_address import public_address_warning

settings_cli = AppGroup("settings", help="Show and check this deployment's settings.")

SECRET_SETTINGS = frozenset(
    {"SECRET_KEY", "SECRET_KEY_FALLBACKS", "SENDGRID_API_KEY", "SENDGRID_WEBHOOK_PUBLIC_KEY"}
)


def hide_url_password(url: str) -> str:
    """A URL with any password replaced by ***, for showing on screen or in logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def describe_settings(config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every engage setting with its current value; secrets shown only as set or not."""
    rows = []
    for name in sorted(load_settings({})):
        value = config.get(name)
        if name in SECRET_SETTINGS:
            unit = "keys" if isinstance(value, list) else "characters"
            shown = f"set ({len(value)} {unit})" if value else "not set"
        elif name == "SQLALCHEMY_DATABASE_URI":
            shown = make_url(str(value)).render_as_string(hide_password=True)
        elif isinstance(value, str) and "://" in value:
            shown = hide_url_password(value)
        else:
            shown = str(value)
        rows.append((name, shown))
    return rows


def deployment_problems(app: Flask) -> tuple[list[str], list[str]]:
    """(problems, notes): problems stop a release; notes say what was checked."""
    from alembic.migration import MigrationContext  # Alembic only for the commands that need it
    from alembic.script import ScriptDirectory

    problems: list[str] = []
    notes: list[str] = []
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception as exc:  # noqa: BLE001 - report any driver error the same way
        problems.append(f"database unreachable: {type(exc).__name__}: {str(exc)[:200]}")
    else:
        notes.append(f"database reachable ({db.engine.dialect.name})")
        config = app.extensions["migrate"].migrate.get_config()
        heads = set(ScriptDirectory.from_config(config).get_heads())
        if current != heads:
            problems.append("database schema is not up to date: run `flask db upgrade`")
        else:
            notes.append("database schema up to date")
    if app.config.get("RATELIMIT_ENABLED"):
        uri = hide_url_password(app.config["RATELIMIT_STORAGE_URI"])
        try:
            healthy = limiter.storage.check()
        except Exception:  # noqa: BLE001
            healthy = False
        if healthy:
            notes.append(f"rate-limit storage reachable ({uri})")
        else:
            problems.append(f"rate-limit storage unreachable: {uri}")
    elif app.config.get("ENGAGE_ENV") == "production":
        problems.append("rate limiting is off (RATELIMIT_ENABLED): log-ins can be guessed freely")
    else:
        notes.append("rate limiting is off")
    production = app.config.get("ENGAGE_ENV") == "production"
    address = public_address_warning(app.config["PUBLIC_BASE_URL"], production=production)
    if address is None:
        notes.append(f"public address reachable ({app.config['PUBLIC_BASE_URL']})")
    elif production:
        problems.append(address)
    return problems, notes


@settings_cli.command("show")
def show() -> None:
    """Print every setting (secrets shown only as set or not set)."""
    for name, value in describe_settings(current_app.config):
        click.echo(f"{name}={value}")


@settings_cli.command("check")
def check() -> None:
    """Check the database, schema, rate-limit storage and public address; exit 1 if anything is
    wrong."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    problems, notes = deployment_problems(app)
    for note in notes:
        click.echo(f"ok: {note}")
    for warning in production_warnings(current_app.config):
        if warning not in problems:  # the unreachable public address is both
            click.echo(f"warning: {warning}")
    if current_app.config.get("ENGAGE_ENV") != "production":
        address = public_address_warning(current_app.config["PUBLIC_BASE_URL"], production=False)
        if address:
            click.echo(f"warning: {address} (a problem only in production)")
    for problem in problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    if problems:
        raise SystemExit(1)
