"""Uploads waiting for a manager's confirmation, and checking large ones in the background.

The file is kept in the database under an unguessable token (not in the cookie session), so
the preview, the choice of sheet, alias mapping and confirmation can all find it. A small file
is checked while the upload request waits; a large one by a thread that records how many rows
it has read, which the preview page shows until the check is done, so no request times out.
"""

from __future__ import annotations

import logging
import secrets
import threading
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from engage.templating import LONDON
from engage.uptake.errors import UptakeRejected
from engage.uptake.importer import Preview, check_file
from engage.uptake.models import PendingUpload

log = logging.getLogger(__name__)

# Files bigger than this are checked in the background (about 15,000 rows of a typical file).
BACKGROUND_BYTES = 1_000_000
KEEP_FOR = timedelta(days=1)
# A check that has not reported for this long died with its worker.
STALLED_AFTER = timedelta(minutes=10)
CHECKING, READY, FAILED = "checking", "ready", "failed"


def create_pending(session: Session, data: bytes, filename: str, *, user_id: int | None,
                   now: datetime, sheet: str | None = None, date_order: str = "auto"
                   ) -> PendingUpload:
    """Keep an upload for checking; forget uploads older than a day at the same time."""
    from engage.uptake.importer import file_digest

    session.execute(delete(PendingUpload).where(PendingUpload.created_at < now - KEEP_FOR))
    pending = PendingUpload(token=secrets.token_urlsafe(32), user_id=user_id,
                            filename=filename[:255], sha256=file_digest(data), data=data,
                            sheet=sheet or None, date_order=date_order, created_at=now,
                            status=CHECKING)
    session.add(pending)
    session.flush()
    return pending


def find_pending(session: Session, token: str) -> PendingUpload | None:
    return session.scalar(select(PendingUpload).where(PendingUpload.token == token))


def needs_background(pending: PendingUpload) -> bool:
    return len(pending.data) > BACKGROUND_BYTES


def run_check(session: Session, pending: PendingUpload, *, now: datetime,
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
                                date_order=pending.date_order, progress=progress)
    except UptakeRejected as exc:
        pending.status, pending.message = FAILED, exc.message
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
                status=FAILED, message="engage could not finish checking this file. Upload it "
                "again; if it fails again, tell the administrator."))
            db.session.commit()
        finally:
            db.session.remove()


def stalled(pending: PendingUpload, now: datetime) -> bool:
    return pending.status == CHECKING and pending.created_at < now - STALLED_AFTER


def stored_preview(pending: PendingUpload) -> Preview | None:
    data: dict[str, Any] | None = pending.preview
    return Preview.from_dict(data) if data else None
