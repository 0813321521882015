"""The scan of a short link: count it, keep the organisation's engagement record up to date.

Counting rules: a GET from a person's browser is a scan; a bot or link previewer is stored with
device "bot" and never counted; a HEAD request is not recorded at all. A well-formed code that
is unknown or retired is recorded as a miss (not for bots); a malformed one (too long, odd
characters) stores nothing.

The engagement ledger gets one SCANNED row per link, organisation and UK day
(`source_ref = link:<id>:<yyyy-mm-dd>`), whose `people` is that day's unique visitors. It is
kept right under concurrent scans without reading and rewriting: a scan whose visitor key is
new for the day (an INSERT ... ON CONFLICT DO NOTHING into `scan_visitor` that inserted a row)
adds one to `people` in an INSERT ... ON CONFLICT DO UPDATE, which the database applies
under the row's lock. `record_reach` only inserts, so this upsert lives here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, text
from sqlalchemy.orm import Session

from engage.campaigns.models import (
    Channel,
    Engagement,
    EngagementKind,
    EngagementSource,
    Touchpoint,
)
from engage.catalogue.models import Service
from engage.links.codes import normalise
from engage.links.devices import device_class
from engage.links.models import Device, Medium, MissReason, Scan, ScanMiss, ScanVisitor, ShortLink
from engage.links.upsert import insert_ignoring_conflicts, insert_or_update
from engage.links.visitors import salt_for, uk_day, visitor_key

_sqlite_writer = threading.Lock()


@contextmanager
def one_writer_per_process(session: Session) -> Iterator[None]:
    """On SQLite, let one thread of this process write a scan at a time.

    SQLite has one writer at a time anyway; a thread that finds the lock taken sleeps in
    SQLite's busy handler (1, 2, 5, 10 ... ms), far longer than a scan takes. Queueing on a
    Python lock instead hands the database over at once. Other processes still wait in SQLite.
    """
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    with _sqlite_writer:
        yield


@dataclass(frozen=True)
class ScanResult:
    """Where to send the visitor: `found` False means the friendly 404."""

    found: bool
    code: str | None = None
    service_slug: str | None = None  # None with found=True: the list of services
    counted: bool = False


def ledger_ref(link_id: int, day: object) -> str:
    return f"link:{link_id}:{day}"


def handle_scan(
    session: Session,
    raw_code: str,
    *,
    address: str | None,
    user_agent: str | None,
    now: datetime,
    record: bool = True,
) -> ScanResult:
    """Look the code up and, when `record` (not a HEAD request), record the scan or the miss.

    The caller commits. Nothing here touches the request: the address is used for the visitor
    key only, and never stored.
    """
    code = normalise(raw_code)
    if code is None:
        return ScanResult(found=False)
    # Core statements on the session's connection: a scan is the busiest write in engage, and
    # the ORM's unit of work would cost more than the database does (docs/performance.md).
    connection = session.connection()
    device = device_class(user_agent)
    counted = record and device is not Device.BOT
    day = uk_day(now)
    row: Any
    if connection.dialect.name == "postgresql" and record:
        key = visitor_key(salt_for(session, day), address, user_agent)
        row, new_visitor = _scan_postgresql(connection, code, now, day, device, key, counted)
    else:
        row = connection.execute(_LOOKUP, {"code": code}).one_or_none()
        new_visitor = False
        if record and row is not None and row.retired_at is None:
            key = visitor_key(salt_for(session, day), address, user_agent)
            connection.execute(_INSERT_SCAN, {"link_id": row.id, "at": now, "day": day,
                                              "device": device, "visitor_key": key})
            if counted:
                new_visitor = bool(insert_ignoring_conflicts(
                    session, ScanVisitor, [{"link_id": row.id, "day": day, "visitor_key": key}],
                    ["link_id", "day", "visitor_key"],
                ))
    if row is None or row.retired_at is not None:
        if record and device is not Device.BOT:
            connection.execute(_INSERT_MISS, {
                "code": code, "link_id": row.id if row is not None else None,
                "reason": MissReason.UNKNOWN if row is None else MissReason.RETIRED,
                "at": now, "day": day, "device": device,
            })
        return ScanResult(found=False, code=code)
    if new_visitor and row.organisation_id is not None:
        _count_visitor(session, row, day=day, now=now)
    return ScanResult(found=True, code=code, service_slug=row.slug, counted=counted)


# PostgreSQL: the look-up and both inserts in one statement, one round trip instead of five.
# The commit does not wait for the disk (synchronous_commit off for this transaction only),
# like SQLite's WAL with synchronous=NORMAL: a power cut could forget the last fraction of a
# second of scans, never corrupt anything; every scan answered with a redirect is stored.
_PG_SCAN = text("""
WITH link AS (
    SELECT l.id, l.retired_at, l.organisation_id, l.touchpoint_id, l.medium, s.slug,
           t.campaign_id, t.channel
    FROM short_link AS l
    LEFT OUTER JOIN service AS s ON s.id = l.service_id
    LEFT OUTER JOIN touchpoint AS t ON t.id = l.touchpoint_id
    WHERE l.code = :code
), stored AS (
    INSERT INTO scan (link_id, at, day, device, visitor_key)
    SELECT id, :at, :day, :device, :key FROM link WHERE retired_at IS NULL
    RETURNING link_id
), visitor AS (
    INSERT INTO scan_visitor (link_id, day, visitor_key)
    SELECT id, :day, :key FROM link WHERE retired_at IS NULL AND CAST(:counted AS boolean)
    ON CONFLICT DO NOTHING
    RETURNING link_id
)
SELECT link.*, (SELECT count(*) FROM visitor) AS new_visitors,
       set_config('synchronous_commit', 'off', true) AS durability
