"""Uploads waiting for a manager's confirmation, and checking large ones in the background.

The file is kept in the database under an unguessable token (not in the cookie session), so
the preview, the choice of sheet, alias mapping and confirmation can all find it. A small file
is checked while the upload request waits; a large one by a thread that records how many rows
it has read, which the preview page shows until the check is done, so no request times out.
"Large" is counted in rows (an XLSX's rows are counted from its XML), not in bytes uploaded:
600 KB of XLSX can hold a million rows.

Each manager has at most MAX_PENDING_PER_USER uploads waiting; a new one replaces the oldest.
An upload is deleted when it is confirmed or discarded, and a file that cannot be read is not
kept (only why, for the page), unless it is a workbook whose other sheets can still be chosen.
"""

from __future__ import annotations

import logging
import secrets
import threading
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import delete, select, update

from engage.columns import Matching
from engage.database import DbSession
from engage.matchings import from_json
from engage.timezone import LONDON
from engage.uptake.columns import MissingFields
from engage.uptake.errors import UptakeRejected
from engage.uptake.importer import Preview, check_file
from engage.uptake.models import PendingUpload
from engage.uptake.reader import row_estimate, sheet_names

log = logging.getLogger(__name__)

# Files with more rows than this are checked in the background (about 1 MB of a typical CSV).
BACKGROUND_ROWS = 15_000
MAX_PENDING_PER_USER = 3
# Why a file cannot be read, as stored and shown: messages quote headers and values.
MAX_MESSAGE = 2_000
KEEP_FOR = timedelta(days=1)
# A check that has not reported for this long died with its worker.
STALLED_AFTER = timedelta(minutes=10)
CHECKING, READY, FAILED = "checking", "ready", "failed"


def create_pending(session: DbSession, data: bytes, filename: str, *, user_id: int | None,
                   now: datetime, sheet: str | None = None, date_order: str = "auto"
                   ) -> PendingUpload:
    """Keep an upload for checking; forget uploads older than a day, and the user's oldest
    beyond MAX_PENDING_PER_USER, at the same time."""
    from engage.uptake.importer import file_digest

    session.execute(delete(PendingUpload).where(PendingUpload.created_at < now - KEEP_FOR))
    pending = PendingUpload(token=secrets.token_urlsafe(32), user_id=user_id,
                            filename=filename[:255], sha256=file_digest(data), data=data,
                            sheet=sheet or None, date_order=date_order, created_at=now,
                            status=CHECKING)
    session.add(pending)
    session.flush()
    if user_id is not None:
        older = session.scalars(
            select(PendingUpload.id).where(PendingUpload.user_id == user_id)
            .order_by(PendingUpload.created_at.desc(), PendingUpload.id.desc())
            .offset(MAX_PENDING_PER_USER)).all()
        if older:
            session.execute(delete(PendingUpload).where(PendingUpload.id.in_(older))
                            .execution_options(synchronize_session="fetch"))
            log.info("uptake: upload %s replaced pending uploads %s", pending.id, older)
    return pending


def discard_pending(session: DbSession, pending: PendingUpload) -> None:
    """Forget an upload the manager abandoned; nothing was recorded from it."""
    session.delete(pending)
    session.flush()


def bounded_message(message: str) -> str:
    if len(message) <= MAX_MESSAGE:
        return message
    return message[:MAX_MESSAGE - 1] + "…"


def find_pending(session: DbSession, token: str) -> PendingUpload | None:
    return session.scalar(select(PendingUpload).where(PendingUpload.token == token))


def needs_background(pending: PendingUpload) -> bool:
    """Whether the file has too many rows to check while the request waits.

    A file that cannot be read counts 0 rows, so it is refused at once, in the request.
    """
    return row_estimate(pending.data, pending.filename, pending.sheet) > BACKGROUND_ROWS


def run_check(session: DbSession, pending: PendingUpload, *, now: datetime,
              commit_progress: bool = False) -> Preview | None:
    """Check the upload and store its preview (or why it cannot be read) on the record."""
    pending.status, pending.rows_done, pending.message, pending.preview = CHECKING, 0, "", None
    if commit_progress:
        session.commit()

    def progress(done: int) -> None:
        if commit_progress:
            session.execute(update(PendingUpload).where(PendingUpload.id == pending.id)
                            .values(rows_done=done))
            session.commit()

    try:
        preview, _ = check_file(session, pending.data, pending.filename,
                                today=now.astimezone(LONDON).date(), sheet=pending.sheet,
                                date_order=pending.date_order, progress=progress,
                                matching=pending_matching(pending))
    except UptakeRejected as exc:
        pending.status, pending.message = FAILED, bounded_message(exc.message)
        # Kept when another sheet can be tried, or the columns matched on the page.
        if not isinstance(exc, MissingFields) and len(sheet_names(pending.data)) <= 1:
            pending.data = b""
        return None
    pending.status, pending.preview = READY, preview.as_dict()
    pending.rows_done = preview.rows + preview.rows_with_problems
    return preview


def start_background_check(app: Flask, pending_id: int, now: datetime) -> threading.Thread:
    """Check a large upload in a thread of its own, with its own database session."""
    thread = threading.Thread(target=_check_in_background, args=(app, pending_id, now),
                              name=f"uptake-check-{pending_id}", daemon=True)
    thread.start()
    return thread


def _check_in_background(app: Flask, pending_id: int, now: datetime) -> None:
    from engage.extensions import db

    with app.app_context():
        try:
            pending = db.session.get(PendingUpload, pending_id)
            if pending is not None:
                run_check(db.session, pending, now=now, commit_progress=True)
                db.session.commit()
        except Exception:  # noqa: BLE001 - the page must learn the check failed, not wait forever
            log.exception("uptake: checking upload %s failed", pending_id)
            db.session.rollback()
            db.session.execute(update(PendingUpload).where(PendingUpload.id == pending_id).values(
                status=FAILED, data=b"", message="engage could not finish checking this file. "
                "Upload it again; if it fails again, tell the administrator."))
            db.session.commit()
        finally:
            db.session.remove()


def pending_matching(pending: PendingUpload) -> Matching:
    """The matching the manager chose for this upload, or none."""
    return from_json(pending.matching)


def stalled(pending: PendingUpload, now: datetime) -> bool:
    return pending.status == CHECKING and pending.created_at < now - STALLED_AFTER


def stored_preview(pending: PendingUpload) -> Preview | None:
    data: dict[str, Any] | None = pending.preview
    return Preview.from_dict(data) if data else None
