"""The scheduler's declarations, the dev-server guard, and `flask reminders tick`."""

from __future__ import annotations

from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from engage.extensions import db
from engage.messaging.models import OutboxStatus
from engage.reminders.models import SchedulerRun
from engage.scheduler import JOBS, add_jobs, should_start_in_web
from tests.reminders.support import outbox, rule, utc, webinar


def test_jobs_have_stable_ids_and_are_never_doubled_or_overlapped(app):
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start(paused=True)
    try:
        add_jobs(scheduler, app)
        add_jobs(scheduler, app)  # declared again: replaced, not added
        jobs = scheduler.get_jobs()
    finally:
        scheduler.shutdown(wait=False)
    assert sorted(j.id for j in jobs) == sorted(job.id for job in JOBS)
    for job in jobs:
        assert job.max_instances == 1
        assert job.coalesce is True
        assert job.misfire_grace_time >= 30


def test_dev_server_starts_the_scheduler_once_not_in_the_reloader_parent():
    on = {"SCHEDULER_ENABLED": True, "TESTING": False}
    # Reloader: the watching parent has no WERKZEUG_RUN_MAIN, the serving child has "true".
    assert not should_start_in_web(on, {}, serving=True, reloader=True)
    assert should_start_in_web(on, {"WERKZEUG_RUN_MAIN": "true"}, serving=True, reloader=True)
    # No reloader: one process, which serves.
    assert should_start_in_web(on, {}, serving=True, reloader=False)


def test_scheduler_does_not_start_in_tests_commands_or_when_not_enabled():
    child = {"WERKZEUG_RUN_MAIN": "true"}
    assert not should_start_in_web({"SCHEDULER_ENABLED": False}, child, serving=True,
                                   reloader=True)
    assert not should_start_in_web({"SCHEDULER_ENABLED": True, "TESTING": True}, child,
                                   serving=True, reloader=True)
    # `flask db upgrade`, `flask scheduler run`, gunicorn: not serving through `flask run`.
    assert not should_start_in_web({"SCHEDULER_ENABLED": True}, {}, serving=False,
                                   reloader=False)


def test_the_test_app_has_no_scheduler_running(app):
    assert "engage_scheduler" not in app.extensions


def test_reminders_tick_runs_every_step_in_order_and_records_the_runs(app, runner):
    touchpoint = webinar(utc(2026, 11, 25, 14), organisations=2)
    rule(touchpoint, amount=1)
    db.session.commit()
    result = runner.invoke(args=["reminders", "tick", "--now", "2026-11-24T15:00"])
    assert result.exit_code == 0, result.output
    assert "reminders.expand: 2" in result.output
    assert "outbox.deliver: 2" in result.output
    assert {r.status for r in outbox("reminder")} == {OutboxStatus.SENT}
    runs = {r.job_id: r for r in db.session.query(SchedulerRun)}
    assert set(runs) == {job.id for job in JOBS}
    assert runs["reminders.expand"].result == 2 and runs["reminders.expand"].error == ""


def test_reminders_tick_rejects_a_time_it_cannot_read(app, runner):
    result = runner.invoke(args=["reminders", "tick", "--now", "next tuesday"])
    assert result.exit_code != 0
    assert "is not a time" in result.output


def test_deliver_step_withdraws_a_stale_reminder_before_sending(app, runner):
    touchpoint = webinar(utc(2026, 11, 25, 14), organisations=1)
    rule(touchpoint, amount=1)
    db.session.commit()
    runner.invoke(args=["reminders", "tick", "--now", "2026-11-24T10:00"])
    assert {r.status for r in outbox("reminder")} == {OutboxStatus.QUEUED}
    # Down until after the event: the delivery job alone must not send the reminder.
    from engage.scheduler import run_job

    deliver = next(job for job in JOBS if job.id == "outbox.deliver")
    run_job(app, deliver, utc(2026, 11, 25, 15))
    rows = outbox("reminder")
    assert {r.status for r in rows} == {OutboxStatus.WITHDRAWN}
    assert timedelta(0) < utc(2026, 11, 25, 15) - rows[0].send_after


def test_reminders_demo_adds_a_winter_campaign_once(app, runner):
    from engage.reminders.models import Bulletin, BulletinStatus, ReminderRule
    from tests.factories import make_contact

    for _ in range(3):
        make_contact()
    db.session.commit()
    first = runner.invoke(args=["reminders", "demo"])
    assert first.exit_code == 0, first.output
    assert "bulletin sent to 3 people" in first.output
    assert db.session.query(ReminderRule).count() == 5
    assert db.session.query(Bulletin).one().status is BulletinStatus.SENT
    again = runner.invoke(args=["reminders", "demo"])
    assert "already there" in again.output
