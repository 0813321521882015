"""Demo steps for the service catalogue and a year of outreach shaped like the pilot.

The launch campaign runs from June 2021 to June 2022: monthly newsletters to the practices on
the mailing list (which grows through the year), quarterly bulletins to pharmacies, about ten
webinars with their invitations and attendance, practice visits, poster runs, practice-manager
updates at the forum and Facebook group posts. Reach grows to most practices and pharmacies,
pharmacies reached less often: most pharmacies are contacted (bulletins, posters), fewer engage
(a webinar now and then, a visit, a poster scan), and the targets say so in both tiers.
Everything goes through the same logic the pages use (`create_touchpoint`, `record_reach`),
marked as demo data, and is generated from fixed seeds: loading twice changes nothing, and
every installation gets the same year.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import select

from engage.auth.accounts import find_user
from engage.campaigns.dates import london_to_utc
from engage.campaigns.editing import CampaignFields, add_target, create_campaign
from engage.campaigns.ledger import Reach, record_reach
from engage.campaigns.models import (
    Campaign,
    CampaignStatus,
    Channel,
    EngagementKind,
    EngagementSource,
    EngagementTier,
    TargetMeasure,
    Touchpoint,
)
from engage.campaigns.touchpoints import TouchpointFields, create_touchpoint
from engage.catalogue.models import Service
from engage.catalogue.seed import seed_catalogue
from engage.demo.context import DemoContext
from engage.directory.models import Locality, Organisation, OrgKind, OrgStatus

CAMPAIGN = "OH service launch 2021-22"
START, END = date(2021, 6, 1), date(2022, 6, 30)
MONTHS = 13  # June 2021 to June 2022
MANAGER = "manager@example.org"
ALL_SERVICES = "*"
WEBINARS = (
    ("Introducing occupational health for primary care", ["performance-and-attendance-management",
                                                          "pre-employment-assessment"]),
    ("Managing sickness absence with OH support", ["performance-and-attendance-management"]),
    ("The Wellbeing App: a walkthrough", ["wellbeing-app"]),
    ("Sharps injuries: what to do, day or night", ["sharps-line"]),
    ("Pre-employment checks without the wait", ["pre-employment-assessment"]),
    ("Staff immunisations: what practices need", ["immunisation-programme"]),
    ("The Employee Assistance Programme for your team", ["employee-assistance-programme"]),
    ("Ill health retirement explained", ["ill-health-retirement"]),
    ("The Medical Helpline for practice managers", ["medical-helpline"]),
    ("OH for community pharmacy teams", [ALL_SERVICES]),
)


def catalogue(ctx: DemoContext) -> str:
    """The pilot's eight services, as `flask catalogue seed` adds them."""
    added = seed_catalogue(ctx.session)
    return f"Catalogue: added {added} services." if added else "Catalogue: already there."


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return london_to_utc(datetime(day.year, day.month, day.day, hour, minute))


def _month(n: int) -> date:
    """The first day of the campaign's nth month (0 = June 2021)."""
    year, month = divmod(START.month - 1 + n, 12)
    return date(START.year + year, month + 1, 1)


def _weekday(first: date, weekday: int, week: int = 0) -> date:
    """The `week`th `weekday` (0 = Monday) on or after `first`."""
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * week)


