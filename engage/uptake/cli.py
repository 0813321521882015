"""`flask uptake ...`: importing the provider's figures, summaries, batches and rollback."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from engage.columns import matching_from_options, matching_options
from engage.csv_export import csv_writer
from engage.matchings import cli_matching, cli_save, saved_matching_options

uptake_cli = AppGroup("uptake", help="The provider's referral figures: import, summary, rollback.")


def print_preview(preview: Any) -> None:
    """The same summary the preview page shows: what was detected, totals, every problem."""
    from engage.uptake.summary import month_label

    click.echo(f"File: {preview.filename} (SHA-256 {preview.sha256[:12]}…)")
    click.echo("Detected: " + ", ".join(f"{k} {v}" for k, v in preview.detected.items()))
    if preview.date_order_note:
        click.echo(f"Dates like 06/07/2022 read {preview.date_order_note}.")
    if preview.ignored_columns:
        click.echo("Columns ignored: " + ", ".join(preview.ignored_columns))
    click.echo(f"Rows understood: {preview.rows:,}; referrals: {preview.total:,}")
    if preview.totals:
        click.echo("\nMonth     Service                                   In file  Recorded now")
        for t in preview.totals:
            click.echo(f"{month_label(t['month']):<9} {t['service'][:40]:<40} {t['total']:>8} "
                       f"{t['before']:>13}")
    if preview.by_reference:
        click.echo(f"\n{preview.by_reference} earlier referrals are replaced by reference.")
    if preview.overlap > 0:
        click.echo(f"\n{preview.overlap} earlier rows cover the same months and services.")
    if preview.problem_count:
        click.echo(f"\n{preview.problem_count} problem(s) in {preview.rows_with_problems} row(s):",
                   err=True)
        for p in preview.problems:
            click.echo(f"  Row {p['row']}, {p['column']} {p['value']!r}: {p['what']}. {p['fix']}",
                       err=True)
        hidden = preview.problem_count - len(preview.problems)
        if hidden > 0:
            click.echo(f"  … and {hidden} more like these.", err=True)


@uptake_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace-months", is_flag=True,
              help="Replace earlier figures for the months and services the file covers.")
@click.option("--add", "add_", is_flag=True,
              help="Add to earlier figures for the same months and services.")
@click.option("--sheet", default=None, help="The workbook sheet to read (default: the first).")
@click.option("--date-order", type=click.Choice(["auto", "dmy", "mdy"]), default="auto",
              show_default=True, help="How dates like 06/07/2022 are written.")
@click.option("--dry-run", is_flag=True, help="Check and summarise; record nothing.")
@matching_options
@saved_matching_options
def import_file(file: Path, replace_months: bool, add_: bool, sheet: str | None,
                date_order: str, dry_run: bool, maps: tuple[str, ...],
                sets: tuple[str, ...], matching_name: str | None, save_as: str | None) -> None:
    """Check FILE (CSV or XLSX) and record all its rows as one batch, or nothing.

    Headings engage does not know can be matched to fields with --map, and a field the file
    lacks (a file for one service) given one value with --set.
    """
    from tqdm import tqdm

    from engage.database import utcnow
    from engage.extensions import db
    from engage.timezone import LONDON
    from engage.uptake.errors import UptakeRejected
    from engage.uptake.importer import ADD, REPLACE, check_file, record_checked
    from engage.uptake.reader import read_table

    if replace_months and add_:
        raise click.UsageError("Choose --replace-months or --add, not both.")
    matching = matching_from_options(maps, sets)
    data = file.read_bytes()
    now = utcnow()
    try:
        table = read_table(data, file.name, sheet)
        estimate, header = table.estimated_rows, table.headers
        matching = cli_matching(db.session, "uptake", matching_name, matching, header)
        with tqdm(total=estimate, unit="rows", desc="Checking", file=sys.stderr,
                  disable=None) as bar:
            def progress(done: int) -> None:
                bar.update(done - bar.n)

            preview, checked = check_file(db.session, data, file.name,
                                          today=now.astimezone(LONDON).date(), sheet=sheet,
                                          date_order=date_order, progress=progress,
                                          matching=matching)
    except UptakeRejected as exc:
        raise click.ClickException(exc.message) from None
    print_preview(preview)
    if preview.duplicate_of:
        raise click.ClickException(preview.duplicate_of)
    if not preview.ok:
        raise click.ClickException("Nothing was imported. Fix the problems and run it again.")
    if dry_run:
        click.echo("\nDry run: nothing recorded" + (", not even the matching." if save_as
                                                    else "."))
        return
    mode = REPLACE if replace_months else ADD if add_ else None
    try:
        outcome = record_checked(db.session, preview, checked, now=now, mode=mode)
    except UptakeRejected as exc:
        db.session.rollback()
        hint = " Run it again with --replace-months or --add." if exc.status == 409 else ""
        raise click.ClickException(exc.message + hint) from None
    cli_save(db.session, "uptake", save_as, header, matching, now)
    db.session.commit()
    click.echo(f"\nImported batch {outcome.batch.id}: {preview.rows:,} rows, "
               f"{preview.total:,} referrals; {outcome.replaced:,} earlier rows replaced.")


@uptake_cli.command("summary")
def summary() -> None:
    """Print referrals per month and service as CSV, with how many organisations are behind each."""
    from engage.extensions import db
    from engage.uptake.summary import monthly_rows

    writer = csv_writer(sys.stdout, lineterminator="\n")
    writer.writerow(["month", "service", "referrals", "organisations"])
    writer.writerows(monthly_rows(db.session))


@uptake_cli.command("batches")
def list_batches() -> None:
    """Print every import batch as CSV: id, when, file, who, rows, referrals, replaced, state."""
    from engage.extensions import db
    from engage.uptake.summary import batches

    writer = csv_writer(sys.stdout, lineterminator="\n")
    writer.writerow(["id", "imported_at", "filename", "sha256", "by", "rows", "referrals",
                     "replaced", "rolled_back_at"])
    for b in batches(db.session):
        writer.writerow([b.id, b.imported_at.isoformat(), b.filename, b.sha256,
                         b.actor_email or "command line", b.rows, b.total, b.replaced,
                         b.rolled_back_at.isoformat() if b.rolled_back_at else ""])


@uptake_cli.command("rollback")
@click.argument("batch_id", type=int)
def rollback(batch_id: int) -> None:
    """Remove exactly the rows of batch BATCH_ID, restoring any figures it replaced."""
    from engage.database import utcnow
    from engage.extensions import db
    from engage.uptake.errors import UptakeRejected
    from engage.uptake.importer import rollback_batch
    from engage.uptake.models import UptakeBatch

    batch = db.session.get(UptakeBatch, batch_id)
    if batch is None:
        raise click.ClickException(f"There is no batch {batch_id}. `flask uptake batches` lists "
                                   "them.")
    try:
        removed = rollback_batch(db.session, batch, now=utcnow())
    except UptakeRejected as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"Rolled back batch {batch_id}: {removed:,} rows removed.")


@uptake_cli.command("alias")
@click.argument("name")
@click.argument("service")
def alias(name: str, service: str) -> None:
    """Remember that the provider's NAME means catalogue SERVICE (its slug, name or id)."""
    from engage.extensions import db
    from engage.uptake.aliases import find_service, remember_alias
    from engage.uptake.errors import UptakeRejected

    try:
        found = find_service(db.session, service)
        remember_alias(db.session, name, found, by="command line")
    except UptakeRejected as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"'{name}' now means {found.name}.")