FROM link
""")


@dataclass(frozen=True)
class _Row:
    id: int
    retired_at: datetime | None
    organisation_id: int | None
    touchpoint_id: int | None
    medium: Medium
    slug: str | None
    campaign_id: int | None
    channel: Channel | None


def _scan_postgresql(connection: Connection, code: str, now: datetime, day: date,
                     device: Device, key: str, counted: bool) -> tuple[_Row | None, bool]:
    found = connection.execute(_PG_SCAN, {
        "code": code, "at": now, "day": day, "device": device.value, "key": key,
        "counted": counted}).one_or_none()
    if found is None:
        return None, False
    row = _Row(found.id, found.retired_at, found.organisation_id, found.touchpoint_id,
               Medium(found.medium), found.slug, found.campaign_id,
               Channel(found.channel) if found.channel else None)
    return row, bool(found.new_visitors)


_LOOKUP = (
    select(ShortLink.id, ShortLink.retired_at, ShortLink.organisation_id,
           ShortLink.touchpoint_id, ShortLink.medium, Service.slug,
           Touchpoint.campaign_id, Touchpoint.channel)
    .outerjoin(Service, Service.id == ShortLink.service_id)
    .outerjoin(Touchpoint, Touchpoint.id == ShortLink.touchpoint_id)
    .where(ShortLink.code == bindparam("code"))
)
_INSERT_SCAN = insert(Scan.__table__)
_INSERT_MISS = insert(ScanMiss.__table__)


def _count_visitor(session: Session, row: object, *, day: object, now: datetime) -> None:
    """One more unique visitor today on the organisation's ledger row for this link."""
    medium = row.medium  # type: ignore[attr-defined]
    channel = row.channel or (  # type: ignore[attr-defined]
        Channel.POSTER if medium is Medium.QR else Channel.OTHER)
    insert_or_update(
        session,
        Engagement,
        {
            "organisation_id": row.organisation_id,  # type: ignore[attr-defined]
            "occurred_at": now,
            "channel": channel,
            "kind": EngagementKind.SCANNED if medium is Medium.QR else EngagementKind.CLICKED,
            "people": 1,
            "touchpoint_id": row.touchpoint_id,  # type: ignore[attr-defined]
            "campaign_id": row.campaign_id,  # type: ignore[attr-defined]
            "source": EngagementSource.QR_SCAN,
            "source_ref": ledger_ref(row.id, day),  # type: ignore[attr-defined]
            "counted": True,
            "void_reason": "",
            "note": "Unique visitors that day through a printed QR code"
            if medium is Medium.QR else "Unique visitors that day through a short link",
            "created_at": now,
        },
        ["source", "source_ref"],
        _ONE_MORE_PERSON,
    )


# One mapping object for the life of the process, so the upsert statement is built once.
_ONE_MORE_PERSON = {"people": Engagement.__table__.c.people + 1}
