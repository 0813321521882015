"""The scan of a short link: count it, keep the organisation's engagement record up to date.

Counting rules: a GET from a person's browser is a scan; a bot or link previewer is stored with
device "bot" and never counted; a HEAD request is not recorded at all. A well-formed code that
is unknown or retired is recorded as a miss (not for bots); a malformed one (too long, odd
characters) stores nothing. Unknown codes are stored as rows only up to `miss_cap` a UK day;
past it they are only counted, in the day's one `scan_miss_day` row (a flood of random codes
must not fill the table).

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
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Date, Engine, Integer, bindparam, case, literal, null, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

from engage.campaigns import models as campaigns
from engage.catalogue.models import Service
from engage.database import DbSession
from engage.links.codes import normalise
from engage.links.devices import device_profile
from engage.links.driver import DriverStatement, autocommit_engine, compile_for, kept_cursor
from engage.links.models import (
    Device,
    Medium,
    MissReason,
    Scan,
    ScanMiss,
    ScanMissDay,
    ScanVisitor,
    ShortLink,
)
from engage.links.upsert import bound_values, dialect_insert, ignoring_statement, upsert_statement
from engage.links.visitors import cached_salt, salt_for, visitor_key
from engage.timezone import uk_day

MISS_CAP = 100  # unknown-code misses stored as rows per UK day (the SCAN_MISS_DAILY_CAP default)

_sqlite_writer = threading.Lock()


@contextmanager
def one_writer_per_process(dialect_name: str) -> Iterator[None]:
    """On SQLite, let one thread of this process write a scan at a time.

    SQLite has one writer at a time anyway; a thread that finds the lock taken sleeps in
    SQLite's busy handler (1, 2, 5, 10 ... ms), far longer than a scan takes. Queueing on a
    Python lock instead hands the database over at once. Other processes still wait in SQLite.
    """
    if dialect_name != "sqlite":
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
    # An email link (medium EMAIL) is found but not recorded here: its click is the email's
    # (engage.messaging.clicks), recorded by the endpoint with the message's token.
    link_id: int | None = None
    medium: Medium | None = None
    target_url: str | None = None  # as stored; the endpoint decides where it may lead


@dataclass(frozen=True)
class ScanRequest:
    """One request for a short link, as the scan needs it: `address` only makes the visitor
    key and is never stored; `record` is False for HEAD requests, which count nothing."""

    raw_code: str
    address: str | None
    user_agent: str | None
    now: datetime
    record: bool = True
    miss_cap: int = MISS_CAP


def ledger_ref(link_id: int, day: object) -> str:
    return f"link:{link_id}:{day}"


def handle_scan(session: DbSession, scan: ScanRequest) -> ScanResult:
    """Look the code up and, when `scan.record` (not a HEAD request), record the scan or the miss.

    Runs in the session's transaction; the caller commits. Nothing here touches the request:
    the address is used for the visitor key only, and never stored.
    """
    code = normalise(scan.raw_code)
    if code is None:
        return ScanResult(found=False)
    connection = session.connection()
    day = uk_day(scan.now)
    salt = salt_for(session, day) if scan.record else b""
    with closing(connection.connection.cursor()) as cursor:
        return _scan(cursor, connection.dialect, code, day, salt, scan)


def record_scan(engine: Engine, session: DbSession, scan: ScanRequest) -> ScanResult:
    """The scan endpoint's path: `handle_scan` on a pooled connection of its own, committed.

    The Session is used only for the day's first salt look-up (once a day per process); the
    scan itself is the compiled statements on the driver's cursor and the driver's commit,
    which is what lets the scan keep up with a bare redirect (docs/performance.md).
    """
    code = normalise(scan.raw_code)
    if code is None:
        return ScanResult(found=False)
    day = uk_day(scan.now)
    salt = b""
    if scan.record:
        cached = cached_salt(engine, day)
        if cached is None:
            cached = salt_for(session, day)
            session.commit()
        salt = cached
    dialect = engine.dialect
    if dialect.name == "postgresql":
        return _scan_in_autocommit(autocommit_engine(engine), code, day, salt, scan)
    connection = engine.raw_connection()
    try:
        with one_writer_per_process(dialect.name):
            with closing(connection.cursor()) as cursor:
                result = _scan(cursor, dialect, code, day, salt, scan)
            connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.close()
    return result


def _scan_in_autocommit(pool: Engine, code: str, day: date, salt: bytes,
                        scan: ScanRequest) -> ScanResult:
    """PostgreSQL: each statement of a scan is complete on its own (the scan is one statement,
    a miss one insert), so it runs on the autocommit pool, with no BEGIN or COMMIT round trips.

    After a restart of the database every pooled connection is dead: the first scan to find
    one empties the pool and tries once more on a new connection, so staff do not see an
    error page for it. (A connection that broke after the server stored the scan would count
    it twice; a rare extra count is better than an error page for someone at a poster.)
    """
    dialect = pool.dialect
    for attempt in (1, 2):
        connection = pool.raw_connection()
        try:
            return _scan(kept_cursor(connection), dialect, code, day, salt, scan)
        except dialect.loaded_dbapi.Error as error:
            gone = dialect.is_disconnect(error, connection.dbapi_connection, None)
            # Whatever went wrong, this connection does not go back to the pool.
            connection.invalidate()
            if not gone or attempt == 2:
                raise
            pool.dispose()
        finally:
            connection.close()
    raise AssertionError("unreachable")


def _scan(cursor: Any, dialect: Dialect, code: str, day: date, salt: bytes,
          scan: ScanRequest) -> ScanResult:
    """The scan's statements on a driver cursor, in whatever transaction it is in."""
    address, user_agent, now, record = scan.address, scan.user_agent, scan.now, scan.record
    statements = _statements(dialect)
    device, family = device_profile(user_agent)
    counted = record and device is not Device.BOT
    row: _Row | None
    new_visitor = False
    if dialect.name == "postgresql" and record:
        # One statement: the look-up, the scan, the visitor and the ledger (`_PG_SCAN`).
        key = visitor_key(salt, address, family)
        found = statements.pg_scan.execute(cursor, {
            "code": code, "at": now, "day": day, "device": device.value, "key": key,
            "counted": counted}).fetchone()
        row = _Row.from_driver(found) if found is not None else None
    else:
        found = statements.lookup.execute(cursor, {"code": code}).fetchone()
        row = _Row.from_driver(found) if found is not None else None
        email_link = row is not None and row.medium is Medium.EMAIL
        if record and row is not None and row.retired_at is None and not email_link:
            key = visitor_key(salt, address, family)
            statements.insert_scan.execute(cursor, {
                "link_id": row.id, "at": now, "day": day, "device": device, "visitor_key": key})
            if counted:
                # RETURNING rather than rowcount, which drivers do not all report alike.
                statements.insert_visitor.execute(
                    cursor, {"link_id": row.id, "day": day, "visitor_key": key})
                new_visitor = cursor.fetchone() is not None
    if row is None or row.retired_at is not None:
        if record and device is not Device.BOT:
            _record_miss(cursor, statements, dialect, code, row, day=day, now=now,
                         device=device, miss_cap=scan.miss_cap)
        return ScanResult(found=False, code=code)
    if row.medium is Medium.EMAIL:
        return ScanResult(found=True, code=code, link_id=row.id, medium=row.medium,
                          target_url=row.target_url)
    if new_visitor and row.organisation_id is not None:
        statements.count_visitor.execute(cursor, _ledger_row(row, day=day, now=now))
    return ScanResult(found=True, code=code, service_slug=row.slug, counted=counted,
                      link_id=row.id, medium=row.medium, target_url=row.target_url)


