"""What an import did, and the record of it kept in the directory and the audit log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engage.audit.log import record_event
from engage.database import DbSession
from engage.directory.files import sha256
from engage.directory.models import DirectoryImport


@dataclass
class ImportSummary:
    """Counts for the page, the terminal and the import record."""

    kind: str  # "ods", "csv" or "pharmacy"
    rows_read: int = 0
    added: int = 0
    updated: int = 0
    closed: int = 0
    unchanged: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    contacts_added: int = 0
    contacts_updated: int = 0
    import_id: int | None = None

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def lines(self) -> list[str]:
        """The summary as lines of text, for the terminal."""
        lines = [
            f"Rows read: {self.rows_read}",
            f"Added: {self.added}",
            f"Updated: {self.updated}",
            f"Newly closed: {self.closed}",
            f"Unchanged: {self.unchanged}",
        ]
        if self.kind == "csv":
            lines += [f"Contacts added: {self.contacts_added}",
                      f"Contacts updated: {self.contacts_updated}"]
        lines.append(f"Skipped: {self.skipped_total}")
        lines += [f"  {reason}: {count}" for reason, count in sorted(self.skipped.items())]
        return lines


def record_import(
    session: DbSession,
    summary: ImportSummary,
    *,
    data: bytes,
    now: datetime,
    actor: Any,
    filename: str,
    commissioner: str = "",
    options: dict[str, Any] | None = None,
) -> DirectoryImport:
    """Keep a DirectoryImport row and an audit event, in the import's own transaction."""
    signed_in = getattr(actor, "is_authenticated", False)
    record = DirectoryImport(
        at=now,
        user_id=actor.id if signed_in else None,
        actor_email=actor.email if signed_in else "",
        kind=summary.kind,
        filename=filename[:255],
        sha256=sha256(data),
        commissioner=commissioner,
        rows_read=summary.rows_read,
        added=summary.added,
        updated=summary.updated,
        closed=summary.closed,
        unchanged=summary.unchanged,
        skipped=summary.skipped_total,
        details={
            "skipped": summary.skipped,
            "contacts_added": summary.contacts_added,
            "contacts_updated": summary.contacts_updated,
            **(options or {}),
        },
    )
    session.add(record)
    session.flush()
    summary.import_id = record.id
    what = {"ods": "ODS file", "pharmacy": "pharmacy list"}.get(summary.kind, "CSV file")
    scope = f" for commissioner {commissioner}" if commissioner else ""
    record_event(
        session, actor, f"directory.import_{summary.kind}",
        f"Imported {what} {filename or '(unnamed)'}{scope}: {summary.added} added, "
        f"{summary.updated} updated, {summary.closed} closed, {summary.skipped_total} skipped",
        target=record,
        details={"rows_read": summary.rows_read, "skipped": summary.skipped},
    )
    return record


def already_imported(session: DbSession, data: bytes, kind: str, commissioner: str = "") -> bool:
    """Whether this exact file was imported before with the same commissioner."""
    return session.scalar(
        select(DirectoryImport.id).where(
            DirectoryImport.sha256 == sha256(data),
            DirectoryImport.kind == kind,
            DirectoryImport.commissioner == commissioner,
        ).limit(1)
    ) is not None


def recent_imports(session: DbSession, limit: int = 10) -> list[DirectoryImport]:
    return list(
        session.scalars(select(DirectoryImport).order_by(DirectoryImport.at.desc()).limit(limit))
    )
