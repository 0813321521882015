"""`flask catalogue ...`: the service catalogue for operators."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from engage.catalogue.completeness import has_contact_route, missing_details
from engage.catalogue.models import Service
from engage.catalogue.seed import seed_catalogue
from engage.csv_export import csv_writer
from engage.extensions import db

catalogue_cli = AppGroup("catalogue", help="The OH service catalogue.")


@catalogue_cli.command("seed")
def seed() -> None:
    """Add the pilot's eight services where missing; never overwrites edits."""
    created = seed_catalogue(db.session)
    db.session.commit()
    total = len(db.session.scalars(select(Service.id)).all())
    click.echo(f"Catalogue seeded: {created} added, {total} services in all.")


@catalogue_cli.command("list")
def list_services() -> None:
    """Print the catalogue as CSV: slug, name, audience, retired."""
    writer = csv_writer(sys.stdout, lineterminator="\n")
    writer.writerow(["slug", "name", "audience", "retired"])
    for service in db.session.scalars(select(Service).order_by(Service.sort_order, Service.name)):
        writer.writerow(
            [service.slug, service.name, service.audience.value, "yes" if service.retired else "no"]
        )


@catalogue_cli.command("check")
def check() -> None:
    """Print what each offered service's public page lacks; exit 1 if a published one has no
    contact route (phone, email, website or referral form)."""
    unreachable = []
    services = db.session.scalars(
        select(Service).where(Service.retired.is_(False))
        .order_by(Service.sort_order, Service.name))
    for service in services:
        state = "published" if service.published else "draft"
        missing = missing_details(service)
        if service.published and not has_contact_route(service):
            unreachable.append(service)
            state = "published, NOT SHOWN"
        gaps = "missing " + "; ".join(missing) if missing else "complete"
        click.echo(f"{service.slug} ({state}): {gaps}")
    for name in ("PROVIDER_NAME", "PROVIDER_PHONE", "PROVIDER_EMAIL"):
        if not current_app.config.get(name):
            click.echo(f"note: {name} is not set, so the services page does not show it")
    if unreachable:
        names = ", ".join(service.slug for service in unreachable)
        click.echo(f"PROBLEM: {len(unreachable)} published service(s) with no phone, email, "
                   f"website or referral form, so the public cannot see them: {names}", err=True)
        raise SystemExit(1)
    click.echo("ok: every published service has a contact route")