def _record_miss(cursor: Any, statements: _Statements, dialect: Dialect, code: str,
                 row: _Row | None, *, day: date, now: datetime, device: Device,
                 miss_cap: int) -> None:
    """A retired code's miss is always stored (it belongs to a real link); an unknown code's
    only while the day has stored fewer than `miss_cap`, and counted in `scan_miss_day`."""
    if row is not None:
        statements.insert_miss.execute(cursor, {
            "code": code, "link_id": row.id, "reason": MissReason.RETIRED, "at": now,
            "day": day, "device": device})
        return
    values = {"code": code, "at": now, "day": day, "device": device, "cap": miss_cap}
    if dialect.name == "postgresql":
        statements.pg_unknown_miss.execute(cursor, values)
        return
    overflow = statements.count_miss.execute(cursor, {"day": day, "cap": miss_cap}).fetchone()
    if overflow is not None and overflow[0] == 0:
        statements.insert_unknown_miss.execute(cursor, values)


@dataclass(frozen=True)
class _Row:
    id: int
    retired_at: object | None  # only ever tested against None
    organisation_id: int | None
    touchpoint_id: int | None
    medium: Medium
    slug: str | None
    campaign_id: int | None
    channel: campaigns.Channel | None
    target_url: str | None

    @classmethod
    def from_driver(cls, values: Any) -> _Row:
        """From the driver's row: enums come back as their stored values."""
        (id_, retired_at, organisation_id, touchpoint_id, medium, slug, campaign_id,
         channel, target_url) = values
        return cls(id_, retired_at, organisation_id, touchpoint_id, Medium(medium), slug,
                   campaign_id, campaigns.Channel(channel) if channel else None, target_url)