class _Year:
    """The demo year's organisations, when each joined the mailing list, and what is written."""

    def __init__(self, ctx: DemoContext, campaign: Campaign, manager_id: int | None) -> None:
        self.ctx, self.campaign, self.manager_id = ctx, campaign, manager_id
        self.services = {s.seed_key: s for s in ctx.session.scalars(select(Service))
                         if s.seed_key}
        orgs = list(ctx.session.scalars(
            select(Organisation).where(Organisation.status == OrgStatus.ACTIVE)
            .order_by(Organisation.ods_code)))
        self.practices = [o for o in orgs if o.kind is OrgKind.GP_PRACTICE]
        self.pharmacies = [o for o in orgs if o.kind is OrgKind.COMMUNITY_PHARMACY]
        self.federations = [o for o in orgs if o.kind is OrgKind.GP_FEDERATION]
        # The month each joined the mailing list (None: never). Practices join early and
        # nearly all do; pharmacies later, and a quarter never do.
        self.joined: dict[int, int | None] = {}
        for org in self.practices + self.federations:
            r = ctx.random("joined", org.ods_code).random()
            self.joined[org.id] = None if r > 0.93 else math.floor(11 * (r / 0.93) ** 1.15)
        for org in self.pharmacies:
            r = ctx.random("joined", org.ods_code).random()
            self.joined[org.id] = None if r > 0.76 else 1 + math.floor(11 * (r / 0.76) ** 1.2)
        self.rows = 0
        self.touchpoints = 0

    def on_list(self, orgs: Iterable[Organisation], month: int) -> list[Organisation]:
        return [o for o in orgs if (j := self.joined.get(o.id)) is not None and j <= month]

    def touchpoint(self, channel: Channel, title: str, when: datetime, services: list[str],
                   minutes: int | None = None, location: str = "") -> Touchpoint:
        chosen = list(self.services.values()) if services == [ALL_SERVICES] else [
            self.services[key] for key in services if key in self.services]
        fields = TouchpointFields(channel=channel, title=title, planned_at=when, actual_at=when,
                                  duration_minutes=minutes, location=location,
                                  campaign=self.campaign, services=chosen,
                                  owner_id=self.manager_id)
        self.touchpoints += 1
        return create_touchpoint(self.ctx.session, fields, self.manager_id, self.ctx.now)

    def reach(self, touchpoint: Touchpoint, kind: EngagementKind,
              who: Iterable[tuple[Organisation, int]], when: datetime | None = None) -> None:
        reaches = [Reach(org.id, kind, people, source_ref=f"demo:{touchpoint.id}:{kind}:{org.id}")
                   for org, people in who]
        self.rows += record_reach(
            self.ctx.session, reaches, occurred_at=when or touchpoint.when or self.ctx.now,
            channel=touchpoint.channel, touchpoint=touchpoint, source=EngagementSource.DEMO,
            user_id=self.manager_id, now=self.ctx.now)


def _newsletters(year: _Year) -> None:
    for n in range(MONTHS):
        when = _at(_weekday(_month(n), 1), 10)  # the first Tuesday, 10am
        tp = year.touchpoint(Channel.NEWSLETTER, f"OH newsletter, {_month(n):%B %Y}", when,
                             ["performance-and-attendance-management", "wellbeing-app"])
        year.reach(tp, EngagementKind.RECEIVED,
                   ((o, 0) for o in year.on_list(year.practices + year.federations, n)))
        if n % 3 == 1:  # pharmacies: a quarterly bulletin
            tp = year.touchpoint(Channel.EMAIL_BULLETIN, f"Pharmacy bulletin, {_month(n):%B %Y}",
                                 when + timedelta(days=2),
                                 ["sharps-line", "immunisation-programme"])
            year.reach(tp, EngagementKind.RECEIVED, ((o, 0) for o in year.on_list(
                year.pharmacies, n)))


def _webinars(year: _Year) -> None:
    for n, (title, services) in enumerate(WEBINARS):
        month = 1 + (n * 12) // len(WEBINARS)
        when = _at(_weekday(_month(month), 2, 2), 12, 30)  # the third Wednesday, 12:30
        tp = year.touchpoint(Channel.WEBINAR, title, when, services, 60, "Microsoft Teams")
        rng = year.ctx.random("webinar", n)
        invited = year.on_list(year.practices + (year.pharmacies if n % 3 == 2 else []), month)
        year.reach(tp, EngagementKind.INVITED, ((o, 0) for o in invited),
                   when=when - timedelta(days=14))
        came = rng.sample(invited, min(len(invited), rng.randint(5, 18)))
        year.reach(tp, EngagementKind.ATTENDED, ((o, rng.randint(1, 3)) for o in came))


