"""Matchings saved under a name, offered again when a file with the same headings comes in.

A provider's monthly file, or the quarterly pharmacy list, has the same headings every time:
the manager matches its columns once, names the matching, and the next file needs no choices.
A saved matching is kept per import ("directory", "uptake", "attendance"), with the headings
of the file it was made for (as their `heading_key`s, sorted), so it is offered only for a
file whose headings are the same, and refused with the missing heading named when it is
used with a file that lacks a column it names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import click
from sqlalchemy import JSON, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from engage.columns import Matching, MatchingError, heading_key
from engage.database import DbSession, UTCDateTime, utcnow
from engage.extensions import db

KINDS = ("directory", "uptake", "attendance")
MAX_NAME = 80


class ImportMatching(db.Model):  # type: ignore[name-defined]
    __tablename__ = "import_matching"
    __table_args__ = (UniqueConstraint("kind", "name", name="uq_import_matching_kind_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    # The sorted heading keys of the file it was made for: a list of strings.
    headings: Mapped[list[str]] = mapped_column(JSON)
    columns: Mapped[dict[str, str]] = mapped_column(JSON)
    values: Mapped[dict[str, str]] = mapped_column(JSON)
    # Heading keys of the columns to leave unread, though recognised.
    ignored: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def matching(self) -> Matching:
        return Matching(dict(self.columns or {}), dict(self.values or {}),
                        frozenset(self.ignored or ()))


def signature(header: Iterable[Any]) -> list[str]:
    """A file's headings as compared: keys, without blanks and repeats, sorted."""
    return sorted({key for cell in header if (key := heading_key(cell))})


def clean_name(raw: str) -> str:
    """A matching's name, or MatchingError saying what a name must be."""
    name = " ".join(str(raw or "").split())
    if not name:
        raise MatchingError("Give the matching a name, such as 'Pharmacy list'.")
    if len(name) > MAX_NAME:
        raise MatchingError(f"A matching's name has at most {MAX_NAME} characters.")
    return name


def find_matching(session: DbSession, kind: str, name: str) -> ImportMatching | None:
    return session.scalar(select(ImportMatching).where(
        ImportMatching.kind == kind, ImportMatching.name == " ".join(str(name).split())))


def saved_names(session: DbSession, kind: str) -> list[str]:
    return list(session.scalars(select(ImportMatching.name).where(ImportMatching.kind == kind)
                                .order_by(ImportMatching.name)))


def unknown_matching(session: DbSession, kind: str, name: str) -> MatchingError:
    """The error for a name no matching of this import has, listing those it has."""
    names = saved_names(session, kind)
    listed = ", ".join(f"'{n}'" for n in names) if names else "none yet"
    return MatchingError(f"There is no saved matching called '{name}' for this import. "
                         f"Saved matchings: {listed}.")


def offered_matching(session: DbSession, kind: str, header: Iterable[Any]
                     ) -> ImportMatching | None:
    """The most recently saved matching made for a file with exactly these headings."""
    wanted = signature(header)
    found = session.scalars(select(ImportMatching).where(ImportMatching.kind == kind)
                            .order_by(ImportMatching.updated_at.desc(), ImportMatching.id.desc()))
    return next((saved for saved in found if list(saved.headings or []) == wanted), None)


def fitting(saved: ImportMatching, headings: Iterable[Any]) -> Matching:
    """The saved matching, if every heading it names is among `headings`; else MatchingError
    naming the first that is not."""
    present = {heading_key(cell) for cell in headings}
    for heading in (saved.columns or {}).values():
        if heading_key(heading) not in present:
            raise MatchingError(f"The saved matching '{saved.name}' names the column "
                                f"'{heading}', which this file does not have.")
    return saved.matching


def combined(saved: Matching, typed: Matching) -> Matching:
    """A saved matching with the operator's own --map and --set over it: a field typed wins,
    and a saved choice for a column the operator gave another field is dropped."""
    typed_keys = {heading_key(h) for h in typed.columns.values()}
    columns = {name: heading for name, heading in saved.columns.items()
               if name not in typed.values and heading_key(heading) not in typed_keys}
    values = {name: value for name, value in saved.values.items() if name not in typed.columns}
    return Matching({**columns, **typed.columns}, {**values, **typed.values},
                    frozenset(saved.ignored - typed_keys) | typed.ignored)


def save_matching(session: DbSession, kind: str, name: str, header: Sequence[Any],
                  matching: Matching, *, by: str, now: datetime) -> ImportMatching:
    """Keep `matching` under `name` for this import (replacing one of that name); flushes."""
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    name = clean_name(name)
    saved = find_matching(session, kind, name)
    if saved is None:
        saved = ImportMatching(kind=kind, name=name, created_by=by[:254], created_at=now)
        session.add(saved)
    saved.headings = signature(header)
    saved.columns = {str(k): str(v) for k, v in matching.columns.items()}
    saved.values = {str(k): str(v) for k, v in matching.values.items()}
    saved.ignored = sorted(matching.ignored)
    saved.updated_at = now
    session.flush()
    return saved


def chosen(session: DbSession, kind: str, name: str | None, typed: Matching,
           headings: Iterable[Any]) -> Matching:
    """The matching an operator asked for: the saved one called `name` (which must fit the
    file's `headings`) under what they typed, or just what they typed."""
    if not name:
        return typed
    saved = find_matching(session, kind, name)
    if saved is None:
        raise unknown_matching(session, kind, name)
    return combined(fitting(saved, headings), typed)


def as_json(matching: Matching) -> dict[str, Any]:
    return {"columns": dict(matching.columns), "values": dict(matching.values),
            "ignored": sorted(matching.ignored)}


def from_json(data: Any) -> Matching:
    """A matching kept as `as_json` wrote it; an empty one for anything else."""
    if not isinstance(data, dict):
        return Matching()
    ignored = data.get("ignored")
    return Matching(_strings(data.get("columns")), _strings(data.get("values")),
                    frozenset(map(str, ignored)) if isinstance(ignored, list) else frozenset())


def _strings(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def saved_matching_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--matching` and `--save-matching` for an import command, written once for all."""
    command = click.option(
        "--save-matching", "save_as", default=None, metavar="NAME",
        help="After a successful import, save the matching used under this name "
             "(not with --dry-run).")(command)
    return click.option(
        "--matching", "matching_name", default=None, metavar="NAME",
        help="Use a saved matching of columns to fields; --map and --set win over it.")(command)


def cli_matching(session: DbSession, kind: str, name: str | None, typed: Matching,
                 headings: Iterable[Any]) -> Matching:
    """`chosen` for a command: an unknown name or a matching that does not fit the file is a
    usage error."""
    try:
        return chosen(session, kind, name, typed, headings)
    except MatchingError as exc:
        raise click.UsageError(str(exc)) from None


def cli_save(session: DbSession, kind: str, name: str | None, header: Sequence[Any],
             matching: Matching, now: datetime) -> None:
    """Save the matching a command used, when asked to, and say so."""
    if not name:
        return
    try:
        saved = save_matching(session, kind, name, header, matching, by="command line", now=now)
    except MatchingError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"Saved the matching '{saved.name}'.")
