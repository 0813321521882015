"""`flask reminders ...` and `flask scheduler run`: operator commands."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from engage.database import utcnow

reminders_cli = AppGroup("reminders", help="Reminder rules, bulletins, nudges and the digest.")
scheduler_cli = AppGroup("scheduler", help="The scheduler that ticks the outbox and reminders.")

log = logging.getLogger(__name__)


def _parse_now(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a time: write it as 2026-11-23T09:00 (UTC) or with an offset"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@reminders_cli.command("tick")
@click.option("--now", "now_text", help="Pretend it is this time (ISO, UTC unless an offset).")
def tick_command(now_text: str | None) -> None:
    """Run every scheduled step once, in order: queue due messages, then deliver them."""
    from engage.scheduler import tick

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    for job_id, count in tick(app, _parse_now(now_text)).items():
        click.echo(f"{job_id}: {count}")


@reminders_cli.command("upcoming")
@click.option("--days", default=7, show_default=True, help="How far ahead to look.")
def upcoming_command(days: int) -> None:
    """What the rules and scheduled bulletins will send, when, to how many people."""
    from engage.extensions import db
    from engage.reminders.overview import upcoming
    from engage.templating import london

    for item in upcoming(db.session, now=utcnow(), config=current_app.config, days=days):
        when = london(item.send_at) if item.send_at else "not yet"
        click.echo(f"{when}\t{item.label}\t{item.recipients} recipient(s)\t{item.detail}")


@reminders_cli.command("demo")
def demo_command() -> None:
    """Add the reminders demo (a winter campaign, webinar, rules and a sent bulletin) to a
    loaded demo installation; nothing happens if it is there already."""
    from pathlib import Path

    from engage.demo.context import DemoContext
    from engage.demo.reminders import winter_campaign
    from engage.extensions import db

    ctx = DemoContext(session=db.session, now=utcnow(), data_dir=Path("."))
    click.echo(winter_campaign(ctx))
    db.session.commit()


@scheduler_cli.command("run")
def run_command() -> None:
    """Run the scheduler in the foreground until SIGTERM or Ctrl-C (its own process)."""
    from engage.scheduler import JOBS, make_scheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = make_scheduler(app, background=True)
    stopping = threading.Event()

    def stop(signum: int, _frame: Any) -> None:
        # Only set a flag here: a signal can arrive at any moment, even before the scheduler
        # has started, and shutting down from inside the handler could then hang the process.
        log.info("scheduler stopping (signal %s): finishing the running steps", signum)
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.start()
    click.echo(f"scheduler: {len(JOBS)} jobs every {app.config['SCHEDULER_TICK_SECONDS']}s: "
               + ", ".join(job.id for job in JOBS), err=True)
    while not stopping.wait(0.5):
        pass
    # Running steps finish before shutdown returns; each commits as it goes, so stopping loses
    # nothing.
    scheduler.shutdown(wait=True)
    click.echo("scheduler stopped", err=True)
