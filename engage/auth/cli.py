"""`flask users ...`: account tasks for operators.

Each command is a thin wrapper over the same audited functions the admin pages use; the audit
log names the command line as the actor.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from engage.auth.accounts import AccountError, add_user_by, find_user, update_user_by
from engage.auth.models import Role, User
from engage.extensions import db

users_cli = AppGroup("users", help="Create and manage the people who can sign in.")

ROLE_NAMES = click.Choice([role.value for role in Role])


@users_cli.command("create")
@click.option("--email", required=True, help="Their work email address; it is their log-in.")
@click.option("--role", type=ROLE_NAMES, required=True,
              help="admin: users and settings; manager: runs outreach; steering: read-only.")
@click.option("--name", default="", help="Full name, shown in the audit log.")
@click.password_option(help="Prompted for (twice, hidden) when not given.")
def create(email: str, role: str, name: str, password: str) -> None:
    """Add a user who can sign in."""
    try:
        user = add_user_by(db.session, None, email, password, Role(role), name=name)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role.value}).")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=ROLE_NAMES)
def set_role(email: str, role: str) -> None:
    """Change a user's role (ends their sessions)."""
    _update(email, role=Role(role))
    click.echo(f"{email} is now {role}.")


@users_cli.command("disable")
@click.argument("email")
def disable(email: str) -> None:
    """Disable a user and end every session they have."""
    _update(email, active=False)
    click.echo(f"Disabled {email}.")


@users_cli.command("enable")
@click.argument("email")
def enable(email: str) -> None:
    """Let a disabled user sign in again."""
    _update(email, active=True)
    click.echo(f"Enabled {email}.")


@users_cli.command("set-password")
@click.argument("email")
@click.password_option("--password", help="Prompted for (twice, hidden) when not given.")
def set_password_command(email: str, password: str) -> None:
    """Reset a user's password (ends their sessions); for a locked-out administrator too."""
    _update(email, new_password=password)
    click.echo(f"Password changed for {email}; their sessions have ended.")


@users_cli.command("list")
def list_users() -> None:
    """Print every user as CSV: email, role, active."""
    click.echo("email,role,active")
    for user in db.session.scalars(select(User).order_by(User.email)):
        click.echo(f"{user.email},{user.role.value},{'yes' if user.active else 'no'}")


def _update(email: str, role: Role | None = None, active: bool | None = None,
            new_password: str = "") -> None:
    user = find_user(db.session, email)
    if user is None:
        raise click.ClickException(f"No user with the email {email}. See `flask users list`.")
    try:
        update_user_by(db.session, None, user, role=role, active=active, new_password=new_password)
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
