"""Every export is audited once; the same export again within a minute is counted, not repeated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from engage.audit.log import SYSTEM_ACTOR, record_export
from engage.audit.models import AuditEvent
from engage.auth.models import Role
from engage.extensions import db
from tests.factories import (
    make_organisation,
    make_short_link,
    make_touchpoint,
    make_user,
)

NOW = datetime(2022, 7, 15, 12, tzinfo=UTC)
PERIOD = "start=2022-01-01&end=2022-06-30"


def events(action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def exports() -> dict[str, str]:
    """One URL per kind of download, and the audit action each writes."""
    touchpoint = make_touchpoint()
    make_short_link(touchpoint=touchpoint)
    db.session.commit()
    return {
        "/directory/export.csv?status=active": "directory.export",
        f"/insights/export/coverage?format=csv&{PERIOD}": "insights.export",
        f"/insights/export/cold?format=json&days=30&{PERIOD}": "insights.export",
        f"/insights/outreach/event_study.csv?{PERIOD}": "insights.export",
        f"/insights/outreach/reached.json?{PERIOD}&channel=webinar": "insights.export",
        f"/links/touchpoints/{touchpoint.id}/posters.zip": "links.poster_pack_export",
    }


def test_every_download_is_audited_once(app, manager_client):
    make_organisation()
    for url, action in exports().items():
        before = len(events())
        response = manager_client.get(url)
        assert response.status_code == 200, url
        added = events()[before:]
        assert [e.action for e in added] == [action], url
        assert added[0].actor_email.startswith("user") and added[0].details["count"] == 1


def test_the_same_export_again_within_a_minute_is_counted_on_one_row(app, login):
    make_organisation()
    db.session.commit()
    client = login(Role.STEERING)
    url = f"/insights/export/coverage?format=csv&{PERIOD}"
    for _ in range(3):
        assert client.get(url).status_code == 200
    (event,) = events("insights.export")
    assert event.details["count"] == 3 and event.details["parameters"]["table"] == "coverage"
    # Other parameters, or another person, are another export.
    client.get(url.replace("2022-01-01", "2022-02-01"))
    login(Role.STEERING).get(url)
    assert [e.details["count"] for e in events("insights.export")] == [3, 1, 1]
    client.get("/directory/export.csv")
    client.get("/directory/export.csv")
    client.get("/directory/export.csv?kind=gp_practice")
    assert [e.details["count"] for e in events("directory.export")] == [2, 1]


def test_the_admin_page_shows_how_many_times(app, admin_client):
    admin_client.get("/directory/export.csv")
    admin_client.get("/directory/export.csv")
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "(2 times within a minute)" in page


def test_a_repeat_after_the_minute_starts_a_new_row(app):
    user = make_user()
    db.session.commit()

    def export(at: datetime, **parameters: object) -> None:
        record_export(db.session, user, "insights.export", "Exported coverage",
                      parameters={"table": "coverage", **parameters}, now=at)
        db.session.commit()

    export(NOW)
    export(NOW + timedelta(seconds=59))
    export(NOW + timedelta(seconds=61))
    export(NOW + timedelta(seconds=70), start="2022-01-01")
    recorded = events()
    assert [e.details["count"] for e in recorded] == [2, 1, 1]
    assert recorded[0].at == NOW
    assert recorded[0].details["last_at"] == (NOW + timedelta(seconds=59)).isoformat()
    assert recorded[1].at == NOW + timedelta(seconds=61)


def test_the_command_line_export_is_audited_and_folded_too(app, runner):
    make_organisation()
    db.session.commit()
    for _ in range(2):
        result = runner.invoke(args=["insights", "export", "coverage", "--start", "2022-01-01"])
        assert result.exit_code == 0, result.output
    (event,) = events("insights.export")
    assert event.actor_email == SYSTEM_ACTOR and event.details["count"] == 2


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_folding_never_joins_two_people(app, role):
    first, second = make_user(role=role), make_user(role=role)
    db.session.commit()
    for user in (first, second, None):
        record_export(db.session, user, "directory.export", "Exported",
                      parameters={"kind": None}, now=NOW)
    db.session.commit()
    assert [(e.actor_id, e.details["count"]) for e in events()] == [
        (first.id, 1), (second.id, 1), (None, 1)]