def _ledger_row(row: _Row, *, day: date, now: datetime) -> dict[str, Any]:
    """One more unique visitor today on the organisation's ledger row for this link."""
    qr = row.medium is Medium.QR
    kind = campaigns.EngagementKind.SCANNED if qr else campaigns.EngagementKind.CLICKED
    return {
        "organisation_id": row.organisation_id,
        "occurred_at": now,
        "channel": row.channel or (campaigns.Channel.POSTER if qr else campaigns.Channel.OTHER),
        "kind": kind,
        "tier": campaigns.tier_for(kind),
        "people": 1,
        "touchpoint_id": row.touchpoint_id,
        "campaign_id": row.campaign_id,
        "source": campaigns.EngagementSource.QR_SCAN,
        "source_ref": ledger_ref(row.id, day),
        "counted": True,
        "void_reason": "",
        "note": _LEDGER["note_qr"] if qr else _LEDGER["note_link"],
        "created_at": now,
    }


# PostgreSQL: the look-up, both inserts and the ledger's upsert in one statement, run on its own
# by the endpoint on the autocommit pool (`driver.autocommit_engine`, whose commits do not wait
# for the disk): one round trip, where BEGIN, statements and COMMIT took four. The ledger part
# is `_ledger_row` in SQL (the two must agree; the tests check both).
_PG_SCAN_SQL = """
WITH link AS (
    SELECT l.id, l.retired_at, l.organisation_id, l.touchpoint_id, l.medium, s.slug,
           t.campaign_id, t.channel, l.target_url
    FROM short_link AS l
    LEFT OUTER JOIN service AS s ON s.id = l.service_id
    LEFT OUTER JOIN touchpoint AS t ON t.id = l.touchpoint_id
    WHERE l.code = :code
), stored AS (
    INSERT INTO scan (link_id, at, day, device, visitor_key)
    SELECT id, :at, :day, :device, :key FROM link WHERE retired_at IS NULL AND medium <> {email}
    RETURNING link_id
), visitor AS (
    INSERT INTO scan_visitor (link_id, day, visitor_key)
    SELECT id, :day, :key FROM link
    WHERE retired_at IS NULL AND medium <> {email} AND CAST(:counted AS boolean)
    ON CONFLICT DO NOTHING
    RETURNING link_id
), ledger AS (
    INSERT INTO engagement (organisation_id, occurred_at, channel, kind, tier, people,
                            touchpoint_id, campaign_id, source, source_ref, counted, void_reason,
                            note, created_at)
    SELECT link.organisation_id, :at,
           COALESCE(link.channel, CASE WHEN link.medium = {qr} THEN {poster} ELSE {other} END),
           CASE WHEN link.medium = {qr} THEN {scanned} ELSE {clicked} END,
           CASE WHEN link.medium = {qr} THEN {scanned_tier} ELSE {clicked_tier} END,
           1, link.touchpoint_id, link.campaign_id, {source},
           'link:' || link.id || ':' || to_char(CAST(:day AS date), 'YYYY-MM-DD'), true, '',
           CASE WHEN link.medium = {qr} THEN {note_qr} ELSE {note_link} END, :at
    FROM link JOIN visitor ON visitor.link_id = link.id
    WHERE link.organisation_id IS NOT NULL
    ON CONFLICT (source, source_ref) DO UPDATE SET people = engagement.people + 1
)
SELECT link.id, link.retired_at, link.organisation_id, link.touchpoint_id, link.medium,
       link.slug, link.campaign_id, link.channel, link.target_url
FROM link
"""

# The ledger row's stored values, for `_ledger_row` and the same row in `_PG_SCAN`'s SQL.
_LEDGER = {
    "qr": Medium.QR.value, "email": Medium.EMAIL.value,
    "poster": campaigns.Channel.POSTER.value, "other": campaigns.Channel.OTHER.value,
    "scanned": campaigns.EngagementKind.SCANNED.value,
    "clicked": campaigns.EngagementKind.CLICKED.value,
    "scanned_tier": campaigns.tier_for(campaigns.EngagementKind.SCANNED).value,
    "clicked_tier": campaigns.tier_for(campaigns.EngagementKind.CLICKED).value,
    "source": campaigns.EngagementSource.QR_SCAN.value,
    "note_qr": "Unique visitors that day through a printed QR code",
    "note_link": "Unique visitors that day through a short link",
}
# Written into the statement rather than sent with every scan.
_PG_SCAN = text(_PG_SCAN_SQL.format_map({
    name: literal(value).compile(dialect=postgresql.dialect(),
                                 compile_kwargs={"literal_binds": True}).string
    for name, value in _LEDGER.items()}))

