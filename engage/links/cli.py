"""`flask links ...`: make a short link with its QR codes, and print scan figures as CSV."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from engage.campaigns.models import Touchpoint
from engage.catalogue.public import service_by_slug
from engage.csv_export import csv_writer
from engage.database import utcnow
from engage.directory.models import Organisation
from engage.extensions import db
from engage.links import stats
from engage.links.codes import normalise
from engage.links.models import Medium, MissReason, ScanMiss, ShortLink
from engage.links.qr import qr_png, qr_svg
from engage.links.shortlinks import LinkError, create_link, short_url

links_cli = AppGroup("links", help="Short links, QR codes and scan figures.")


@links_cli.command("create")
@click.option("--service", "slug", required=True, help="The service page it opens (its slug).")
@click.option("--organisation", "ods", help="ODS code of the practice or pharmacy it is for.")
@click.option("--touchpoint", "touchpoint_id", type=int, help="The touchpoint it belongs to.")
@click.option("--medium", type=click.Choice([m.value for m in Medium if m is not Medium.EMAIL]),
              default=Medium.QR.value,
              show_default=True, help="qr for print, link for email or posts.")
@click.option("--message", default="", help="One-line message for the poster.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Folder for the SVG and PNG.")
def create(slug: str, ods: str | None, touchpoint_id: int | None, medium: str, message: str,
           out_dir: Path) -> None:
    """Make a short link, print its URL, and write its QR code as SVG and PNG."""
    service = service_by_slug(db.session, slug)
    if service is None:
        raise click.UsageError(f"No service has the slug {slug!r}: see `flask catalogue list`.")
    organisation = None
    if ods:
        organisation = db.session.scalar(
            select(Organisation).where(Organisation.ods_code == ods.strip().upper()))
        if organisation is None:
            raise click.UsageError(f"No organisation has the ODS code {ods!r}.")
    touchpoint = None
    if touchpoint_id is not None:
        touchpoint = db.session.get(Touchpoint, touchpoint_id)
        if touchpoint is None:
            raise click.UsageError(f"No touchpoint has the id {touchpoint_id}.")
    try:
        link = create_link(db.session, service=service, organisation=organisation,
                           touchpoint=touchpoint, medium=Medium(medium), message=message,
                           now=utcnow())
    except LinkError as exc:
        raise click.UsageError(str(exc)) from None
    url = short_url(current_app.config["PUBLIC_BASE_URL"], link.code)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"qr-{link.code}.svg").write_bytes(qr_svg(url))
    (out_dir / f"qr-{link.code}.png").write_bytes(qr_png(url))
    db.session.commit()
    click.echo(url)
    click.echo(f"Wrote {out_dir / f'qr-{link.code}.svg'} and {out_dir / f'qr-{link.code}.png'}",
               err=True)


@links_cli.command("stats")
@click.argument("code", required=False)
def stats_command(code: str | None) -> None:
    """Scans, unique visitors and misses as CSV: per link, or per day for one CODE."""
    writer = csv_writer(sys.stdout, lineterminator="\n")
    if code is None:
        writer.writerow(["code", "status", "service", "organisation", "touchpoint_id",
                         "scans", "unique_visitors", "bots", "misses"])
        for row in sorted(stats.link_figures(db.session, ShortLink.id.is_not(None)),
                          key=lambda r: r.link.id):
            each = row.link
            writer.writerow([
                each.code, "retired" if each.retired else "live",
                each.service.slug if each.service else "(services list)",
                each.organisation.ods_code if each.organisation else "",
                each.touchpoint_id or "", row.scans, row.visitors, row.bots, row.misses])
        for unknown in stats.unknown_codes(db.session, limit=1000):
            writer.writerow([unknown.code, "unknown", "", "", "", 0, 0, 0, unknown.misses])
        return
    normal = normalise(code)
    link: ShortLink | None = (db.session.scalar(select(ShortLink).where(ShortLink.code == normal))
                              if normal else None)
    if link is None:
        misses = db.session.scalars(select(ScanMiss.id).where(
            ScanMiss.code == normal, ScanMiss.reason == MissReason.UNKNOWN)).all() if normal else []
        raise click.UsageError(f"No link has the code {code!r}"
                               + (f" ({len(misses)} scans of it were counted as misses)."
                                  if misses else "."))
    condition = ShortLink.id == link.id
    miss_days: dict[Any, int] = {}
    for day in db.session.scalars(select(ScanMiss.day).where(ScanMiss.link_id == link.id)):
        miss_days[day] = miss_days.get(day, 0) + 1
    days = {d.day: d for d in stats.daily(db.session, condition, limit=100_000)}
    writer.writerow(["day", "scans", "unique_visitors", "misses"])
    for day in sorted(set(days) | set(miss_days)):
        figures = days.get(day)
        writer.writerow([day, figures.scans if figures else 0, figures.visitors if figures else 0,
                         miss_days.get(day, 0)])
