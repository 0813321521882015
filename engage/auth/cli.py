"""`flask users ...`: account tasks for operators."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from engage.audit.log import record_event
from engage.auth.accounts import AccountError, change_role, create_user, find_user, set_active
from engage.auth.models import Role, User
from engage.extensions import db

users_cli = AppGroup("users", help="Create and manage the people who can sign in.")

ROLE_NAMES = click.Choice([role.value for role in Role])


@users_cli.command("create")
@click.option("--email", required=True, help="Their work email address; it is their log-in.")
@click.option("--role", type=ROLE_NAMES, required=True)
@click.option("--name", default="", help="Full name, shown in the audit log.")
@click.password_option(help="Prompted for (twice) when not given.")
def create(email: str, role: str, name: str, password: str) -> None:
    """Add a user who can sign in."""
    try:
        user = create_user(db.session, email, password, Role(role), name=name)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    record_event(db.session, None, "user.create", f"Added {user.email} as {user.role.label} (CLI)",
                 target=user)
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role.value}).")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=ROLE_NAMES)
def set_role(email: str, role: str) -> None:
    """Change a user's role (ends their sessions)."""
    user = _existing(email)
    try:
        change_role(db.session, user, Role(role))
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    record_event(db.session, None, "user.update", f"{user.email}: role → {role} (CLI)", target=user)
    db.session.commit()
    click.echo(f"{user.email} is now {role}.")


@users_cli.command("disable")
@click.argument("email")
def disable(email: str) -> None:
    """Disable a user and end every session they have."""
    user = _existing(email)
    try:
        set_active(db.session, user, False)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    record_event(db.session, None, "user.update", f"{user.email}: disabled (CLI)", target=user)
    db.session.commit()
    click.echo(f"Disabled {user.email}.")


@users_cli.command("list")
def list_users() -> None:
    """Print every user as CSV: email, role, active."""
    click.echo("email,role,active")
    for user in db.session.scalars(select(User).order_by(User.email)):
        click.echo(f"{user.email},{user.role.value},{'yes' if user.active else 'no'}")


def _existing(email: str) -> User:
    user = find_user(db.session, email)
    if user is None:
        raise click.ClickException(f"No user with the email {email}. See `flask users list`.")
    return user
