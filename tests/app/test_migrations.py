"""The migrations build exactly the models' schema, and undo cleanly, on this run's backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from engage import create_app
from engage.extensions import db
from tests import databases
from tests.conftest import base_config


def schema_differences() -> list:
    """What `flask db migrate` would generate now: nothing, if migrations and models agree."""
    options = dict(current_app.extensions["migrate"].configure_args)
    options.pop("process_revision_directives", None)
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=options)
        return compare_metadata(context, db.metadata)


def table_names() -> set[str]:
    inspector = inspect(db.engine)
    return set(inspector.get_table_names())


def test_the_migrations_have_a_single_head(app):
    config = current_app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several migration heads {heads}: merge them (flask db merge heads)"


def test_upgrade_matches_the_models_and_downgrade_leaves_nothing(tmp_path):
    with databases.fresh_database(tmp_path, name="migrations") as url:
        app = create_app(base_config(url))
        with app.app_context():
            try:
                assert table_names() == set(), "the fresh database is not empty"
                upgrade()
                assert table_names() >= {t.name for t in db.metadata.sorted_tables}
                differences = schema_differences()
                assert differences == [], (
                    f"models and migrations differ on {databases.test_backend()}; run "
                    f"`flask db migrate` and review the result: {differences}"
                )
                downgrade(revision="base")
                assert table_names() <= {"alembic_version"}
                upgrade()  # and the way back up still works after a full downgrade
                assert schema_differences() == []
            finally:
                db.session.remove()
                db.engine.dispose()
