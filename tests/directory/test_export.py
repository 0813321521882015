"""Exporting the directory as CSV: filters, spreadsheet safety, the audit log, the command."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.database import utcnow
from engage.directory.csv_import import import_csv
from engage.directory.export import export_directory
from engage.directory.models import Organisation, OrgKind, OrgStatus
from engage.directory.organisations import DirectoryFilter
from engage.extensions import db
from tests.factories import make_contact, make_locality, make_organisation


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_export_from_the_list_follows_its_filters(app, steering_client):
    fens = make_locality("Fens")
    make_organisation(name="Fen Pharmacy", kind=OrgKind.COMMUNITY_PHARMACY, locality_id=fens.id)
    make_organisation(name="Fen Surgery", locality_id=fens.id)
    make_organisation(name="=cmd|' /C calc'!A0", kind=OrgKind.COMMUNITY_PHARMACY)
    db.session.commit()
    response = steering_client.get(
        f"/directory/export.csv?kind=community_pharmacy&locality={fens.id}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    exported = rows(response.get_data(as_text=True))
    assert [row["name"] for row in exported] == ["Fen Pharmacy"]
    assert exported[0]["locality"] == "Fens" and exported[0]["kind"] == "Community pharmacy"
    everything = rows(steering_client.get("/directory/export.csv").get_data(as_text=True))
    assert "'=cmd|' /C calc'!A0" in [row["name"] for row in everything]


def test_export_is_written_to_the_audit_log(app, manager_client):
    make_organisation()
    db.session.commit()
    manager_client.get("/directory/export.csv?status=active")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "directory.export"))
    assert event is not None
    assert "Exported 1 organisation (active)" in event.summary
    assert event.actor_email.startswith("user")


def test_an_export_can_be_imported_again_unchanged(app):
    org = make_organisation(name="Round Trip Pharmacy", kind=OrgKind.COMMUNITY_PHARMACY,
                            address="2 Bridge Street\nWisbech", postcode="PE13 1AA",
                            staff_headcount=7, pcn="Wisbech PCN", phone="01632 960001")
    make_contact(org)
    db.session.commit()
    text = export_directory(db.session, DirectoryFilter(), now=utcnow())
    summary = import_csv(db.session, text.encode(), now=utcnow())
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 1)


def test_export_command_writes_csv_to_standard_output(app, runner):
    fens = make_locality("Fens")
    make_organisation(name="Fen Surgery", locality_id=fens.id)
    make_organisation(name="Fen Closed", locality_id=fens.id, status=OrgStatus.CLOSED)
    make_organisation(name="Town Pharmacy", kind=OrgKind.COMMUNITY_PHARMACY)
    db.session.commit()
    result = runner.invoke(args=["directory", "export", "--kind", "gp_practice", "--status",
                                 "active", "--locality", "fens"])
    assert result.exit_code == 0, result.output
    assert [row["name"] for row in rows(result.output)] == ["Fen Surgery"]
    result = runner.invoke(args=["directory", "export", "--kind", "Pharmacy"])
    assert [row["name"] for row in rows(result.output)] == ["Town Pharmacy"]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "directory.export"))


def test_export_command_explains_unknown_options(app, runner):
    make_locality("Fens")
    db.session.commit()
    result = runner.invoke(args=["directory", "export", "--locality", "Narnia"])
    assert result.exit_code != 0 and "no locality called 'Narnia' (known: Fens)" in result.output
    result = runner.invoke(args=["directory", "export", "--kind", "dentist"])
    assert result.exit_code != 0 and "is not a kind" in result.output
    assert db.session.scalar(select(Organisation)) is None
