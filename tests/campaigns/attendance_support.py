"""Shared by the attendance import tests: the fixture files, a touchpoint, a small directory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from engage.audit.models import AuditEvent
from engage.campaigns.ledger import Reach, record_reach
from engage.campaigns.models import (
    AttendanceImport,
    Channel,
    Engagement,
    EngagementKind,
    Touchpoint,
    TouchpointStatus,
)
from engage.directory.models import Organisation, OrgKind
from engage.extensions import db
from tests.factories import make_contact, make_organisation, make_touchpoint

DATA = Path(__file__).resolve().parent / "data" / "attendance"
HELD_AT = datetime(2025, 3, 14, 13, 0, tzinfo=UTC)
NOW = datetime(2025, 3, 14, 15, 30, tzinfo=UTC)


def data(name: str) -> bytes:
    return (DATA / name).read_bytes()


def add_touchpoint(**overrides: Any) -> Touchpoint:
    """A webinar that has happened, on the day the fixture files' meeting took place."""
    values: dict[str, Any] = {
        "channel": Channel.WEBINAR,
        "title": "Occupational health for practice teams",
        "planned_at": HELD_AT,
        "actual_at": HELD_AT,
        "status": TouchpointStatus.DONE,
        "location": "Microsoft Teams",
    }
    values.update(overrides)
    return make_touchpoint(**values)


@dataclass
class Directory:
    """The organisations the fixture files' attendees come from, and one that stays away."""

    riverside: Organisation
    fenland: Organisation
    wisbech: Organisation
    march: Organisation
    federation: Organisation
    chatteris: Organisation


def add_directory() -> Directory:
    """Contacts whose addresses and domains the fixture files use."""
    riverside = make_organisation(ods_code="D81001", name="Riverside Surgery")
    make_contact(riverside, name="Priya Patel", email="pm.riverside@nhs.net")
    make_contact(riverside, name="Reception", email="reception@riversidesurgery.co.uk")
    fenland = make_organisation(ods_code="D81002", name="Fenland Health Centre")
    make_contact(fenland, name="Sue Hart", email="manager@fenlandhc.org.uk")
    wisbech = make_organisation(ods_code="FA123", name="Wisbech Pharmacy",
                                kind=OrgKind.COMMUNITY_PHARMACY)
    make_contact(wisbech, name="Shared mailbox", email="pharmacy.fa123@nhs.net")
    march = make_organisation(ods_code="FB456", name="March Chemists",
                              kind=OrgKind.COMMUNITY_PHARMACY)
    make_contact(march, name="Ravi Shah", email="lead@marchchemists.co.uk")
    federation = make_organisation(ods_code="Y01234", name="North Cambs GP Federation",
                                   kind=OrgKind.GP_FEDERATION)
    make_contact(federation, name="Operations", email="ops@northcambsfed.org.uk")
    chatteris = make_organisation(ods_code="D81003", name="Chatteris Surgery")
    make_contact(chatteris, name="Practice manager", email="pm.chatteris@nhs.net")
    return Directory(riverside, fenland, wisbech, march, federation, chatteris)


def invite(touchpoint: Touchpoint, *orgs: Organisation) -> None:
    """Record invitations to the touchpoint, as the touchpoint pages would."""
    record_reach(db.session, [Reach(org.id, EngagementKind.INVITED) for org in orgs],
                 occurred_at=HELD_AT, channel=touchpoint.channel, touchpoint=touchpoint,
                 now=NOW)


def live_rows(touchpoint: Touchpoint, kind: EngagementKind) -> dict[str, int]:
    """ODS code → people, for the touchpoint's rows of one kind that still count."""
    rows = db.session.execute(
        select(Organisation.ods_code, Engagement.people)
        .join(Organisation, Organisation.id == Engagement.organisation_id)
        .where(Engagement.touchpoint_id == touchpoint.id, Engagement.kind == kind,
               Engagement.voided_at.is_(None))
    ).all()
    return dict((code, people) for code, people in rows)


def written() -> tuple[int, int, int]:
    """How many imports, ledger rows and audit events exist: for "changes nothing" checks."""
    return tuple(  # type: ignore[return-value]
        db.session.scalar(select(func.count()).select_from(model)) or 0
        for model in (AttendanceImport, Engagement, AuditEvent)
    )