def _visits(year: _Year) -> None:
    rng = year.ctx.random("visits")
    candidates = list(year.practices) + rng.sample(year.pharmacies, min(6, len(year.pharmacies)))
    visited = rng.sample(candidates, min(36, len(candidates)))
    for n, org in enumerate(visited):
        day = START + timedelta(days=7 + (n * 355) // max(len(visited), 1))
        while day.weekday() > 3:  # Monday to Thursday
            day += timedelta(days=1)
        tp = year.touchpoint(Channel.PRACTICE_VISIT, f"Visit: {org.display_name}",
                             _at(day, 13, 30), ["performance-and-attendance-management"], 45,
                             org.display_name)
        year.reach(tp, EngagementKind.VISITED, [(org, rng.randint(2, 8))])


def _posters_updates_posts(year: _Year) -> None:
    for n, month in enumerate((3, 7, 10)):  # poster runs: September, January, April
        when = _at(_weekday(_month(month), 0, 1), 9)
        tp = year.touchpoint(Channel.POSTER, f"Poster and leaflet run {n + 1}", when,
                             ["sharps-line", "wellbeing-app", "employee-assistance-programme"])
        year.reach(tp, EngagementKind.RECEIVED, ((o, 0) for o in year.on_list(
            year.practices + year.pharmacies, month)))
    rng = year.ctx.random("forum")
    for month in range(1, MONTHS, 2):  # the practice managers' forum, every other month
        when = _at(_weekday(_month(month), 3, 1), 14)
        tp = year.touchpoint(Channel.PM_UPDATE, f"Practice managers' forum update, "
                             f"{_month(month):%B %Y}", when,
                             ["performance-and-attendance-management", "medical-helpline"], 15)
        present = year.on_list(year.practices, month)
        year.reach(tp, EngagementKind.ATTENDED,
                   ((o, 1) for o in rng.sample(present, len(present) * 11 // 20)))
    group = year.ctx.random("facebook").sample(year.practices, len(year.practices) // 3)
    for month in range(MONTHS):
        when = _at(_weekday(_month(month), 4, 1), 19)
        tp = year.touchpoint(Channel.FACEBOOK, f"Facebook group post, {_month(month):%B %Y}",
                             when, ["wellbeing-app", "employee-assistance-programme"])
        year.reach(tp, EngagementKind.POSTED, ((o, 0) for o in group[:8 + 2 * month]))


def _targets(ctx: DemoContext, campaign: Campaign, practices: list[Organisation]) -> None:
    per_locality: dict[int, int] = {}
    for org in practices:
        if org.locality_id is not None:
            per_locality[org.locality_id] = per_locality.get(org.locality_id, 0) + 1
    names = dict(ctx.session.execute(select(Locality.id, Locality.name)).all())
    for locality_id in sorted(per_locality, key=lambda i: names.get(i, "")):
        add_target(ctx.session, campaign, target_count=math.ceil(per_locality[locality_id] * 0.8),
                   due_date=END, locality_id=locality_id, kind=OrgKind.GP_PRACTICE)
    if practices:
        add_target(ctx.session, campaign, target_count=math.ceil(len(practices) / 2),
                   due_date=date(2021, 12, 31), kind=OrgKind.GP_PRACTICE)
    pharmacies = ctx.session.scalars(select(Organisation.id).where(
        Organisation.kind == OrgKind.COMMUNITY_PHARMACY,
        Organisation.status == OrgStatus.ACTIVE)).all()
    if pharmacies:
        # Pharmacies in the launch year: most should hear from us, half should take part.
        add_target(ctx.session, campaign, target_count=80, measure=TargetMeasure.PERCENT,
                   tier=EngagementTier.CONTACTED, due_date=END, kind=OrgKind.COMMUNITY_PHARMACY)
        add_target(ctx.session, campaign, target_count=50, measure=TargetMeasure.PERCENT,
                   due_date=END, kind=OrgKind.COMMUNITY_PHARMACY)


def launch_campaign(ctx: DemoContext) -> str:
    """The launch campaign and its year of outreach; left alone once it exists."""
    if ctx.session.scalar(select(Campaign.id).where(Campaign.name == CAMPAIGN)) is not None:
        return "Outreach: the launch campaign is already there."
    manager = find_user(ctx.session, MANAGER)
    services = list(ctx.session.scalars(select(Service).where(Service.retired.is_(False))
                                        .order_by(Service.sort_order)))
    fields = CampaignFields(
        name=CAMPAIGN, start_date=START, end_date=END, owner_id=manager.id if manager else None,
        status=CampaignStatus.COMPLETED if ctx.now.date() > END else CampaignStatus.ACTIVE,
        objective="Make every GP practice, federation and community pharmacy in Cambridgeshire "
                  "and Peterborough aware of the occupational health service in its first "
                  "year, and how their staff and managers can use it.",
        services=services,
        kinds=[OrgKind.GP_PRACTICE, OrgKind.GP_FEDERATION, OrgKind.COMMUNITY_PHARMACY])
    campaign = create_campaign(ctx.session, fields, now=ctx.now)
    year = _Year(ctx, campaign, manager.id if manager else None)
    if not (year.practices or year.pharmacies):
        return ("Outreach: the launch campaign is added, without outreach: the directory has no "
                "practices or pharmacies yet.")
    _targets(ctx, campaign, year.practices)
    for step in (_newsletters, _webinars, _visits, _posters_updates_posts):
        step(year)
    ctx.session.flush()
    return (f"Outreach: added the campaign {CAMPAIGN!r} with {year.touchpoints} touchpoints and "
            f"{year.rows} engagement records.")
