"""Demo reminders (a `flask demo load` step, or `flask reminders demo` on its own): a winter
campaign with a webinar coming up, its reminder and follow-ups, a nudge rule, and a bulletin
sent through the real bulletin step (the scheduler that `make run` starts delivers it to /mailbox).

It is a command of its own rather than a step of `flask demo load`, whose tests describe the
demo as exactly the launch year (one campaign, every touchpoint done, demo-sourced records)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from engage.campaigns.editing import CampaignFields, create_campaign
from engage.campaigns.ledger import Reach, record_reach
from engage.campaigns.models import (
    Campaign,
    CampaignStatus,
    Channel,
    EngagementKind,
    EngagementSource,
)
from engage.campaigns.touchpoints import TouchpointFields, create_touchpoint
from engage.catalogue.models import Service
from engage.demo.context import DemoContext
from engage.directory.models import Locality, Organisation, OrgKind, OrgStatus
from engage.reminders.bulletins import (
    BulletinFields,
    save_bulletin,
    schedule_bulletin,
    send_bulletin,
)
from engage.reminders.models import OffsetUnit, ReminderRule, RuleKind
from engage.timezone import LONDON

CAMPAIGN = "Winter wellbeing (reminders demo)"
BULLETIN = """## Looking after your team this winter

The occupational health service can help your staff stay well through the busy months:

- **Manager referrals** when someone is off sick or struggling at work
- **Health surveillance** and vaccinations for clinical staff
- A confidential **helpline** for anyone in the practice

Book a place on the winter webinar, or reply to this email and we will call you.
"""


def winter_campaign(ctx: DemoContext) -> str:
    """The reminders demo; left alone once it exists."""
    session = ctx.session
    if session.scalar(select(Campaign.id).where(Campaign.name == CAMPAIGN)) is not None:
        return "Reminders: the winter campaign is already there."
    locality = session.scalars(select(Locality).order_by(Locality.name)).first()
    today = ctx.now.astimezone(LONDON).date()
    campaign = create_campaign(session, CampaignFields(
        name=CAMPAIGN, start_date=today - timedelta(days=45), end_date=today + timedelta(days=120),
        status=CampaignStatus.ACTIVE, kinds=[OrgKind.GP_PRACTICE],
        locality_ids=[locality.id] if locality else [],
        services=list(session.scalars(select(Service).where(Service.retired.is_(False))
                                      .order_by(Service.sort_order).limit(3))),
        objective="Remind practices of the service before winter pressures peak."), now=ctx.now)
    practices = list(session.scalars(
        select(Organisation.id).where(Organisation.kind == OrgKind.GP_PRACTICE,
                                      Organisation.status == OrgStatus.ACTIVE,
                                      *([Organisation.locality_id == locality.id]
                                        if locality else []))
        .order_by(Organisation.ods_code)))
    if not practices:
        return "Reminders: added the winter campaign; the directory has no practices to invite."
    day = today + timedelta(days=10)
    starts = datetime.combine(day, time(12, 30), tzinfo=LONDON).astimezone(UTC)
    webinar = create_touchpoint(session, TouchpointFields(
        channel=Channel.WEBINAR, title="Winter wellbeing webinar for practice managers",
        planned_at=starts, duration_minutes=45, location="Microsoft Teams (link in the invitation)",
        campaign=campaign), None, ctx.now)
    invited = practices[:12]
    record_reach(session, [Reach(org, EngagementKind.INVITED, source_ref=f"demo-invite:{org}")
                           for org in invited],
                 occurred_at=ctx.now - timedelta(days=2), channel=Channel.WEBINAR,
                 touchpoint=webinar, source=EngagementSource.DEMO, now=ctx.now)
    for kind, amount, unit, business in (
            (RuleKind.REMINDER, 1, OffsetUnit.DAYS, True),
            (RuleKind.REMINDER, 1, OffsetUnit.HOURS, False),
            (RuleKind.FOLLOW_UP_ATTENDED, 1, OffsetUnit.DAYS, True),
            (RuleKind.FOLLOW_UP_ABSENT, 2, OffsetUnit.DAYS, True)):
        session.add(ReminderRule(kind=kind, touchpoint_id=webinar.id, offset_amount=amount,
                                 offset_unit=unit, business_hours=business, created_at=ctx.now))
    session.add(ReminderRule(kind=RuleKind.NUDGE, campaign_id=campaign.id, quiet_days=60,
                             period_days=30, offset_amount=0, business_hours=True,
                             created_at=ctx.now))
    bulletin = save_bulletin(session, campaign, BulletinFields(
        "Looking after your team this winter", BULLETIN, Channel.EMAIL_BULLETIN), None, ctx.now)
    schedule_bulletin(session, bulletin, ctx.now, None, ctx.now)
    sent = send_bulletin(session, bulletin, now=ctx.now)
    return (f"Reminders: added the winter campaign with a webinar ({len(invited)} practices "
            f"invited, a reminder and follow-ups), a nudge rule and a bulletin sent to {sent} "
            "people (delivered to /mailbox by the scheduler).")
