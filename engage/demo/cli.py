"""`flask demo load` and `flask demo logins`: a labelled, realistic example installation."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from engage.auth.accounts import find_user
from engage.database import utcnow
from engage.demo.loader import default_data_dir, directory_is_empty, load_demo
from engage.demo.people import DEMO_PASSWORD, DEMO_USERS
from engage.extensions import db

demo_cli = AppGroup("demo", help="Load generated demo data (clearly labelled in the UI).")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True,
              help="Do nothing when the directory already has organisations.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the NHS ODS reference files are (default: ../shared/data).")
def load(if_empty: bool, data_dir: Path | None) -> None:
    """Load the demo: localities, the real 06H practices, generated pharmacies, contacts, users."""
    if current_app.config["ENGAGE_ENV"] == "production":
        raise click.ClickException(
            "The demo creates accounts with a published password, so it never runs in production."
        )
    if if_empty and not directory_is_empty(db.session):
        click.echo("The directory already has organisations: demo data not loaded.")
        return
    folder = data_dir or default_data_dir(Path(current_app.root_path).parent)
    for line in load_demo(db.session, now=utcnow(), data_dir=folder):
        click.echo(line, err="NOT LOADED" in line)
    db.session.commit()


@demo_cli.command("logins")
def logins() -> None:
    """Print where engage is and how to sign in with the demo accounts."""
    missing = [email for email, _role, _name in DEMO_USERS if find_user(db.session, email) is None]
    click.echo(f"engage is at {current_app.config['PUBLIC_BASE_URL']}")
    if missing:
        click.echo("The demo accounts are not set up yet: run `flask demo load`.")
        return
    click.echo(f"Sign in with one of these demo accounts; the password is {DEMO_PASSWORD}")
    for email, role, _name in DEMO_USERS:
        note = " (read-only)" if role.value == "steering" else ""
        click.echo(f"  {email:<22} {role.label}{note}")
