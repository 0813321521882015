"""Flask-Migrate, loaded only when something migrates.

Importing Flask-Migrate loads Alembic and its dialect modules, a tenth of a second or more that
every request-serving process and every `flask` command would pay at start for the few
commands that migrate. This stands in for `Migrate(app, db)`: `app.extensions["migrate"]`
builds the real Flask-Migrate configuration on first use (by `flask db ...`,
`flask_migrate.upgrade()` or the Alembic environment), and the `flask db` group loads its
commands when one is asked for. Everything else is Flask-Migrate's own.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import click
from flask import Flask
from flask_sqlalchemy import SQLAlchemy


class LazyMigrateConfig:
    """What Flask-Migrate keeps in `app.extensions["migrate"]`, made when first read."""

    def __init__(self, db: SQLAlchemy, directory: str, **options: Any) -> None:
        self._db = db
        self._directory = directory
        self._options = options

    @cached_property
    def _real(self) -> Any:
        from flask_migrate import Migrate, _MigrateConfig  # the cost this module defers

        migrate = Migrate(db=self._db, directory=self._directory, **self._options)
        return _MigrateConfig(migrate, self._db, **migrate.alembic_ctx_kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class LazyDbGroup(click.Group):
    """`flask db`: Flask-Migrate's command group, imported when one of its commands is used."""

    @cached_property
    def _real(self) -> click.Group:
        from flask_migrate.cli import db as real_group

        return real_group

    # Parsing and running go to the real group, so its own options (--directory, -x) and the
    # values its callback keeps for the commands work as Flask-Migrate wrote them.
    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        return self._real.make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        return self._real.invoke(ctx)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._real.list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._real.get_command(ctx, cmd_name)


def init_migrate(app: Flask, db: SQLAlchemy, directory: str, **options: Any) -> None:
    app.extensions["migrate"] = LazyMigrateConfig(db, directory, **options)
    app.cli.add_command(LazyDbGroup("db", help="Perform database migrations."))
