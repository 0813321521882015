"""Benchmark: the campaign page and an organisation's timeline over a national-scale ledger.

Builds a migrated SQLite database with 20,000 organisations and 1,000,000 engagement records
(four yearly campaigns of newsletters, practice-manager updates, poster runs, webinars, visits
and Facebook posts, plus stand-alone touchpoints and campaign-less QR scans), then renders, each
`--repeat` times through the Flask test client signed in as a manager:

- a trivial page (the service catalogue: sign-in check, layout, demo banner): the baseline;
- the raw SQL behind the campaign page's progress (one grouped pass over the audience);
- the campaign page of the latest campaign (progress, targets, reach by locality and kind,
  touchpoints, unreached organisations), and the campaign list (each campaign's reach);
- the organisation page with its outreach timeline, for a typical organisation and for the one
  with the most records.

It prints the median and 95th percentile of each and exits non-zero when the campaign page or
a timeline misses the 300 ms median target.

    .venv/bin/python bench/campaign_pages.py [--orgs 20000] [--rows 1000000] [--repeat 20]
                                             [--keep PATH]
"""

from __future__ import annotations

import argparse
import gc
import logging
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from engage import create_app  # noqa: E402
from engage.auth.accounts import create_user  # noqa: E402
from engage.auth.models import Role  # noqa: E402
from engage.campaigns.models import (  # noqa: E402
    Campaign,
    CampaignStatus,
    CampaignTarget,
    Channel,
    Engagement,
    EngagementKind,
    EngagementSource,
    Touchpoint,
    TouchpointStatus,
    tier_for,
)
from engage.campaigns.progress import _group_counts  # noqa: E402
from engage.catalogue.models import Service  # noqa: E402
from engage.catalogue.seed import seed_catalogue  # noqa: E402
from engage.directory.bulk import BulkTable  # noqa: E402
from engage.directory.models import Locality, Organisation, OrgKind, OrgStatus  # noqa: E402
from engage.extensions import db  # noqa: E402

TARGET_MS = 300.0
PASSWORD = "bench password that is long enough"  # noqa: S105 - a throwaway local database
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
KINDS = [(OrgKind.GP_PRACTICE, 0.35), (OrgKind.COMMUNITY_PHARMACY, 0.6),
         (OrgKind.GP_FEDERATION, 0.025), (OrgKind.OTHER, 0.025)]


