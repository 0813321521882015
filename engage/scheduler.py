"""The scheduler: APScheduler 3 ticks the steps; everything it knows lives in the database.

Every job is declared here, once, with a stable id, `replace_existing=True` (a restart never
adds a second copy), `max_instances=1` (a slow tick never overlaps the next) and `coalesce=True`
with a misfire grace (ticks missed while the process was busy or down collapse into one run).
Each job only calls a step, `run_once(now) -> int`, inside an app context; the steps can be
run without the scheduler (`flask reminders tick`, the tests).

In production the scheduler is its own process, `flask scheduler run`. `make run` starts it
inside the development server (SCHEDULER_ENABLED=true), once: under the reloader only in the
child process that serves (WERKZEUG_RUN_MAIN=true), never in the watching parent.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app

from engage.database import utcnow
from engage.extensions import db

log = logging.getLogger(__name__)

Step = Callable[[datetime], int]


# --- the steps ------------------------------------------------------------------------------------


def expand_reminders(now: datetime) -> int:
    """Queue due reminders, follow-ups and nudges; withdraw what no longer applies."""
    from engage.reminders.expand import expand_due

    return expand_due(db.session, now=now, config=current_app.config)


def send_bulletins(now: datetime) -> int:
    from engage.reminders.bulletins import send_due_bulletins

    return send_due_bulletins(db.session, now=now)


def weekly_digest(now: datetime) -> int:
    from engage.reminders.digest import queue_digest

    return queue_digest(db.session, now=now, config=current_app.config)


def tell_registrants(now: datetime) -> int:
    """Tell the people registered for an event that has been cancelled, once."""
    from engage.registration.signup import app_mailing, tell_of_cancelled_events

    return tell_of_cancelled_events(db.session, mailing=app_mailing(), now=now)


def deliver_outbox(now: datetime) -> int:
    """Withdraw stale reminders first (so none goes after downtime), then deliver what is due."""
    from engage.messaging.delivery import backend_from_config, deliver_due
    from engage.reminders.expand import withdraw_stale

    withdraw_stale(db.session, now=now)
    db.session.commit()
    options: dict[str, Any] = {}
    timeout = current_app.config.get("OUTBOX_SENDING_TIMEOUT_SECONDS")
    if timeout:
        options["sending_timeout"] = timedelta(seconds=int(timeout))
    return deliver_due(db.session, now=now, backend=backend_from_config(current_app.config),
                       **options)


@dataclass(frozen=True)
class Job:
    id: str
    step: Step
    description: str


# The order matters for `flask reminders tick`: queue first, then deliver what is due.
JOBS = (
    Job("reminders.expand", expand_reminders, "queue due reminders, follow-ups and nudges"),
    Job("reminders.bulletins", send_bulletins, "send scheduled bulletins"),
    Job("reminders.digest", weekly_digest, "queue the weekly digest"),
    Job("registration.cancelled", tell_registrants, "tell registrants of cancelled events"),
    Job("outbox.deliver", deliver_outbox, "deliver due outbox messages"),
)


def run_job(app: Flask, job: Job, now: datetime | None = None) -> int:
    """Run one step in an app context, noting the run in `scheduler_run`; errors are logged."""
    from engage.reminders.models import SchedulerRun

    with app.app_context():
        moment = now or utcnow()
        try:
            count = job.step(moment)
            error = ""
        except Exception as exc:  # noqa: BLE001 - a failing step must not stop the scheduler
            db.session.rollback()
            log.exception("scheduled job %s failed", job.id)
            count, error = 0, f"{type(exc).__name__}: {exc}"[:2000]
        try:
            run = db.session.get(SchedulerRun, job.id) or SchedulerRun(job_id=job.id)
            run.started_at, run.finished_at = moment, utcnow()
            run.result, run.error = count, error
            db.session.add(run)
            db.session.commit()
        except Exception:  # noqa: BLE001 - bookkeeping only (e.g. two schedulers racing)
            db.session.rollback()
        finally:
            db.session.remove()
        if count:
            log.info("%s: %s", job.id, count)
        return count


def tick(app: Flask, now: datetime | None = None) -> dict[str, int]:
    """Every step once, in order (for cron, operators and tests)."""
    return {job.id: run_job(app, job, now) for job in JOBS}


# --- APScheduler ----------------------------------------------------------------------------------


def add_jobs(scheduler: Any, app: Flask) -> None:
    """Declare every job on an APScheduler scheduler: stable ids, never doubled or overlapped."""
    seconds = int(app.config.get("SCHEDULER_TICK_SECONDS", 60))
    for job in JOBS:
        scheduler.add_job(
            run_job, "interval", seconds=seconds, args=(app, job), id=job.id,
            name=job.description, replace_existing=True, max_instances=1, coalesce=True,
            misfire_grace_time=max(seconds, 30), next_run_time=utcnow(),
        )


def make_scheduler(app: Flask, *, background: bool) -> Any:
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    kind = BackgroundScheduler if background else BlockingScheduler
    if app.config.get("LOG_LEVEL") != "DEBUG":
        # APScheduler logs every run at INFO; our steps log what they did instead.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # One worker thread per job at most: jobs never overlap themselves, and each uses its own
    # database session (Flask-SQLAlchemy's scoped session is per thread).
    scheduler = kind(timezone="UTC", executors={"default": ThreadPoolExecutor(len(JOBS))})
    add_jobs(scheduler, app)
    return scheduler


def should_start_in_web(config: Mapping[str, Any], environ: Mapping[str, str], *,
                        serving: bool, reloader: bool) -> bool:
    """Start the scheduler inside this process? Only under `flask run` with SCHEDULER_ENABLED
    (the Makefile's `run` sets it), never in tests or other commands, and with the reloader only
    in the child that serves (WERKZEUG_RUN_MAIN=true), never in the watching parent as well."""
    if not config.get("SCHEDULER_ENABLED") or config.get("TESTING") or not serving:
        return False
    if reloader:
        return environ.get("WERKZEUG_RUN_MAIN") == "true"
    return True


def _flask_run_options() -> tuple[bool, bool]:
    """(is this `flask run`?, does it use the reloader?) from the click command loading us."""
    import click
    from flask.helpers import get_debug_flag

    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.command.name != "run" or ctx.parent is None \
            or ctx.parent.parent is not None:
        return False, False  # gunicorn, `flask scheduler run`, `flask db upgrade` ...
    reload = ctx.params.get("reload")
    return True, bool(get_debug_flag() if reload is None else reload)


def register_scheduler(app: Flask, environ: Mapping[str, str] | None = None) -> Any:
    """Start a background scheduler in this process when `should_start_in_web` says so."""
    environ = os.environ if environ is None else environ
    serving, reloader = _flask_run_options()
    if not should_start_in_web(app.config, environ, serving=serving, reloader=reloader):
        return None
    scheduler = make_scheduler(app, background=True)
    scheduler.start()
    app.extensions["engage_scheduler"] = scheduler
    log.info("scheduler started inside the development server (SCHEDULER_ENABLED)")
    return scheduler
