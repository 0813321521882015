"""`flask insights ...`: the figures the insight pages show, for scripts."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from engage.database import utcnow
from engage.extensions import db
from engage.insights.cold import ColdError, parse_days
from engage.insights.exports import FORMATS, audit_export, render
from engage.insights.period import read_filters
from engage.insights.scope import resolve
from engage.insights.tables import TABLES, model_table
from engage.timezone import uk_day

insights_cli = AppGroup("insights", help="Coverage, uptake and outreach figures for scripts.")

EXPORTS = ("coverage", "cold", "uptake", "awareness", "equity", "model")


@insights_cli.command("export")
@click.argument("table", type=click.Choice(EXPORTS))
@click.option("--start", help="First day of the period, YYYY-MM-DD (default: the campaign's "
              "first day, or the start of the latest 12 months with data).")
@click.option("--end", help="Last day of the period, YYYY-MM-DD (default: the campaign's last "
              "day, or the end of the latest month with data).")
@click.option("--campaign", help="Campaign id.")
@click.option("--service", help="Service id.")
@click.option("--locality", help="Locality id.")
@click.option("--days", help="For cold: no engagement in this many days (default 90).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file instead of standard output.")
def export(table: str, start: str | None, end: str | None, campaign: str | None,
           service: str | None, locality: str | None, days: str | None, fmt: str,
           output: str | None) -> None:
    """Write one table (the same figures as its page) as CSV or JSON."""
    now = utcnow()
    today = uk_day(now)
    args = {"start": start, "end": end, "campaign": campaign, "service": service,
            "locality": locality}
    scope = resolve(db.session, read_filters(
        db.session, {k: v for k, v in args.items() if v is not None}, today=today))
    problems = list(scope.problems)
    try:
        cold_days = parse_days(days)
    except ColdError as exc:
        problems.append(str(exc))
        cold_days = 0
    if problems:
        raise click.UsageError(" ".join(problems))
    if scope.filters.period_note:
        click.echo(scope.filters.period_note, err=True)
    if table == "model":
        built = model_table(db.session, scope, now=now)
        if built is None:
            raise click.ClickException("The outreach-and-uptake model is not available yet.")
    else:
        built = TABLES[table](db.session, scope, today=today, days=cold_days, now=now)
    text = render(built, fmt)
    audit_export(db.session, None, built, fmt,
                 {**scope.filters.period_args(),
                  **({"days": cold_days} if table == "cold" else {})}, now=now)
    if output:
        with open(output, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        click.echo(f"Wrote {len(built.rows):,} rows to {output}.", err=True)
    else:
        click.echo(text, nl=False)
    db.session.commit()
