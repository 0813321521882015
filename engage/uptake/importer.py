"""Importing the provider's figures: preview what a file would do, then record all of it or none.

The same functions serve the upload pages, `flask uptake import` and the demo, so the demo
proves the importer. A file already imported (same SHA-256, batch not rolled back) is refused.
Rows with a `reference` replace the earlier version of that referral; other overlap with earlier
figures for the same month and service needs an explicit choice: replace those months, or add.
Replaced rows are kept, marked as superseded, so rolling a batch back restores them exactly.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, func, select, update

from engage.audit.log import record_event
from engage.catalogue.models import Service
from engage.columns import Matching
from engage.database import DbSession
from engage.timezone import LONDON, next_month
from engage.uptake.columns import CHARACTERISTICS
from engage.uptake.dates import AUTO
from engage.uptake.errors import UptakeRejected
from engage.uptake.models import Referral, UptakeBatch
from engage.uptake.reader import read_table
from engage.uptake.validate import (
    R_COUNT,
    R_DATE,
    R_ORG,
    R_PRECISION,
    R_REASON,
    R_REFERENCE,
    R_SERVICE,
    Checked,
    check_table,
)

ADD, REPLACE = "add", "replace"
INSERT_CHUNK = 5000
IN_CHUNK = 500


@dataclass
class Preview:
    """What a file would record; plain data, so it can be kept as JSON between the two steps."""

    filename: str
    sha256: str
    detected: dict[str, str]
    rows: int
    total: int
    problem_count: int
    rows_with_problems: int
    problems: list[dict[str, Any]]
    unknown_services: dict[str, int]
    ignored_columns: list[str]
    sheets: list[str]
    date_order_note: str
    # One entry per month and service: month, service, rows, total, orgs, before, replaced_refs.
    totals: list[dict[str, Any]] = field(default_factory=list)
    by_reference: int = 0  # earlier rows this file replaces by reference
    overlap: int = 0  # earlier rows in the same months and services, not replaced by reference
    duplicate_of: str = ""

    @property
    def ok(self) -> bool:
        return self.problem_count == 0 and not self.duplicate_of

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Preview:
        return cls(**data)


@dataclass
class Outcome:
    batch: UptakeBatch
    replaced: int


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def earlier_batch(session: DbSession, digest: str) -> UptakeBatch | None:
    """The active batch that imported a file with this digest, if any."""
    return session.scalar(select(UptakeBatch).where(
        UptakeBatch.sha256 == digest, UptakeBatch.rolled_back_at.is_(None)))


def describe_batch(batch: UptakeBatch) -> str:
    when = batch.imported_at.astimezone(LONDON).strftime("%-d %B %Y %H:%M")
    by = f" by {batch.actor_email}" if batch.actor_email else ""
    return (f"This file was already imported on {when}{by} as batch {batch.id} "
            f"({batch.filename or 'unnamed file'}, {batch.rows} rows). Importing it again "
            "would count its referrals twice. To correct figures, upload the provider's "
            "corrected file; to start again, roll back that batch first.")


def check_file(
    session: DbSession,
    data: bytes,
    filename: str,
    *,
    today: date,
    sheet: str | None = None,
    date_order: str = AUTO,
    progress: Callable[[int], None] | None = None,
    matching: Matching | None = None,
) -> tuple[Preview, Checked]:
    """Read and check a file and compare it with the figures already recorded; writes nothing."""
    digest = file_digest(data)
    table = read_table(data, filename, sheet)
    checked = check_table(session, table, today=today, date_order=date_order, progress=progress,
                          matching=matching)
    earlier = earlier_batch(session, digest)
    preview = Preview(
        filename=filename[:255], sha256=digest, detected=table.detected,
        rows=len(checked.rows), total=sum(r[R_COUNT] for r in checked.rows),
        problem_count=checked.problem_count, rows_with_problems=checked.rows_with_problems,
        problems=checked.problem_dicts(), unknown_services=checked.unknown_services,
        ignored_columns=checked.ignored_columns, sheets=table.sheets,
        date_order_note=checked.date_order_note,
        duplicate_of=describe_batch(earlier) if earlier else "",
    )
    _compare(session, checked, preview)
    return preview, checked


def _month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _active() -> Any:
    return and_(Referral.superseded_by_batch_id.is_(None),
                Referral.batch_id.in_(select(UptakeBatch.id).where(
                    UptakeBatch.rolled_back_at.is_(None))))


def _compare(session: DbSession, checked: Checked, preview: Preview) -> None:
    """Totals per month and service in the file, beside what is recorded for them now."""
    names = dict(session.execute(select(Service.id, Service.name)).all())
    cells: dict[tuple[str, int], dict[str, Any]] = {}
    orgs: dict[tuple[str, int], set[int | None]] = defaultdict(set)
    references = set()
    for row in checked.rows:
        key = (_month_key(row[R_DATE]), row[R_SERVICE])
        entry = cells.setdefault(key, {"month": key[0], "service_id": key[1],
                                       "service": names.get(key[1], "?"), "rows": 0, "total": 0,
                                       "before": 0, "by_reference": 0})
        entry["rows"] += 1
        entry["total"] += row[R_COUNT]
        if row[R_ORG] is not None:
            orgs[key].add(row[R_ORG])
        if row[R_REFERENCE]:
            references.add(row[R_REFERENCE])
    if cells:
        for month, service_id, total, n in _recorded(session, cells.keys()):
            found = cells.get((month, service_id))
            if found is not None:
                found["before"] += total
                preview.overlap += n
        for chunk in _chunks(sorted(references), IN_CHUNK):
            for referred_on, service_id, count in session.execute(
                select(Referral.referred_on, Referral.service_id, Referral.count)
                .where(_active(), Referral.reference.in_(chunk))
            ):
                preview.by_reference += 1
                found = cells.get((_month_key(referred_on), service_id))
                if found is not None:  # else the correction moved it to another month
                    found["by_reference"] += count
                    preview.overlap -= 1
    for key, entry in cells.items():
        entry["orgs"] = len(orgs[key])
    preview.totals = sorted(cells.values(), key=lambda e: (e["month"], e["service"]))


def _recorded(session: DbSession, keys: Iterable[tuple[str, int]]
              ) -> list[tuple[str, int, int, int]]:
    """(month, service id, total, rows) recorded now, for the months and services given."""
    wanted = set(keys)
    months = sorted({m for m, _ in wanted})
    services = sorted({s for _, s in wanted})
    start = date.fromisoformat(months[0] + "-01")
    end = next_month(date.fromisoformat(months[-1] + "-01"))
    totals: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for referred_on, service_id, total, n in session.execute(
        select(Referral.referred_on, Referral.service_id, func.sum(Referral.count),
               func.count())
        .where(_active(), Referral.service_id.in_(services), Referral.referred_on >= start,
               Referral.referred_on < end)
        .group_by(Referral.referred_on, Referral.service_id)
    ):
        key = (_month_key(referred_on), service_id)
        if key in wanted:
            totals[key][0] += int(total or 0)
            totals[key][1] += int(n)
    return [(m, s, t, n) for (m, s), (t, n) in totals.items()]


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def confirm_import(
    session: DbSession,
    data: bytes,
    filename: str,
    *,
    now: datetime,
    actor: Any = None,
    mode: str | None = None,
    sheet: str | None = None,
    date_order: str = AUTO,
    progress: Callable[[int], None] | None = None,
    matching: Matching | None = None,
) -> Outcome:
    """Check the file again and record every row, or raise UptakeRejected and record nothing.

    `mode` is REPLACE (earlier figures for the file's months and services give way to it) or
    ADD; it is required only when the file overlaps earlier figures other than by reference.
    The caller commits.
    """
    today = now.astimezone(LONDON).date()
    preview, checked = check_file(session, data, filename, today=today, sheet=sheet,
                                  date_order=date_order, progress=progress, matching=matching)
    return record_checked(session, preview, checked, now=now, actor=actor, mode=mode)


def record_checked(session: DbSession, preview: Preview, checked: Checked, *, now: datetime,
                   actor: Any = None, mode: str | None = None) -> Outcome:
    """Write a checked file as one batch (see confirm_import)."""
    if preview.duplicate_of:
        raise UptakeRejected(preview.duplicate_of, status=409)
    if not preview.ok:
        raise UptakeRejected(
            f"Nothing was imported: the file has {preview.problem_count} problem"
            f"{'s' if preview.problem_count != 1 else ''} in {preview.rows_with_problems} row"
            f"{'s' if preview.rows_with_problems != 1 else ''}. Fix them and upload it again.")
    if not checked.rows:
        raise UptakeRejected("The file has no rows of figures under its header. Check it is "
                             "the right file and upload it again.")
    if preview.overlap > 0 and mode not in (ADD, REPLACE):
        raise UptakeRejected(
            f"engage already has {preview.overlap} row{'s' if preview.overlap != 1 else ''} of "
            "figures for the months and services in this file. Choose whether this file "
            "replaces the earlier figures for those months and services (usual when the "
            "provider re-issues a month with corrections) or adds to them.", status=409)
    email = getattr(actor, "email", "") if getattr(actor, "is_authenticated", False) else ""
    batch = UptakeBatch(
        filename=preview.filename, sha256=preview.sha256, imported_at=now,
        user_id=getattr(actor, "id", None) if email else None, actor_email=email,
        rows=preview.rows, total=preview.total, replace_months=mode == REPLACE,
        details={"detected": preview.detected, "totals": preview.totals,
                 "ignored_columns": preview.ignored_columns},
    )
    session.add(batch)
    session.flush()
    replaced = _supersede(session, batch.id, checked, preview, replace=mode == REPLACE)
    batch.replaced = replaced
    _insert_rows(session, batch.id, checked.rows)
    record_event(session, actor, "uptake.import",
                 f"Imported {preview.rows} rows ({preview.total} referrals) from "
                 f"{preview.filename or 'a file'}", target=batch,
                 details={"sha256": preview.sha256, "replaced": replaced, "mode": mode})
    session.flush()
    return Outcome(batch, replaced)


def _supersede(session: DbSession, batch_id: int, checked: Checked, preview: Preview, *,
               replace: bool) -> int:
    replaced = 0
    references = sorted({row[R_REFERENCE] for row in checked.rows if row[R_REFERENCE]})
    for chunk in _chunks(references, IN_CHUNK):
        result = session.execute(
            update(Referral).where(_active(), Referral.reference.in_(chunk))
            .values(superseded_by_batch_id=batch_id).execution_options(synchronize_session=False)
        )
        replaced += result.rowcount or 0  # type: ignore[attr-defined]
    if replace:
        for entry in preview.totals:
            start = date.fromisoformat(entry["month"] + "-01")
            result = session.execute(
                update(Referral).where(
                    _active(), Referral.batch_id != batch_id,
                    Referral.service_id == entry["service_id"],
                    Referral.referred_on >= start, Referral.referred_on < next_month(start),
                ).values(superseded_by_batch_id=batch_id)
                .execution_options(synchronize_session=False)
            )
            replaced += result.rowcount or 0  # type: ignore[attr-defined]
    return replaced


def _insert_rows(session: DbSession, batch_id: int, rows: list[tuple[Any, ...]]) -> None:
    """Write the rows with the driver's executemany, in chunks.

    Rows are plain tuples already checked, so SQLAlchemy's per-value processing is skipped:
    it cost as much again as SQLite's own work (docs/performance.md). Dates go to SQLite as
    ISO text, which is how its Date type stores them.
    """
    connection = session.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    names = ("batch_id", "referred_on", "precision", "organisation_id", "service_id", "count",
             "reason", "route", "reference", *CHARACTERISTICS)
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {quote(Referral.__tablename__)} ({', '.join(quote(n) for n in names)}) "  # noqa: S608 - constant names
           f"VALUES ({', '.join([marker] * len(names))})")
    as_text = dialect.name == "sqlite"
    for chunk in _chunks(rows, INSERT_CHUNK):
        connection.exec_driver_sql(sql, [
            (batch_id, row[R_DATE].isoformat() if as_text else row[R_DATE], row[R_PRECISION],
             row[R_ORG], row[R_SERVICE], row[R_COUNT], *row[R_REASON:])
            for row in chunk
        ])


def rollback_batch(session: DbSession, batch: UptakeBatch, *, now: datetime,
                   actor: Any = None) -> int:
    """Remove exactly the batch's rows and restore what it replaced; returns rows removed."""
    if batch.rolled_back_at is not None:
        raise UptakeRejected(f"Batch {batch.id} was already rolled back.", status=409)
    removed = session.execute(
        delete(Referral).where(Referral.batch_id == batch.id)
        .execution_options(synchronize_session=False)).rowcount or 0  # type: ignore[attr-defined]
    session.execute(
        update(Referral).where(Referral.superseded_by_batch_id == batch.id)
        .values(superseded_by_batch_id=None).execution_options(synchronize_session=False))
    email = getattr(actor, "email", "") if getattr(actor, "is_authenticated", False) else ""
    batch.rolled_back_at = now
    batch.rolled_back_by = email or "command line"
    record_event(session, actor, "uptake.rollback",
                 f"Rolled back batch {batch.id} ({batch.filename}): {removed} rows removed",
                 target=batch)
    session.flush()
    return removed


def active_referrals() -> Any:
    """The condition for rows that count now: not replaced, in a batch not rolled back."""
    return _active()


def month_label(month: str) -> str:
    return date.fromisoformat(month + "-01").strftime("%B %Y")