def timed(label: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(step: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            result = step(*args, **kwargs)
            print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)
            return result
        return run
    return wrap


@timed("organisations")
def add_organisations(count: int, rng: random.Random) -> list[tuple[int, OrgKind]]:
    localities = [Locality(name=f"Locality {n:02d}") for n in range(1, 41)]
    db.session.add_all(localities)
    db.session.flush()
    bulk = BulkTable(db.session, Organisation.__table__)
    names = ("ods_code", "name", "kind", "status", "locality_id", "pcn", "address", "postcode")
    kinds, weights = zip(*KINDS, strict=True)
    rows = []
    for n in range(count):
        kind = rng.choices(kinds, weights)[0]
        status = OrgStatus.CLOSED if rng.random() < 0.02 else OrgStatus.ACTIVE
        locality = rng.choice(localities).id
        rows.append((f"B{n:05d}", f"Bench {kind.label} {n:05d}", bulk.db_value("kind", kind),
                     bulk.db_value("status", status), locality,
                     f"PCN {locality:02d}-{rng.randint(1, 30):02d}", f"{n} High Street\nTOWN",
                     "AB1 2CD"))
    now = NOW
    bulk.insert(names, rows, constants={
        "phone": "", "commissioner": "", "source": "manual", "created_at": now,
        "updated_at": now})
    return list(db.session.execute(
        select(Organisation.id, Organisation.kind).where(Organisation.status == OrgStatus.ACTIVE)))


def campaign_plan(year: int) -> Iterator[tuple[Channel, EngagementKind, str, datetime, float]]:
    """(channel, kind, title, when, share of the audience reached) for one campaign year."""
    start = datetime(year, 6, 1, 9, 0, tzinfo=UTC)
    for month in range(12):
        when = start + timedelta(days=30 * month)
        share = 0.3 + 0.55 * month / 11  # the mailing list grows over the year
        yield Channel.NEWSLETTER, EngagementKind.RECEIVED, f"Newsletter {month + 1}", when, share
        if month % 2 == 0:
            yield (Channel.PM_UPDATE, EngagementKind.RECEIVED, f"PM update {month // 2 + 1}",
                   when + timedelta(days=7), 0.25)
        if month % 4 == 1:
            yield (Channel.POSTER, EngagementKind.RECEIVED, f"Poster run {month // 4 + 1}",
                   when + timedelta(days=10), 0.4)
        yield (Channel.FACEBOOK, EngagementKind.POSTED, f"Facebook post {month + 1}",
               when + timedelta(days=3), 0.04)
    for n in range(40):
        yield (Channel.WEBINAR, EngagementKind.INVITED, f"Webinar {n + 1}",
               start + timedelta(days=8 * n + 2), 0.025)
    for n in range(300):
        yield (Channel.PRACTICE_VISIT, EngagementKind.VISITED, f"Visit {n + 1}",
               start + timedelta(days=n, hours=2), 0.0)


@timed("campaigns, touchpoints and 1,000,000 ledger rows")
def add_outreach(orgs: list[tuple[int, OrgKind]], total_rows: int, rng: random.Random) -> int:
    services = list(db.session.scalars(select(Service)))
    org_ids = [org_id for org_id, _ in orgs]
    practices = [org_id for org_id, kind in orgs if kind is OrgKind.GP_PRACTICE]
    bulk = BulkTable(db.session, Engagement.__table__)
    names = ("organisation_id", "occurred_at", "channel", "kind", "people", "touchpoint_id",
             "campaign_id", "counted", "voided_at", "tier")
    constants = {"source": EngagementSource.MANUAL, "void_reason": "", "note": "",
                 "created_at": NOW}
    rows: list[tuple[Any, ...]] = []
    per_campaign = int(total_rows * 0.92 / 4)
    for year in (2021, 2022, 2023, 2024):
        campaign = Campaign(name=f"Outreach {year}-{(year + 1) % 100:02d}",
                            status=CampaignStatus.ACTIVE if year == 2024 else
                            CampaignStatus.COMPLETED,
                            start_date=date(year, 6, 1), end_date=date(year + 1, 5, 31),
                            audience_kinds=[], audience_locality_ids=[], audience_pcns=[],
                            services=services[:5])
        db.session.add(campaign)
        db.session.flush()
        for quarter in range(4):  # quarterly targets per locality and for practices
            due = date(year, 8, 31) + timedelta(days=91 * quarter)
            campaign.targets.append(CampaignTarget(kind=OrgKind.GP_PRACTICE.value,
                                                   target_count=1500 * (quarter + 1),
                                                   due_date=due))
        for locality_id in range(1, 41):
            campaign.targets.append(CampaignTarget(locality_id=locality_id, target_count=300,
                                                   due_date=date(year + 1, 5, 31)))
        plan = list(campaign_plan(year))
        weight = sum(share for *_, share in plan) or 1
        scale = per_campaign / (weight * len(org_ids))
        start_rows = len(rows)
        for channel, kind, title, when, share in plan:
            touchpoint = Touchpoint(campaign_id=campaign.id, channel=channel, title=title,
                                    planned_at=when, actual_at=when, status=TouchpointStatus.DONE)
            db.session.add(touchpoint)
            db.session.flush()
            if channel is Channel.PRACTICE_VISIT:
                reached = [rng.choice(practices)]
            else:
                reached = rng.sample(org_ids, min(len(org_ids), int(len(org_ids) * share * scale)))
            at = bulk.db_value("occurred_at", when)
            for org_id in reached:
                rows.append((org_id, at, channel, kind, 1 if kind is not EngagementKind.RECEIVED
                             else 0, touchpoint.id, campaign.id, 1, None))
        print(f"    {campaign.name}: {len(rows) - start_rows:,} rows", flush=True)
    # Stand-alone Facebook posts about a promoted service, and campaign-less QR scans.
    for month in range(48):
        when = datetime(2021, 6, 15, 19, 0, tzinfo=UTC) + timedelta(days=30 * month)
        touchpoint = Touchpoint(channel=Channel.FACEBOOK, title=f"Wellbeing post {month + 1}",
                                planned_at=when, actual_at=when, status=TouchpointStatus.DONE,
                                services=services[3:4])
        db.session.add(touchpoint)
        db.session.flush()
        at = bulk.db_value("occurred_at", when)
        for org_id in rng.sample(org_ids, 600):
            rows.append((org_id, at, Channel.FACEBOOK, EngagementKind.POSTED, 0, touchpoint.id,
                         None, 1, None))
    busiest = org_ids[0]
    while len(rows) < total_rows:  # QR scans, a fifth of them on one very busy practice
        when = datetime(2021, 6, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 4 * 525_600))
        org_id = busiest if rng.random() < 0.2 else rng.choice(org_ids)
        rows.append((org_id, bulk.db_value("occurred_at", when), Channel.OTHER,
                     EngagementKind.SCANNED, 1, None, None, 1, None))
    rows = rows[:total_rows]
    # A little of what real ledgers hold: machine opens kept but not counted, and corrections.
    voided_at = bulk.db_value("voided_at", NOW)
    for i in rng.sample(range(len(rows)), len(rows) // 50):
        rows[i] = (*rows[i][:7], 0, None)
    for i in rng.sample(range(len(rows)), len(rows) // 100):
        rows[i] = (*rows[i][:8], voided_at)
    enum_cache: dict[Any, Any] = {}

    def db_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
        channel, kind = row[2], row[3]
        if channel not in enum_cache:
            enum_cache[channel] = bulk.db_value("channel", channel)
        if kind not in enum_cache:
            enum_cache[kind] = bulk.db_value("kind", kind)
        tier = tier_for(kind, counted=bool(row[7]))
        if tier not in enum_cache:
            enum_cache[tier] = bulk.db_value("tier", tier)
        return (row[0], row[1], enum_cache[channel], enum_cache[kind], *row[4:], enum_cache[tier])

    rows = [db_row(row) for row in rows]
    # Indexes are built once after the load, as a restore would: the same indexes the models
    # declare, so the pages are measured exactly as they would run.
    table = Engagement.__table__
    connection = db.session.connection()
    for index in table.indexes:
        connection.execute(text(f"DROP INDEX IF EXISTS {index.name}"))
    started = time.perf_counter()
    bulk.insert(names, rows, constants=constants)
    print(f"    inserted {len(rows):,} rows in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    for index in table.indexes:
        index.create(bind=connection)
    connection.execute(text("ANALYZE"))
    print(f"    indexes and ANALYZE in {time.perf_counter() - started:.1f} s", flush=True)
    return busiest


def build(url: str, orgs: int, total_rows: int) -> Flask:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_STORAGE_URI": "memory://",
                      "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
                      "LOG_LEVEL": "WARNING"})
    with app.app_context():
        upgrade()
        if db.session.scalar(select(func.count()).select_from(Engagement)):
            print("Using the existing database.")
            return app
        rng = random.Random(20_000)  # noqa: S311 - deterministic data, not secrets
        print("Building the database:")
        seed_catalogue(db.session)
        active = add_organisations(orgs, rng)
        add_outreach(active, total_rows, rng)
        create_user(db.session, "bench@example.org", PASSWORD, Role.MANAGER, name="Bench")
        db.session.commit()
        db.session.remove()
    return app


def measure(label: str, run: Callable[[], Any], repeat: int) -> tuple[str, float, float]:
    for _ in range(2):  # warm: statement caches, SQLite's page cache
        run()
    times = []
    gc.collect()
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    p95 = statistics.quantiles(times, n=20)[18] if len(times) >= 2 else times[0]
    return label, statistics.median(times), p95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", type=Path, default=None,
                        help="Build (or reuse) the database at this path instead of a temporary "
                             "one.")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory(prefix="engage-bench-") as tmp:
        path = args.keep or Path(tmp) / "campaigns.db"
        app = build(f"sqlite:///{path}", args.orgs, args.rows)
        with app.app_context():
            campaign = db.session.scalar(select(Campaign).order_by(Campaign.start_date.desc()))
            assert campaign is not None
            rows = db.session.scalar(select(func.count()).select_from(Engagement))
            counts = dict(db.session.execute(
                select(Engagement.organisation_id, func.count())
                .group_by(Engagement.organisation_id)).all())
            busiest = max(counts, key=lambda org_id: counts[org_id])
            typical = sorted(counts, key=lambda org_id: counts[org_id])[len(counts) // 2]
            codes = dict(db.session.execute(select(Organisation.id, Organisation.ods_code)
                                            .where(Organisation.id.in_([busiest, typical]))).all())
            campaign_id = campaign.id
            db.session.remove()
            client = app.test_client()
            response = client.post("/login", data={"email": "bench@example.org",
                                                   "password": PASSWORD})
            assert response.status_code == 302, response.status_code

            def get(url: str) -> Callable[[], None]:
                def run() -> None:
                    answer = client.get(url)
                    assert answer.status_code == 200, (url, answer.status_code)
                return run

            def progress_sql() -> None:
                _group_counts(db.session, db.session.get(Campaign, campaign_id))  # type: ignore[arg-type]
                db.session.remove()

            results = [
                measure("baseline: catalogue page", get("/catalogue/"), args.repeat),
                measure("baseline: progress SQL alone", progress_sql, args.repeat),
                measure("campaign page", get(f"/campaigns/{campaign_id}"), args.repeat),
                measure("campaign list (4 campaigns)", get("/campaigns/"), args.repeat),
                measure(f"timeline, typical org ({counts[typical]} rows)",
                        get(f"/directory/organisations/{codes[typical]}"), args.repeat),
                measure(f"timeline, busiest org ({counts[busiest]:,} rows)",
                        get(f"/directory/organisations/{codes[busiest]}"), args.repeat),
                measure("timeline, busiest org, last page",
                        get(f"/directory/organisations/{codes[busiest]}"
                            f"?timeline_page={(counts[busiest] + 24) // 25}"), args.repeat),
            ]
    print(f"\n{args.orgs:,} organisations, {rows:,} engagement records, {args.repeat} runs each")
    print(f"{'':44} {'median':>9} {'p95':>9}")
    for label, median, p95 in results:
        print(f"{label:44} {median:7.1f}ms {p95:7.1f}ms")
    missed = [label for label, median, _ in results[2:] if median > TARGET_MS
              and not label.startswith("campaign list")]
    print(f"target: campaign page and timelines under {TARGET_MS:.0f} ms median: "
          + ("met" if not missed else "NOT met by " + ", ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
