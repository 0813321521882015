"""`flask messaging ...`: operator commands over the same logic as the pages."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from engage.database import utcnow
from engage.extensions import db
from engage.messaging import delivery
from engage.messaging.models import OutboxMessage, OutboxStatus

messaging_cli = AppGroup("messaging", help="Email: the outbox, delivery and suppression.")


@messaging_cli.command("deliver")
@click.option("--limit", default=delivery.DEFAULT_LIMIT, show_default=True,
              help="Most messages to claim in this run.")
def deliver_command(limit: int) -> None:
    """Run the delivery step once: send what is due now."""
    backend = delivery.backend_from_config(current_app.config)
    sent = delivery.deliver_due(db.session, now=utcnow(), backend=backend, limit=limit)
    pause = delivery.active_pause(db.session, backend.name)
    click.echo(f"Sent {sent} message(s) through {backend.name}.")
    if pause is not None:
        raise click.ClickException(f"Delivery is paused: {pause.reason} "
                                   "Fix it, then run `flask messaging resume`.")


@messaging_cli.command("send-test")
@click.option("--to", "to_email", required=True, help="Address to send the test message to.")
def send_test_command(to_email: str) -> None:
    """Queue a test message and deliver it at once, to check the email set-up."""
    from engage.messaging.outbox import Email, queue_email

    now = utcnow()
    message = queue_email(db.session, Email(f"test:{now.isoformat()}:{to_email}", to_email,
                                            "test", kind="test"), now=now)
    db.session.commit()
    if message is None or message.status is not OutboxStatus.QUEUED:
        reason = message.last_error if message is not None else "already queued"
        raise click.ClickException(f"Not sent: {reason}")
    backend = delivery.backend_from_config(current_app.config)
    delivery.deliver_due(db.session, now=now, backend=backend, limit=500)
    db.session.refresh(message)
    click.echo(f"Outbox message {message.id}: {message.status.value}"
               + (f" ({message.provider_message_id})" if message.provider_message_id else "")
               + (f": {message.last_error}" if message.last_error else ""))
    if message.status is not OutboxStatus.SENT:
        raise SystemExit(1)


@messaging_cli.command("outbox")
@click.option("--status", type=click.Choice([s.value for s in OutboxStatus]),
              help="Only messages with this status.")
@click.option("--limit", default=50, show_default=True)
def outbox_command(status: str | None, limit: int) -> None:
    """List the newest outbox messages, with counts by status."""
    counts = dict(db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    click.echo(", ".join(f"{s.value}: {counts.get(s, 0)}" for s in OutboxStatus))
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        query = query.where(OutboxMessage.status == OutboxStatus(status))
    for m in db.session.scalars(query):
        click.echo(f"{m.id}\t{m.status.value}\t{m.attempts}\t{m.to_email}\t{m.subject}"
                   + (f"\t{m.last_error}" if m.last_error else ""))


@messaging_cli.command("suppress")
@click.argument("email")
@click.option("--reason", type=click.Choice(["unsubscribed", "hard_bounce", "spam_report",
                                             "dropped", "invalid"]), default="unsubscribed",
              show_default=True)
def suppress_command(email: str, reason: str) -> None:
    """Stop all email to an address (for example after a request by phone)."""
    from engage.audit.log import record_event
    from engage.directory.models import SuppressionReason
    from engage.messaging.suppression import suppress

    if suppress(db.session, email, SuppressionReason(reason), now=utcnow(), source="manager"):
        record_event(db.session, None, "messaging.suppress", f"Suppressed {email} ({reason})",
                     details={"email": email.lower(), "reason": reason})
        click.echo(f"Suppressed {email}.")
    else:
        click.echo(f"{email} was already suppressed.")
    db.session.commit()


@messaging_cli.command("unsuppress")
@click.argument("email")
def unsuppress_command(email: str) -> None:
    """Allow email to an address again, once the person has asked to hear from us."""
    from engage.messaging.suppression import unsuppress

    if unsuppress(db.session, email, user=None, now=utcnow()):
        db.session.commit()
        click.echo(f"{email} may be emailed again.")
    else:
        raise click.ClickException(f"{email} is not suppressed.")


@messaging_cli.command("resume")
def resume_command() -> None:
    """Resume delivery after SendGrid refused the key (401) and the key was fixed."""
    backend = delivery.backend_from_config(current_app.config)
    if delivery.resume(db.session, backend.name, user=None, now=utcnow()):
        db.session.commit()
        click.echo("Email delivery resumed.")
    else:
        click.echo("Email delivery was not paused.")
