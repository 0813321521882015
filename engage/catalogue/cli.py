"""`flask catalogue ...`: the service catalogue for operators."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

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
