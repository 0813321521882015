"""The weekly digest to the project manager: what is coming, who has gone cold, what is new.

It is due from DIGEST_WEEKDAY at DIGEST_HOUR (UK time) until the end of that ISO week, one
per recipient per week (the key holds the week), so a scheduler that was down on the day
sends it when it comes back, once.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from engage.auth.models import Role, User
from engage.campaigns.models import (
    Engagement,
    EngagementSource,
    Touchpoint,
    TouchpointStatus,
    engaged_engagement,
    live_engagement,
)
from engage.database import DbSession
from engage.directory.models import Organisation, OrgStatus
from engage.directory.names import shown_name
from engage.messaging import sends
from engage.messaging.outbox import Email, queue_many
from engage.reminders import keys
from engage.timezone import LONDON

COMING_DAYS = 14
LISTED = 15


@dataclass
class Digest:
    week: str
    since: datetime
    until: datetime
    coming: list[Touchpoint] = field(default_factory=list)
    cold_days: int = 60
    cold_count: int = 0
    cold: list[tuple[str, str, datetime]] = field(default_factory=list)  # name, code, last
    scans: int = 0
    scan_organisations: int = 0
    referrals: int | None = None  # None until the uptake feature is there


def week_label(moment: datetime) -> str:
    year, week, _ = moment.astimezone(LONDON).isocalendar()
    return f"{year}-W{week:02d}"


def due_at(now: datetime, config: Mapping[str, Any]) -> datetime:
    """This ISO week's digest time, in UTC."""
    local = now.astimezone(LONDON)
    monday = local.date() - timedelta(days=local.weekday())
    day = monday + timedelta(days=int(config.get("DIGEST_WEEKDAY", 0)))
    return datetime.combine(day, time(int(config.get("DIGEST_HOUR", 8))),
                            tzinfo=LONDON).astimezone(UTC)


def recipients(session: DbSession, config: Mapping[str, Any]) -> list[tuple[str, str, int | None]]:
    """(email, name, user id): DIGEST_RECIPIENTS if set, else every active manager."""
    listed = [e.lower() for e in config.get("DIGEST_RECIPIENTS", []) or []]
    if listed:
        users = {u.email.lower(): u for u in session.scalars(
            select(User).where(func.lower(User.email).in_(listed)))}
        return [(e, users[e].name if e in users else "", users[e].id if e in users else None)
                for e in listed]
    return [(u.email, u.name, u.id) for u in session.scalars(
        select(User).where(User.role == Role.MANAGER, User.active.is_(True)).order_by(User.id))]


def build_digest(session: DbSession, now: datetime, config: Mapping[str, Any]) -> Digest:
    since = now - timedelta(days=7)
    cold_days = int(config.get("DIGEST_COLD_DAYS", 60))
    digest = Digest(week_label(now), since, now, cold_days=cold_days)
    digest.coming = list(session.scalars(
        select(Touchpoint).where(Touchpoint.status == TouchpointStatus.PLANNED,
                                 Touchpoint.planned_at >= now,
                                 Touchpoint.planned_at < now + timedelta(days=COMING_DAYS))
        .order_by(Touchpoint.planned_at)))
    last = (select(Engagement.organisation_id, func.max(Engagement.occurred_at).label("last"))
            .where(engaged_engagement())
            .group_by(Engagement.organisation_id).subquery())
    cold_query = (select(Organisation.name, Organisation.preferred_name, Organisation.ods_code,
                         last.c.last)
                  .join(last, last.c.organisation_id == Organisation.id)
                  .where(Organisation.status == OrgStatus.ACTIVE,
                         last.c.last < now - timedelta(days=cold_days)))
    digest.cold_count = session.scalar(
        select(func.count()).select_from(cold_query.subquery())) or 0
    digest.cold = [(shown_name(name, preferred), code, at) for name, preferred, code, at
                   in session.execute(cold_query.order_by(last.c.last, Organisation.sort_key)
                                      .limit(LISTED))]
    digest.scans, digest.scan_organisations = session.execute(
        select(func.count(), func.count(func.distinct(Engagement.organisation_id)))
        .where(Engagement.source == EngagementSource.QR_SCAN, Engagement.occurred_at >= since,
               Engagement.occurred_at < now, live_engagement())).one()
    digest.referrals = new_referrals(session, since, now)
    return digest


def new_referrals(session: DbSession, since: datetime, until: datetime) -> int | None:
    """Referrals dated in the last week, once the uptake feature is installed; else None."""
    if importlib.util.find_spec("engage.uptake.models") is None:
        return None
    from engage.uptake import models as uptake

    referral = getattr(uptake, "Referral", None)
    if referral is None or not hasattr(referral, "referred_on"):
        return None
    first = since.astimezone(LONDON).date()
    last = until.astimezone(LONDON).date()
    return int(session.scalar(select(func.coalesce(func.sum(referral.count), 0)).where(
        referral.referred_on >= first, referral.referred_on <= last)) or 0)


def queue_digest(session: DbSession, *, now: datetime, config: Mapping[str, Any]) -> int:
    """The digest step: queue this week's digest to each recipient once it is due."""
    if not config.get("DIGEST_ENABLED", True) or now < due_at(now, config):
        return 0
    people = recipients(session, config)
    if not people:
        return 0
    digest = build_digest(session, now, config)
    base_url = str(config.get("PUBLIC_BASE_URL", ""))
    done = queue_many(session, [Email(
        idempotency_key=keys.digest_key(digest.week, user_id or 0)
        if user_id else f"digest:{digest.week}:{email}",
        to_email=email, to_name=name, template="digest",
        context={"digest": digest, "name": name, "base_url": base_url},
        send_after=now, kind="digest", user_id=user_id, send_ref=sends.DIGEST,
    ) for email, name, user_id in people], now=now)
    queued = done.written
    session.commit()
    return queued
