"""Benchmark: turning reminder rules and a bulletin into outbox rows at the scale of a region.

Builds a migrated SQLite database with `--orgs` GP practices (two contacts each) in one
campaign's audience and a webinar to which all of them are invited, with a reminder due now,
then times:

- the baseline: rendering the same reminder email once per contact (templates only, no
  database): the floor for anything that queues personalised email;
- `expand_due`: the reminders step queueing one reminder per contact, each with its .ics
  invitation (one transaction);
- `expand_due` again: the idle tick every minute once everything is queued (must stay small);
- the rule preview (the page that shows who gets what, and when);
- sending a bulletin to the whole audience (touchpoint, one message per contact, reach rows).

It prints each figure and its ratio to the baseline in the same run.

    .venv/bin/python bench/reminders.py [--orgs 2000]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from engage import create_app  # noqa: E402
from engage.campaigns.models import (  # noqa: E402
    Campaign,
    CampaignStatus,
    Channel,
    Engagement,
    EngagementKind,
    Touchpoint,
)
from engage.directory.models import Contact, ContactRole, Organisation, OrgKind  # noqa: E402
from engage.extensions import db  # noqa: E402
from engage.messaging.models import OutboxMessage  # noqa: E402
from engage.messaging.outbox import render_email  # noqa: E402
from engage.reminders.bulletins import (  # noqa: E402
    BulletinFields,
    save_bulletin,
    schedule_bulletin,
    send_bulletin,
)
from engage.reminders.expand import expand_due, message_context  # noqa: E402
from engage.reminders.models import OffsetUnit, ReminderRule, RuleKind  # noqa: E402
from engage.reminders.preview import preview_rule  # noqa: E402
from engage.reminders.recipients import invitees  # noqa: E402

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)


def build(orgs: int) -> tuple[int, int]:
    """The directory, the campaign, the webinar with everyone invited, and the rule."""
    db.session.execute(insert(Organisation), [
        {"ods_code": f"B{n:05d}", "name": f"Bench Surgery {n}", "kind": OrgKind.GP_PRACTICE,
         "address": "CAMBRIDGE", "created_at": NOW, "updated_at": NOW} for n in range(orgs)])
    ids = list(db.session.scalars(select(Organisation.id)))
    db.session.execute(insert(Contact), [
        {"organisation_id": org, "name": f"Person {org}-{k}", "email": f"p{org}.{k}@example.org",
         "role": ContactRole.PRACTICE_MANAGER, "do_not_email": False, "is_demo": False,
         "created_at": NOW, "updated_at": NOW} for org in ids for k in (1, 2)])
    campaign = Campaign(name="Bench campaign", status=CampaignStatus.ACTIVE,
                        start_date=date(2026, 9, 1), end_date=date(2027, 3, 31),
                        audience_kinds=[], audience_locality_ids=[], audience_pcns=[])
    webinar = Touchpoint(channel=Channel.WEBINAR, title="Bench webinar", campaign=campaign,
                         planned_at=NOW + timedelta(hours=20), duration_minutes=60)
    db.session.add_all([campaign, webinar])
    db.session.flush()
    db.session.execute(insert(Engagement), [
        {"organisation_id": org, "occurred_at": NOW - timedelta(days=3),
         "channel": Channel.WEBINAR, "kind": EngagementKind.INVITED, "people": 1,
         "touchpoint_id": webinar.id, "campaign_id": campaign.id, "counted": True,
         "void_reason": "", "note": "", "created_at": NOW} for org in ids])
    rule = ReminderRule(kind=RuleKind.REMINDER, touchpoint_id=webinar.id, offset_amount=1,
                        offset_unit=OffsetUnit.DAYS, created_at=NOW - timedelta(days=5))
    db.session.add(rule)
    db.session.commit()
    return rule.id, campaign.id


def timed(label: str, work, baseline: float | None = None) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    ratio = f"  ({seconds / baseline:.1f} x baseline)" if baseline else ""
    print(f"{label:<58} {seconds * 1000:9.0f} ms{ratio}   -> {result}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=2000)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "ENGAGE_ENV": "test", "TESTING": True,
                          "SECRET_KEY": "bench-secret-key-long-enough-0123456789"})
        with app.app_context():
            upgrade()
            rule_id, campaign_id = build(args.orgs)
            rule = db.session.get(ReminderRule, rule_id)
            people = invitees(db.session, rule.touchpoint_id)
            print(f"{args.orgs} organisations, {len(people)} contacts invited")

            def render_all() -> int:
                for person in people:
                    render_email("reminder", message_context(rule, person, ""))
                return len(people)

            base = timed("baseline: render the reminder for every contact", render_all)
            timed("expand_due: queue every reminder (.ics attached)",
                  lambda: expand_due(db.session, now=NOW, config=app.config), base)
            timed("expand_due again: the idle tick",
                  lambda: expand_due(db.session, now=NOW + timedelta(minutes=1),
                                     config=app.config), base)
            rule = db.session.get(ReminderRule, rule_id)
            timed("rule preview (who gets what, and when)",
                  lambda: len(preview_rule(db.session, rule, now=NOW,
                                           config=app.config).included), base)
            campaign = db.session.get(Campaign, campaign_id)
            bulletin = save_bulletin(db.session, campaign, BulletinFields(
                "Bench bulletin", "## Hello\n\nA **bulletin** for everyone."), None, NOW)
            schedule_bulletin(db.session, bulletin, NOW, None, NOW)
            db.session.commit()

            def send() -> int:
                sent = send_bulletin(db.session, bulletin, now=NOW)
                db.session.commit()
                return sent

            timed("send a bulletin to the whole audience", send, base)
            print("outbox rows:", db.session.scalar(select(func.count()).select_from(
                OutboxMessage)))
            db.engine.dispose()


if __name__ == "__main__":
    main()
