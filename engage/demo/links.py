"""Demo step for the links feature: poster codes for the launch campaign's poster runs, with a
year of generated scans, misses and awareness answers.

Everything here is demo data: the ledger rows it writes are marked `EngagementSource.DEMO`, the
phone numbers it gives the helplines are from Ofcom's range reserved for drama (they connect to
nobody), and the visitor keys are random, not made from any address. Scans are written in bulk
so `flask demo load` stays fast; awareness of a service grows through the year, as the pilot's
evaluation hoped it would.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select

from engage.campaigns.models import (
    Campaign,
    Channel,
    Engagement,
    EngagementKind,
    EngagementSource,
    Touchpoint,
)
from engage.catalogue.models import Service
from engage.demo.context import DemoContext
from engage.demo.outreach import CAMPAIGN, END
from engage.directory.models import Organisation, OrgKind
from engage.links.codes import ALPHABET, LENGTH
from engage.links.models import (
    AwarenessAnswer,
    Device,
    Medium,
    MissReason,
    Scan,
    ScanMiss,
    ScanVisitor,
    ShortLink,
)
from engage.timezone import LONDON

# Ofcom's numbers for drama (03069 990000 to 990999): they can never reach a real person.
DEMO_PHONES = {
    "sharps-line": "0306 999 0123",
    "medical-helpline": "0306 999 0456",
    "employee-assistance-programme": "0306 999 0789",
}
RUN_SERVICES = ("sharps-line", "wellbeing-app", "employee-assistance-programme")
ORGANISATIONS_PER_RUN = 40


def _code(rng: object, taken: set[str]) -> str:
    while True:
        code = "".join(rng.choice(ALPHABET) for _ in range(LENGTH))  # type: ignore[attr-defined]
        if code not in taken:
            taken.add(code)
            return code


def poster_scans(ctx: DemoContext) -> str:
    """Poster codes per practice for the poster runs, and their scans through the year."""
    session = ctx.session
    if session.scalar(select(ShortLink.id).limit(1)) is not None:
        return "Links: poster codes are already there."
    for slug, phone in DEMO_PHONES.items():
        service = session.scalar(select(Service).where(Service.slug == slug))
        if service is not None and not service.phone:
            service.phone = phone
    campaign = session.scalar(select(Campaign).where(Campaign.name == CAMPAIGN))
    if campaign is None:
        return "Links: no launch campaign, so no poster codes."
    runs = session.scalars(
        select(Touchpoint).where(Touchpoint.campaign_id == campaign.id,
                                 Touchpoint.channel == Channel.POSTER)
        .order_by(Touchpoint.planned_at)).all()
    organisations = session.scalars(
        select(Organisation).where(Organisation.kind.in_(
            [OrgKind.GP_PRACTICE, OrgKind.COMMUNITY_PHARMACY])).order_by(Organisation.ods_code)
    ).all()
    services = {s.slug: s for s in session.scalars(select(Service))}
    if not runs or not organisations:
        return "Links: no poster runs or organisations, so no poster codes."
    last_day = min(ctx.now.astimezone(LONDON).date(), END + timedelta(days=60))
    taken: set[str] = set()
    links: list[ShortLink] = []
    for n, run in enumerate(runs):
        rng = ctx.random("links", run.id)
        service = services.get(RUN_SERVICES[n % len(RUN_SERVICES)])
        for organisation in rng.sample(list(organisations),
                                       min(ORGANISATIONS_PER_RUN, len(organisations))):
            links.append(ShortLink(
                code=_code(rng, taken), service=service, organisation=organisation,
                touchpoint=run, medium=Medium.QR, created_at=run.when or ctx.now))
    session.add_all(links)
    session.flush()

    scans: list[dict[str, object]] = []
    visitors: list[dict[str, object]] = []
    ledger: list[dict[str, object]] = []
    answers: list[dict[str, object]] = []
    answered: set[tuple[int, date, str]] = set()
    year_start = min((run.when or ctx.now) for run in runs).astimezone(LONDON).date()
    for link in links:
        rng = ctx.random("scans", link.code)
        start = (link.touchpoint.when or ctx.now).astimezone(LONDON).date()  # type: ignore[union-attr]
        span = (last_day - start).days
        if span <= 0:
            continue
        # Most scans come in the weeks after the posters go up, then a trickle.
        for _ in range(rng.choice((0, 1, 2, 3, 4, 6, 8, 12))):
            day = start + timedelta(days=min(span, int(rng.expovariate(1 / 25))))
            day_visitors = [secrets.token_hex(16) for _ in range(rng.randint(1, 4))]
            for key in day_visitors:
                visitors.append({"link_id": link.id, "day": day, "visitor_key": key})
                for _ in range(rng.choice((1, 1, 1, 2))):
                    at = datetime.combine(day, time(rng.randint(7, 18), rng.randint(0, 59)),
                                          LONDON).astimezone(UTC)
                    device = Device.MOBILE if rng.random() < 0.85 else Device.DESKTOP
                    scans.append({"link_id": link.id, "at": at, "day": day, "device": device,
                                  "visitor_key": key})
                if link.service is not None and rng.random() < 0.35:
                    known = (link.service.id, day, key)
                    if known not in answered:
                        answered.add(known)
                        progress = (day - year_start).days / 400
                        answers.append({
                            "service_id": link.service.id, "link_id": link.id,
                            "organisation_id": link.organisation_id,
                            "knew_before": rng.random() < 0.2 + 0.4 * progress,
                            "at": datetime.combine(day, time(12), LONDON).astimezone(UTC),
                            "day": day, "visitor_key": key})
            if rng.random() < 0.1:  # now and then a link previewer in a chat group
                scans.append({"link_id": link.id, "at": datetime.combine(day, time(9), LONDON)
                              .astimezone(UTC), "day": day, "device": Device.BOT,
                              "visitor_key": secrets.token_hex(16)})
            ledger.append({
                "organisation_id": link.organisation_id,
                "occurred_at": datetime.combine(day, time(9), LONDON).astimezone(UTC),
                "channel": Channel.POSTER, "kind": EngagementKind.SCANNED,
                "people": len(day_visitors), "touchpoint_id": link.touchpoint_id,
                "campaign_id": campaign.id, "source": EngagementSource.DEMO,
                "source_ref": f"link:{link.id}:{day}", "counted": True, "void_reason": "",
                "note": "Demo data: generated poster scans", "created_at": ctx.now})
    # The same link scanned twice on one day makes one ledger row with everyone in it.
    merged: dict[str, dict[str, object]] = {}
    for row in ledger:
        ref = str(row["source_ref"])
        if ref in merged:
            merged[ref]["people"] = int(merged[ref]["people"]) + int(row["people"])  # type: ignore[call-overload]
        else:
            merged[ref] = row
    unique_visitors = {(v["link_id"], v["day"], v["visitor_key"]): v for v in visitors}
    misses = [{"code": _code(ctx.random("misses", n), taken), "link_id": None,
               "reason": MissReason.UNKNOWN, "at": ctx.now - timedelta(days=n * 9),
               "day": (ctx.now - timedelta(days=n * 9)).astimezone(LONDON).date(),
               "device": Device.MOBILE} for n in range(5)]
    for table, rows in ((Scan, scans), (ScanVisitor, list(unique_visitors.values())),
                        (Engagement, list(merged.values())), (AwarenessAnswer, answers),
                        (ScanMiss, misses)):
        for start in range(0, len(rows), 1000):
            session.execute(insert(table.__table__), rows[start:start + 1000])  # type: ignore[attr-defined]
    return (f"Links: {len(links)} poster codes with {len(scans)} scans, "
            f"{len(answers)} awareness answers and {len(misses)} mistyped codes (demo data).")
