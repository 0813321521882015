"""`flask campaigns ...`: campaign tasks for operators."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any, TextIO

import click
from flask import current_app
from flask.cli import AppGroup

from engage.campaigns.models import MANUAL_KINDS
from engage.csv_export import csv_writer

campaigns_cli = AppGroup("campaigns", help="Campaigns, touchpoints and attendance.")


def _campaign(key: str) -> Any:
    from engage.campaigns.editing import find_campaign
    from engage.extensions import db

    campaign = find_campaign(db.session, key)
    if campaign is None:
        raise click.ClickException(
            f"No campaign called or numbered {key!r}. `flask campaigns list` shows them.")
    return campaign


@campaigns_cli.command("list")
def list_campaigns() -> None:
    """Print every campaign as CSV: id, name, status, dates, audience, reached."""
    from sqlalchemy import select

    from engage.campaigns.models import Campaign
    from engage.campaigns.progress import overall
    from engage.extensions import db

    writer = csv_writer(sys.stdout, lineterminator="\n")
    writer.writerow(["id", "name", "status", "start", "end", "audience", "engaged",
                     "contacted"])
    for campaign in db.session.scalars(select(Campaign).order_by(Campaign.start_date)):
        tally = overall(db.session, campaign)
        writer.writerow([campaign.id, campaign.name, campaign.status.value, campaign.start_date,
                         campaign.end_date, tally.audience, tally.engaged, tally.contacted])


@campaigns_cli.command("progress")
@click.argument("campaign")
def progress(campaign: str) -> None:
    """Print a campaign's reach by locality and kind, and its targets (CAMPAIGN: id or name)."""
    from engage.campaigns.progress import campaign_progress
    from engage.database import utcnow
    from engage.extensions import db

    found = _campaign(campaign)
    result = campaign_progress(db.session, found, utcnow())
    click.echo(f"{found.name} ({found.start_date} to {found.end_date}, {found.status.value})")
    click.echo("Engaged: they did something (attended, visited, scanned, opened, clicked). "
               "Contacted: we invited, sent or posted something (includes the engaged).")
    for heading, tallies in (("Overall", [result.overall]), ("By locality", result.by_locality),
                             ("By kind", result.by_kind)):
        click.echo(f"\n{heading}:")
        for tally in tallies:
            click.echo(f"  {tally.label:<32} engaged {tally.engaged:>6} of {tally.audience:<6} "
                       f"{tally.percent:>3}%  contacted {tally.contacted:>6} "
                       f"{tally.contacted_percent:>3}%")
    click.echo("\nTargets:")
    for item in result.targets or []:
        click.echo(f"  {item.label:<32} {item.delivered:>6} {item.target.tier.value} of "
                   f"{item.wanted:<6} ({item.goal}) by {item.target.due_date}  {item.state.label}")
    if not result.targets:
        click.echo("  none")


@campaigns_cli.command("unreached")
@click.argument("campaign")
def unreached(campaign: str) -> None:
    """Print the audience organisations a campaign has not engaged yet, as CSV (with whether
    it has contacted them)."""
    from engage.campaigns.progress import Show, audience_page, last_reached
    from engage.extensions import db

    found = _campaign(campaign)
    writer = csv_writer(sys.stdout, lineterminator="\n")
    writer.writerow(["ods_code", "name", "kind", "locality", "contacted", "display_name"])
    page = audience_page(db.session, found, show=Show.NOT_ENGAGED, per_page=500)
    while True:
        contacted = last_reached(db.session, found, [org.id for org in page.items])
        for org in page.items:
            writer.writerow([org.ods_code, org.name, org.kind.value,
                             org.locality.name if org.locality else "",
                             "yes" if org.id in contacted else "no", org.display_name])
        if not page.has_next:
            break
        page = audience_page(db.session, found, show=Show.NOT_ENGAGED, per_page=500,
                             page=page.next_num or 1)


@campaigns_cli.command("record-reach")
@click.argument("touchpoint_id", type=int)
@click.option("--codes", "codes_file", type=click.File("r", encoding="utf-8"),
              help="A file of ODS codes (commas, spaces or new lines between): these "
                   "organisations.")
@click.option("--audience", is_flag=True, help="The whole audience of the touchpoint's campaign.")
@click.option("--kind", "contact", required=True,
              type=click.Choice([kind.value for kind in MANUAL_KINDS]),
              help="The kind of contact.")
@click.option("--at", "when", type=click.DateTime(formats=["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"]),
              help="When, in UK time (default: when the touchpoint happened).")
@click.option("--people", type=int, default=1, show_default=True,
              help="People reached at each organisation (0 if not known).")
def record_reach_command(touchpoint_id: int, codes_file: TextIO | None, audience: bool,
                         contact: str, when: datetime | None, people: int) -> None:
    """Record whom a touchpoint reached, as the touchpoint page's form does."""
    from engage.campaigns.audience import parse_codes
    from engage.campaigns.dates import london_to_utc
    from engage.campaigns.errors import CampaignError
    from engage.campaigns.models import EngagementKind, Touchpoint
    from engage.campaigns.reach import ReachRequest, Who, record_touchpoint_reach
    from engage.database import utcnow
    from engage.extensions import db

    if bool(codes_file) == audience:
        raise click.UsageError("Give either --codes FILE or --audience.")
    touchpoint = db.session.get(Touchpoint, touchpoint_id)
    if touchpoint is None:
        raise click.ClickException(f"There is no touchpoint {touchpoint_id}.")
    now = utcnow()
    request = ReachRequest(
        who=Who.AUDIENCE if audience else Who.CODES, kind=EngagementKind(contact),
        occurred_at=london_to_utc(when) if when else (touchpoint.when or now), people=people,
        codes=parse_codes(codes_file.read()) if codes_file else [])
    try:
        result = record_touchpoint_reach(db.session, touchpoint, request, user_id=None, now=now)
    except CampaignError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(result.message(touchpoint))


@campaigns_cli.command("void")
@click.argument("engagement_id", type=int)
@click.option("--reason", required=True, help="Why the record no longer counts.")
def void_command(engagement_id: int, reason: str) -> None:
    """Void one engagement record: it is kept, marked, and no longer counted."""
    from engage.campaigns.errors import CampaignError
    from engage.campaigns.models import Engagement
    from engage.campaigns.reach import void_row
    from engage.database import utcnow
    from engage.extensions import db

    engagement = db.session.get(Engagement, engagement_id)
    if engagement is None:
        raise click.ClickException(f"There is no engagement record {engagement_id}.")
    try:
        void_row(db.session, engagement, reason, user_id=None, now=utcnow())
    except CampaignError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Voided record {engagement_id} ({engagement.organisation.ods_code}).")


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


from engage.campaigns.attendance.cli import import_attendance_command  # noqa: E402

campaigns_cli.add_command(import_attendance_command)
