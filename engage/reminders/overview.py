"""What is coming: every rule's next send, scheduled bulletins and the digest, for one page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from engage.database import DbSession
from engage.reminders.digest import due_at, recipients, week_label
from engage.reminders.expand import active_rules
from engage.reminders.models import Bulletin, BulletinStatus, ReminderRule
from engage.reminders.schedule import business_hours, occasion


@dataclass
class Upcoming:
    send_at: datetime | None
    label: str
    detail: str
    recipients: int
    excluded: int = 0
    rule: ReminderRule | None = None
    bulletin: Bulletin | None = None


def upcoming(session: DbSession, *, now: datetime, config: Mapping[str, Any],
             days: int = 14) -> list[Upcoming]:
    """Sends due from now to `days` ahead (and rules waiting on something), soonest first."""
    until = now + timedelta(days=days)
    hours = business_hours(config)
    items: list[Upcoming] = []
    for rule in active_rules(session, now):
        found = occasion(session, rule, hours, now)
        if found.send_at is None or found.send_at > until:
            continue
        subject = rule.touchpoint.title if rule.touchpoint else (
            rule.campaign.name if rule.campaign else "")
        items.append(Upcoming(max(found.send_at, now), f"{rule.kind.label}: {subject}",
                              found.waiting or rule.describe(), len(found.included),
                              len(found.excluded), rule=rule))
    for bulletin in session.scalars(select(Bulletin).where(
            Bulletin.status == BulletinStatus.SCHEDULED, Bulletin.send_at <= until)
            .order_by(Bulletin.send_at)):
        from engage.reminders.bulletins import bulletin_recipients

        people = bulletin_recipients(session, bulletin)
        included = sum(1 for p in people if p.excluded is None)
        items.append(Upcoming(bulletin.send_at, f"{bulletin.channel.label}: {bulletin.subject}",
                              bulletin.campaign.name, included, len(people) - included,
                              bulletin=bulletin))
    if config.get("DIGEST_ENABLED", True):
        moment = due_at(now, config)
        if moment < now:
            moment = due_at(now + timedelta(days=7), config)
        if moment <= until:
            items.append(Upcoming(moment, "Weekly digest", f"week {week_label(moment)}",
                                  len(recipients(session, config))))
    return sorted(items, key=lambda i: i.send_at or until)
