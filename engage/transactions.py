"""How a request ends its transaction: one shape, written once, for every view that changes data.

A view says what it changes inside ``with saving(SomeError, field=form.x) as saved:``; leaving
the block commits. One of the named domain errors rolls the whole change back (nothing
half-written, and the page re-renders from what is stored) and puts its message on the field,
so the view only decides what the reader sees next. Any other error rolls back and propagates
(the 500 handler and the session's teardown also roll back, so no view needs its own rollback).
"""

from __future__ import annotations

from types import TracebackType
from typing import Generic, TypeVar

from flask import flash, redirect
from werkzeug.wrappers import Response
from wtforms import Field

from engage.extensions import db

E = TypeVar("E", bound=Exception)


class saving(Generic[E]):  # noqa: N801 - read as a phrase: `with saving(...) as saved`
    """Commit the block's change; on one of ``errors`` roll back and keep the message.

    ``saved`` is true once committed; ``saved.error`` is the message of a refused change and
    ``saved.refused`` the error itself (for pages that show more than its message).
    """

    def __init__(self, *errors: type[E], field: Field | None = None) -> None:
        self.errors = errors
        self.field = field
        self.ok = False
        self.error = ""
        self.refused: E | None = None

    def __enter__(self) -> saving[E]:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        if exc is None:
            try:
                self._end()
            except BaseException as failed:  # the commit itself refused (a constraint, say)
                db.session.rollback()
                if not isinstance(failed, self.errors):
                    raise
                self._refuse(failed)
            else:
                self.ok = True
            return False
        db.session.rollback()
        if not isinstance(exc, self.errors):
            return False
        self._refuse(exc)
        return True

    def _refuse(self, exc: BaseException) -> None:
        self.refused = exc  # type: ignore[assignment]  # isinstance of one of self.errors
        self.error = str(exc)
        if self.field is not None:
            self.field.errors = [*self.field.errors, self.error]

    def __bool__(self) -> bool:
        return self.ok

    def _end(self) -> None:
        db.session.commit()


class previewing(saving[E]):  # noqa: N801
    """Like ``saving``, but the block's work is always rolled back: a preview shows what a change
    would do and keeps none of it."""

    def _end(self) -> None:
        db.session.rollback()


def done(message: str, url: str) -> Response:
    """Commit the request's change, then tell the reader and send them on (in that order, so a
    failed commit never leaves a success message behind)."""
    db.session.commit()
    flash(message)
    return redirect(url)


def commit() -> None:
    """Commit what the request recorded (an export's audit entry, say) before the response goes,
    for the few views whose response is not a redirect."""
    db.session.commit()
