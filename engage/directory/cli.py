"""`flask directory ...`: imports and exports for operators and scripts."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from engage.columns import matching_from_options, matching_options
from engage.database import utcnow
from engage.directory.csv_import import MissingColumns, import_csv, read_records
from engage.directory.errors import ImportRejected
from engage.directory.export import export_directory
from engage.directory.localities import apply_rules
from engage.directory.models import Locality, OrgKind, OrgStatus
from engage.directory.ods_import import import_ods
from engage.directory.organisations import NO_LOCALITY, DirectoryFilter
from engage.directory.pharmacy_list import import_pharmacy_list
from engage.directory.vocab import organisations, parse_kind, parse_status
from engage.extensions import db
from engage.matchings import cli_matching, cli_save, saved_matching_options

directory_cli = AppGroup("directory", help="Import and export the organisation directory.")

# Below this many rows a progress bar would only flicker.
PROGRESS_FROM_ROWS = 2000


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"Cannot read {path}: {exc.strerror}.") from None


def _reject(exc: ImportRejected, hint: str = "") -> click.ClickException:
    db.session.rollback()
    return click.ClickException(f"{exc}\n{hint}" if hint else str(exc))


@directory_cli.command("import-ods")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--commissioner", default="", metavar="CODE",
              help="Only rows with this commissioner code, e.g. 06H. Default: every row.")
@click.option("--include-other", is_flag=True,
              help="Import prescribing settings other than GP practices as kind 'other' "
                   "(default: skip them).")
def import_ods_command(file: str, commissioner: str, include_other: bool) -> None:
    """Import an NHS ODS epraccur file (GP practices) into the directory."""
    data = _read(file)
    rows = data.count(b"\n")
    bar = click.progressbar(length=rows, label="Checking rows", file=sys.stderr,
                            hidden=rows < PROGRESS_FROM_ROWS)
    try:
        with bar:
            summary = import_ods(db.session, data, now=utcnow(), commissioner=commissioner,
                                 include_other=include_other, filename=Path(file).name,
                                 progress=bar.update)
    except ImportRejected as exc:
        raise _reject(exc) from None
    db.session.commit()
    scope = f" for {commissioner.upper()}" if commissioner else ""
    click.echo(f"Imported {Path(file).name}{scope}")
    for line in summary.lines():
        click.echo(line)


@directory_cli.command("import-csv")
@click.argument("file", type=click.Path(dir_okay=False))
@matching_options
@saved_matching_options
@click.option("--dry-run", is_flag=True,
              help="Check the file and say what the import would do, writing nothing.")
def import_csv_command(file: str, maps: tuple[str, ...], sets: tuple[str, ...],
                       matching_name: str | None, save_as: str | None, dry_run: bool) -> None:
    """Add or update organisations from a CSV file with a header row (code, name, kind, ...).

    Headings engage does not know can be matched to fields with --map, and a field the file
    lacks given one value with --set.
    """
    matching = matching_from_options(maps, sets)
    data = _read(file)
    try:
        header = read_records(data)[0]
        matching = cli_matching(db.session, "directory", matching_name, matching, header)
        summary = import_csv(db.session, data, now=utcnow(), filename=Path(file).name,
                             matching=matching)
    except MissingColumns as exc:
        raise _reject(exc, "Or match a column to each of them with --map FIELD=COLUMN, or give "
                           "one a value for every row with --set FIELD=VALUE.") from None
    except ImportRejected as exc:
        raise _reject(exc) from None
    if dry_run:
        db.session.rollback()
        click.echo(f"Dry run: nothing written{', not even the matching' if save_as else ''}. "
                   f"Importing {Path(file).name} would give:")
    else:
        cli_save(db.session, "directory", save_as, header, matching, utcnow())
        db.session.commit()
        click.echo(f"Imported {Path(file).name}")
    for line in summary.lines():
        click.echo(line)


@directory_cli.command("import-pharmacies")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--hwb", "boards", multiple=True, metavar="NAME",
              help="Keep the rows of this health and wellbeing board, e.g. Cambridgeshire. "
                   "Repeatable.")
@click.option("--icb", default="", metavar="CODE", help="Keep the rows of this ICB, e.g. QUE.")
@click.option("--dry-run", is_flag=True,
              help="Check the file and say what the import would do, writing nothing.")
def import_pharmacies_command(file: str, boards: tuple[str, ...], icb: str,
                              dry_run: bool) -> None:
    """Add, update and close the area's community pharmacies from the NHS Business Services
    Authority's consolidated pharmaceutical list (CSV, as published)."""
    data = _read(file)
    try:
        summary = import_pharmacy_list(db.session, data, now=utcnow(), boards=boards, icb=icb,
                                       filename=Path(file).name)
    except ImportRejected as exc:
        raise _reject(exc) from None
    if dry_run:
        db.session.rollback()
        click.echo(f"Dry run: nothing written. Importing {Path(file).name} would give:")
    else:
        db.session.commit()
        click.echo(f"Imported {Path(file).name}")
    for line in summary.lines():
        click.echo(line)


def _kind(_ctx: click.Context, _param: click.Parameter, value: str | None) -> OrgKind | None:
    if not value:
        return None
    kind = parse_kind(value)
    if kind is None:
        choices = ", ".join(k.value for k in OrgKind)
        raise click.BadParameter(f"'{value}' is not a kind. Use one of: {choices}.")
    return kind


def _status(_ctx: click.Context, _param: click.Parameter, value: str | None) -> OrgStatus | None:
    if not value:
        return None
    status = parse_status(value)
    if status is None:
        raise click.BadParameter(f"'{value}' is not a status. Use one of: "
                                 f"{', '.join(s.value for s in OrgStatus)}.")
    return status


@directory_cli.command("export")
@click.option("--kind", callback=_kind,
              help="gp_practice, gp_federation, community_pharmacy or other")
@click.option("--status", callback=_status, help="active, closed, dormant or proposed")
@click.option("--locality", default="", help="A locality's name, or 'none' for those without one.")
@click.option("--pcn", default="", help="A primary care network's name.")
def export_command(kind: OrgKind | None, status: OrgStatus | None, locality: str, pcn: str) -> None:
    """Write the directory (optionally filtered) to standard output as CSV."""
    where = DirectoryFilter(kind=kind, status=status, pcn=pcn.strip())
    if locality.strip().lower() == NO_LOCALITY:
        where.locality = NO_LOCALITY
    elif locality.strip():
        found = db.session.scalar(select(Locality).where(Locality.name.ilike(locality.strip())))
        if found is None:
            names = ", ".join(db.session.scalars(select(Locality.name).order_by(Locality.name)))
            raise click.BadParameter(f"no locality called '{locality}' (known: {names or 'none'})",
                                     param_hint="--locality")
        where.locality = found.id
    text = export_directory(db.session, where, now=utcnow())
    db.session.commit()
    click.echo(text, nl=False)


@directory_cli.command("apply-rules")
def apply_rules_command() -> None:
    """Re-derive every unpinned organisation's locality from the locality rules."""
    moved = apply_rules(db.session, utcnow())
    db.session.commit()
    click.echo(f"{organisations(moved)} changed locality.")
