"""0013_service_referral: services recorded before it keep their page, gain empty referral
details, and one with no contact route is named by `flask catalogue check`."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from engage import create_app
from engage.database import UTCDateTime
from engage.extensions import db
from tests import databases
from tests.conftest import base_config

SERVICE = sa.table(
    "service", *(sa.column(c) for c in (
        "id", "slug", "name", "summary", "description", "audience", "phone", "email",
        "website", "hours", "attributable_to_organisation", "retired", "sort_order")),
    sa.column("access_routes", sa.JSON()),
    sa.column("created_at", UTCDateTime()), sa.column("updated_at", UTCDateTime()))


def test_the_migration_keeps_existing_services_published_with_empty_referral_details(tmp_path):
    when = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    row = {"summary": "", "description": "", "audience": "managers_only",
           "access_routes": ["manager_referral"], "email": "", "website": "", "hours": "",
           "attributable_to_organisation": True, "retired": False, "sort_order": 10,
           "created_at": when, "updated_at": when}
    with databases.fresh_database(tmp_path, name="referral") as url:
        app = create_app(base_config(url))
        with app.app_context():
            try:
                upgrade(revision="0011_engagement_tier")
                with db.engine.begin() as conn:
                    conn.execute(SERVICE.insert(), [
                        {**row, "id": 1, "slug": "reachable", "name": "Reachable",
                         "phone": "01632 960 100"},
                        {**row, "id": 2, "slug": "unreachable", "name": "Unreachable",
                         "phone": ""}])
                upgrade(revision="0013_service_referral")
                with db.engine.connect() as conn:
                    rows = conn.execute(sa.text(
                        "SELECT slug, published, referral_form_url, what_to_have_ready, "
                        "what_happens_next FROM service ORDER BY id")).all()
                assert [(slug, bool(published), a, b, c) for slug, published, a, b, c in rows] \
                    == [("reachable", True, "", "", ""), ("unreachable", True, "", "", "")]
                result = app.test_cli_runner().invoke(args=["catalogue", "check"])
                assert result.exit_code == 1
                assert "unreachable (published, NOT SHOWN)" in result.output
                assert app.test_client().get("/services/unreachable").status_code == 404
                assert app.test_client().get("/services/reachable").status_code == 200
                # The requests ran in this test's app context, so its session is still in a
                # transaction; end it, or PostgreSQL's ALTER TABLE waits on it for ever.
                db.session.remove()
                downgrade(revision="0011_engagement_tier")
                with db.engine.connect() as conn:
                    columns = {c["name"] for c in sa.inspect(conn).get_columns("service")}
                assert "published" not in columns and "referral_form_url" not in columns
            finally:
                db.session.remove()
                db.engine.dispose()
