"""`flask campaigns import-attendance`: the attendance import for operators and scripts."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from engage.campaigns.attendance.files import candidate_headings, read_attendees
from engage.campaigns.attendance.imports import (
    AttendanceRejected,
    Preview,
    confirm_attendance,
    invited_not_attending,
    preview_attendance,
)
from engage.campaigns.attendance.matching import OrganisationNotFound, find_organisation
from engage.campaigns.models import Touchpoint
from engage.columns import matching_from_options, matching_options
from engage.database import utcnow
from engage.extensions import db
from engage.matchings import cli_matching, cli_save, saved_matching_options

NOT_FROM_ORG = ("none", "-")


def _assignments(preview: Preview, given: tuple[str, ...]) -> dict[int, int | None]:
    """`--assign EMAIL_OR_NAME=ODS_CODE` (or `=none`) for attendees engage could not place."""
    wanted: dict[str, str] = {}
    for item in given:
        who, sep, target = item.partition("=")
        if not sep or not who.strip() or not target.strip():
            raise click.BadParameter(f"'{item}' should look like jo@example.org=D81001 or "
                                     "jo@example.org=none", param_hint="--assign")
        wanted[who.strip().lower()] = target.strip()
    assignments: dict[int, int | None] = {}
    for index, person in enumerate(preview.unmatched):
        where: str | None = wanted.pop(person.email.lower(), None) if person.email else None
        if where is None and person.name:
            where = wanted.pop(person.name.lower(), None)
        if where is None:
            continue
        if where.lower() in NOT_FROM_ORG:
            assignments[index] = None
            continue
        try:
            assignments[index] = find_organisation(db.session, where).id
        except OrganisationNotFound as exc:
            raise click.BadParameter(f"{person.label}: {exc}", param_hint="--assign") from None
    if wanted:
        raise click.BadParameter(
            "no attendee left to place is called " + ", ".join(sorted(wanted)),
            param_hint="--assign",
        )
    return assignments


def _show(preview: Preview, touchpoint: Touchpoint, placed: dict[int, int | None]) -> None:
    click.echo(f"{preview.filename}: {preview.layout_label}")
    click.echo(f"Touchpoint {touchpoint.id}: {touchpoint.title}")
    if preview.meeting_title or preview.meeting_day:
        click.echo(f"Report's meeting: {preview.meeting_title or '(no title)'}"
                   f"{', ' + preview.meeting_day if preview.meeting_day else ''}")
    for mismatch in preview.mismatches:
        click.echo(f"Check: {mismatch}")
    organisers = f" (organisers left out: {preview.organisers})" if preview.organisers else ""
    click.echo(f"People in the list: {preview.attendees}{organisers}")
    click.echo(f"Matched: {preview.matched_people} people from {len(preview.matched)} "
               "organisations")
    for org in preview.matched:
        brief = f" ({org.brief} joined briefly, not counted)" if org.brief else ""
        click.echo(f"  {org.ods_code:<8} {org.name}: {org.people}{brief}")
    if preview.matched_brief:
        click.echo(f"Joined briefly (under {preview.min_minutes} minutes, kept but not counted "
                   f"as attending): {preview.matched_brief}")
    attending = {org.organisation_id for org in preview.matched}
    attending |= {org_id for org_id in placed.values() if org_id is not None}
    absent = invited_not_attending(db.session, touchpoint.id, attending)
    if absent:
        click.echo(f"Invited and nobody came: {len(absent)}")
        for org in absent:
            click.echo(f"  {org.ods_code:<8} {org.display_name}")
    left = [(i, p) for i, p in enumerate(preview.unmatched) if i not in placed]
    if left:
        click.echo(f"Not matched to an organisation: {len(left)}")
        for _index, person in left:
            click.echo(f"  {person.label}: {person.reason}")


@click.command("import-attendance")
@click.argument("touchpoint_id", type=int)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--assign", multiple=True, metavar="EMAIL=ODS_CODE",
              help="Place an unmatched attendee (by email or name) at an organisation, or "
                   "'=none' when not from a practice or pharmacy. Repeat as needed.")
@click.option("--yes", is_flag=True, help="Save the attendance; without it nothing is written.")
@click.option("--confirm-mismatch", is_flag=True,
              help="The report's meeting date or title differs from the touchpoint's, and it "
                   "does belong to it: save it anyway.")
@matching_options
@saved_matching_options
def import_attendance_command(touchpoint_id: int, file: str, assign: tuple[str, ...],
                              yes: bool, confirm_mismatch: bool, maps: tuple[str, ...],
                              sets: tuple[str, ...], matching_name: str | None,
                              save_as: str | None) -> None:
    """Import a meeting's attendee list (Teams, Zoom or CSV) for a touchpoint.

    Prints what the file matches. It saves only with --yes, and only when every attendee is
    placed: otherwise it lists those left and exits with status 1.
    """
    columns = matching_from_options(maps, sets)
    touchpoint = db.session.scalar(select(Touchpoint).where(Touchpoint.id == touchpoint_id))
    if touchpoint is None:
        raise click.BadParameter(f"there is no touchpoint {touchpoint_id}",
                                 param_hint="TOUCHPOINT_ID")
    try:
        data = Path(file).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"Cannot read {file}: {exc.strerror}.") from None
    try:
        if matching_name:
            columns = cli_matching(db.session, "attendance", matching_name, columns,
                                   candidate_headings(data))
        now = utcnow()
        preview = preview_attendance(
            db.session, touchpoint, data, Path(file).name, now=now,
            min_minutes=current_app.config["ATTENDANCE_MIN_MINUTES"], columns=columns)
        placed = _assignments(preview, assign)
        _show(preview, touchpoint, placed)
        if len(placed) < len(preview.unmatched):
            db.session.rollback()
            raise click.ClickException(
                "Nothing saved: some attendees are not matched to an organisation. Place them "
                "with --assign EMAIL=ODS_CODE (or =none), or import the file on the touchpoint's "
                "page."
            )
        if preview.mismatches and not confirm_mismatch:
            db.session.rollback()
            raise click.ClickException(
                "Nothing saved: this report may be of another meeting. "
                + " ".join(preview.mismatches)
                + " If it does belong to this touchpoint, run again with --confirm-mismatch; "
                "otherwise import the report of this meeting."
            )
        if not yes:
            db.session.rollback()
            click.echo("Nothing saved. Run again with --yes to save this attendance.")
            return
        outcome = confirm_attendance(db.session, touchpoint, preview, placed, user_id=None,
                                     now=now, same_meeting=confirm_mismatch)
        if save_as:
            cli_save(db.session, "attendance", save_as, read_attendees(data, columns).columns,
                     columns, now)
    except AttendanceRejected as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    brief = f"{len(outcome.brief)} joined briefly (not counted), " if outcome.brief else ""
    click.echo(f"Saved attendance import {outcome.record.id}: {len(outcome.attended)} "
               f"organisations attended, {brief}{len(outcome.absent)} invited and absent.")