_LOOKUP = (
    select(ShortLink.id, ShortLink.retired_at, ShortLink.organisation_id,
           ShortLink.touchpoint_id, ShortLink.medium, Service.slug,
           campaigns.Touchpoint.campaign_id, campaigns.Touchpoint.channel, ShortLink.target_url)
    .outerjoin(Service, Service.id == ShortLink.service_id)
    .outerjoin(campaigns.Touchpoint, campaigns.Touchpoint.id == ShortLink.touchpoint_id)
    .where(ShortLink.code == bindparam("code"))
)


def _count_miss(name: str) -> Any:
    """One more unknown-code miss today: stored while fewer than :cap are, else overflow.

    The database applies it under the day row's lock, so concurrent misses never store more
    than the cap. A miss is to be stored exactly when the returned `overflow` is still 0 (it
    only grows once `stored` has reached the cap, and then every later miss adds to it).
    """
    table = ScanMissDay.__table__
    under = table.c.stored < bindparam("cap", type_=Integer)
    return (dialect_insert(name, table)
            .values(day=bindparam("day", type_=Date), stored=1, overflow=0)
            .on_conflict_do_update(index_elements=["day"], set_={
                "stored": table.c.stored + case((under, 1), else_=0),
                "overflow": table.c.overflow + case((under, 0), else_=1)})
            .returning(table.c.overflow))


def _insert_unknown_miss(name: str, counted: Any = None) -> Any:
    """The unknown code's `ScanMiss` row; with `counted` (PostgreSQL), only when that CTE says
    the day is under its cap, so the count and the row are one statement."""
    miss = ScanMiss.__table__
    values = bound_values(miss, "code", "at", "day", "device")
    columns = select(values["code"], null(), literal(MissReason.UNKNOWN.value),
                     values["at"], values["day"], values["device"])
    if counted is not None:
        columns = columns.where(counted.c.overflow == 0)
    return dialect_insert(name, miss).from_select(
        ["code", "link_id", "reason", "at", "day", "device"], columns)


_ENGAGEMENT_COLUMNS = ("organisation_id", "occurred_at", "channel", "kind", "tier", "people",
                       "touchpoint_id", "campaign_id", "source", "source_ref", "counted",
                       "void_reason", "note", "created_at")


@dataclass(frozen=True)
class _Statements:
    lookup: DriverStatement
    insert_scan: DriverStatement
    insert_visitor: DriverStatement
    insert_miss: DriverStatement
    count_visitor: DriverStatement
    pg_scan: DriverStatement
    count_miss: DriverStatement
    insert_unknown_miss: DriverStatement
    pg_unknown_miss: DriverStatement


@lru_cache(maxsize=8)
def _statements(dialect: Dialect) -> _Statements:
    """The scan's statements for one dialect, compiled once for the life of the process."""
    name = dialect.name
    scan, visitor, miss = Scan.__table__, ScanVisitor.__table__, ScanMiss.__table__
    engagement = campaigns.Engagement.__table__
    return _Statements(
        lookup=compile_for(_LOOKUP, dialect),
        insert_scan=compile_for(dialect_insert(name, scan).values(bound_values(
            scan, "link_id", "at", "day", "device", "visitor_key")), dialect),
        insert_visitor=compile_for(ignoring_statement(
            name, visitor, ("link_id", "day", "visitor_key")), dialect),
        insert_miss=compile_for(dialect_insert(name, miss).values(bound_values(
            miss, "code", "link_id", "reason", "at", "day", "device")), dialect),
        count_visitor=compile_for(upsert_statement(
            name, engagement, _ENGAGEMENT_COLUMNS, ("source", "source_ref"),
            {"people": engagement.c.people + 1}), dialect),
        pg_scan=compile_for(_PG_SCAN, dialect),
        count_miss=compile_for(_count_miss(name), dialect),
        insert_unknown_miss=compile_for(_insert_unknown_miss(name), dialect),
        pg_unknown_miss=compile_for(_insert_unknown_miss(
            name, _count_miss(name).cte("counted")), dialect),
    )
