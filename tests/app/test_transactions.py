"""A request ends its transaction one way: engage.transactions, never a view's own commit."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import get_flashed_messages
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from wtforms import Form, StringField

import engage
from engage.directory.models import Locality
from engage.extensions import db
from engage.transactions import done, previewing, saving


class NameForm(Form):
    name = StringField()


def _localities() -> int:
    return db.session.scalar(select(func.count()).select_from(Locality)) or 0


def test_a_change_that_completes_is_committed(app):
    with saving(ValueError) as saved:
        db.session.add(Locality(name="Fens"))
    db.session.rollback()  # a later rollback cannot undo it
    assert saved and saved.error == "" and saved.refused is None
    assert _localities() == 1


def test_a_refused_change_is_rolled_back_whole_and_its_message_goes_on_the_field(app):
    form = NameForm()
    with saving(ValueError, field=form.name) as saved:
        db.session.add(Locality(name="Fens"))
        db.session.flush()  # half-written in the database ...
        raise ValueError("That name is taken.")
    assert not saved
    assert saved.error == "That name is taken."
    assert isinstance(saved.refused, ValueError)
    assert list(form.name.errors) == ["That name is taken."]
    assert _localities() == 0  # ... and none of it kept; the session still works


def test_an_error_it_was_not_told_of_rolls_back_and_propagates(app):
    with pytest.raises(RuntimeError), saving(ValueError):
        db.session.add(Locality(name="Fens"))
        db.session.flush()
        raise RuntimeError("a bug")
    assert _localities() == 0


def test_a_commit_the_database_refuses_counts_as_refused_when_named(app):
    db.session.add(Locality(name="Fens"))
    db.session.commit()
    with saving(IntegrityError) as saved:
        db.session.add(Locality(name="Fens"))  # the unique name fails at the commit
    assert not saved and saved.refused is not None
    assert _localities() == 1


def test_a_preview_keeps_nothing(app):
    with previewing(ValueError) as checked:
        db.session.add(Locality(name="Fens"))
        db.session.flush()
    assert checked and checked.refused is None  # it ran through, and was undone
    assert _localities() == 0


def test_done_commits_then_tells_the_reader_and_redirects(app):
    with app.test_request_context("/"):
        db.session.add(Locality(name="Fens"))
        response = done("Added Fens.", "/directory/localities")
        assert get_flashed_messages() == ["Added Fens."]
    db.session.rollback()
    assert response.status_code == 302
    assert response.headers["Location"] == "/directory/localities"
    assert _localities() == 1


def _direct_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [f"{path}:{node.lineno} .{node.func.attr}()" for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("commit", "rollback")]


def test_no_view_commits_or_rolls_back_itself():
    """Views end their transaction through engage.transactions, so the shape is written once."""
    views = sorted(Path(engage.__file__).parent.glob("**/*views*.py"))
    assert len(views) > 10  # the scan found the view modules
    assert [call for path in views for call in _direct_calls(path)] == []


def test_the_scan_would_catch_a_direct_commit(tmp_path):
    module = tmp_path / "views.py"
    module.write_text("def save():\n    db.session.commit()\n    session.rollback()\n")
    assert len(_direct_calls(module)) == 2
