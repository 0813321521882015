"""`flask campaigns ...`: campaign tasks for operators."""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

campaigns_cli = AppGroup("campaigns", help="Campaigns, touchpoints and attendance.")


@campaigns_cli.command("calendar-export")
@click.option("--from", "first", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="First UK day to include, as YYYY-MM-DD (default: the earliest).")
@click.option("--to", "last", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Last UK day to include, as YYYY-MM-DD (default: the latest).")
def calendar_export(first: datetime | None, last: datetime | None) -> None:
    """Write the outreach calendar as an .ics file to standard output, for scripts."""
    from engage.campaigns.ics import FeedError, export_calendar, touchpoint_links
    from engage.extensions import db

    link = touchpoint_links(current_app, current_app.config["PUBLIC_BASE_URL"])
    try:
        body = export_calendar(db.session, link, first.date() if first else None,
                               last.date() if last else None)
    except FeedError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(body, nl=False)


from engage.campaigns.attendance_cli import import_attendance_command  # noqa: E402

campaigns_cli.add_command(import_attendance_command)
