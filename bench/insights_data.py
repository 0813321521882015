"""The England-scale data set for the insights benchmark, written into a migrated database.

- Organisations: every row of ../shared/data/epraccur-england-2020.csv (14,357 practices and
  other settings, with their real status: about 11,500 active), plus generated community
  pharmacies up to `--orgs` (17,500 by default); localities from the file's higher-level
  health geography (47), PCNs from the commissioner code.
- Three yearly campaigns (June to May) with monthly touchpoints per channel, and 1,000,000
  engagement records spread over them: newsletters, bulletins, practice-manager updates,
  posters, webinars, training, practice visits, phone calls, Facebook and gateway posts, QR
  scans; 2% kept but not counted, 1% voided, as real ledgers hold.
- 500,000 referral rows (one referral each, day precision, six services) in one import batch,
  drawn with a planted association: an organisation's rate is 1.3 times higher in the month
  after a practice visit, so the model has something to find.
- 200,000 scans of 2,000 short links over the three years.

Rows go in through `BulkTable` (multi-row INSERTs) with the indexes built afterwards, as a
restore would. Seeded, so every run builds the same data.
"""

from __future__ import annotations

import csv
import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from engage.campaigns.models import (
    Campaign,
    CampaignStatus,
    Channel,
    Engagement,
    EngagementKind,
    EngagementSource,
    Touchpoint,
    TouchpointStatus,
    tier_for,
)
from engage.catalogue.models import Service
from engage.directory.bulk import BulkTable
from engage.directory.models import Locality, Organisation, OrgKind, OrgStatus
from engage.links.models import Device, Medium, Scan, ShortLink
from engage.uptake.models import Referral, UptakeBatch

ROOT = Path(__file__).resolve().parents[1]
EPRACCUR = ROOT.parent / "shared" / "data" / "epraccur-england-2020.csv"
FIRST_MONTH = date(2022, 6, 1)
MONTHS = 36
NOW = datetime(2025, 6, 2, 12, tzinfo=UTC)
STATUS = {"A": OrgStatus.ACTIVE, "C": OrgStatus.CLOSED, "D": OrgStatus.DORMANT,
          "P": OrgStatus.PROPOSED}
# Channel, kind, rows per month as a share of all engagement, practices only?
MIX: list[tuple[Channel, EngagementKind, float, bool]] = [
    (Channel.NEWSLETTER, EngagementKind.RECEIVED, 0.30, False),
    (Channel.EMAIL_BULLETIN, EngagementKind.OPENED, 0.18, False),
    (Channel.PM_UPDATE, EngagementKind.RECEIVED, 0.12, True),
    (Channel.POSTER, EngagementKind.RECEIVED, 0.08, False),
    (Channel.WEBINAR, EngagementKind.ATTENDED, 0.04, False),
    (Channel.TRAINING, EngagementKind.ATTENDED, 0.02, True),
    (Channel.PRACTICE_VISIT, EngagementKind.VISITED, 0.01, True),
    (Channel.PHONE_CALL, EngagementKind.CALLED, 0.01, False),
    (Channel.FACEBOOK, EngagementKind.POSTED, 0.05, False),
    (Channel.GATEWAY, EngagementKind.POSTED, 0.04, False),
    (Channel.OTHER, EngagementKind.SCANNED, 0.15, False),
]


def month_start(index: int) -> date:
    total = FIRST_MONTH.year * 12 + FIRST_MONTH.month - 1 + index
    return date(total // 12, total % 12 + 1, 1)


def step(label: str, run: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = run()
    print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)
    return result


def add_organisations(session: Session, total: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Insert the epraccur rows and pharmacies; (ids, is_practice, active) of every row."""
    with EPRACCUR.open(newline="", encoding="utf-8-sig") as handle:
        source = list(csv.reader(handle))
    regions = sorted({row[3] for row in source if row[3]})
    localities = [Locality(name=f"Area {code}") for code in regions]
    session.add_all(localities)
    session.flush()
    locality_of = {code: loc.id for code, loc in zip(regions, localities, strict=True)}
    bulk = BulkTable(session, Organisation.__table__)
    names = ("ods_code", "name", "kind", "status", "locality_id", "pcn", "address", "postcode")
    rows = []
    for row in source:
        kind = OrgKind.GP_PRACTICE if row[25] == "4" else OrgKind.OTHER
        rows.append((row[0], row[1].title()[:200], bulk.db_value("kind", kind),
                     bulk.db_value("status", STATUS.get(row[12], OrgStatus.ACTIVE)),
                     locality_of.get(row[3]), f"PCN {row[14]}", row[4].title(), row[9]))
    rng = random.Random(17_500)  # noqa: S311 - deterministic data
    for n in range(max(0, total - len(source))):
        region = rng.choice(regions)
        rows.append((f"FBN{n:04d}", f"Bench Pharmacy {n:04d}",
                     bulk.db_value("kind", OrgKind.COMMUNITY_PHARMACY),
                     bulk.db_value("status", OrgStatus.ACTIVE), locality_of[region],
                     f"PCN {region}-{rng.randint(1, 20)}", f"{n} High Street", "AB1 2CD"))
    bulk.insert(names, rows, constants={"phone": "", "commissioner": "", "source": "manual",
                                        "created_at": NOW, "updated_at": NOW})
    found = session.execute(select(Organisation.id, Organisation.kind, Organisation.status)
                            .order_by(Organisation.id)).all()
    ids = np.array([r[0] for r in found])
    practice = np.array([r[1] is OrgKind.GP_PRACTICE for r in found])
    active = np.array([r[2] is OrgStatus.ACTIVE for r in found])
    return ids, practice, active


def add_engagement(session: Session, ids: np.ndarray, practice: np.ndarray, active: np.ndarray,
                   total: int, rng: np.random.Generator) -> np.ndarray:
    """1,000,000 ledger rows; returns the organisations × months practice-visit indicator."""
    services = list(session.scalars(select(Service)))
    campaigns = []
    for year in range(3):
        start = month_start(12 * year)
        campaign = Campaign(name=f"Bench outreach {start.year}-{(start.year + 1) % 100:02d}",
                            status=CampaignStatus.COMPLETED if year < 2 else CampaignStatus.ACTIVE,
                            start_date=start, end_date=month_start(12 * year + 12)
                            - timedelta(days=1), audience_kinds=[], audience_locality_ids=[],
                            audience_pcns=[], services=services[:4])
        session.add(campaign)
        campaigns.append(campaign)
    session.flush()
    live = np.flatnonzero(active)
    live_practices = np.flatnonzero(active & practice)
    bulk = BulkTable(session, Engagement.__table__)
    names = ("organisation_id", "occurred_at", "channel", "kind", "people", "touchpoint_id",
             "campaign_id", "source", "counted", "voided_at", "tier")
    rows: list[tuple[Any, ...]] = []
    visits = np.zeros((len(ids), MONTHS), dtype=bool)
    per_month = total / MONTHS
    voided_at = bulk.db_value("voided_at", NOW)
    for month in range(MONTHS):
        start = month_start(month)
        campaign = campaigns[month // 12]
        base = datetime(start.year, start.month, start.day, 8, tzinfo=UTC)
        days = (month_start(month + 1) - start).days
        for channel, kind, share, practices_only in MIX:
            count = int(round(per_month * share))
            pool = live_practices if practices_only else live
            touchpoint = Touchpoint(campaign_id=campaign.id, channel=channel,
                                    title=f"{channel.label} {start:%b %Y}", planned_at=base,
                                    actual_at=base, status=TouchpointStatus.DONE)
            session.add(touchpoint)
            session.flush()
            chosen = rng.choice(pool, size=count, replace=count > len(pool))
            if channel is Channel.PRACTICE_VISIT:
                visits[chosen, month] = True
            offsets = rng.integers(0, days * 24 * 60, count)
            channel_db, kind_db = bulk.db_value("channel", channel), bulk.db_value("kind", kind)
            source = bulk.db_value("source", EngagementSource.QR_SCAN if channel is Channel.OTHER
                                   else EngagementSource.MANUAL)
            counted = rng.random(count) >= 0.02
            voided = rng.random(count) < 0.01
            tiers = {flag: bulk.db_value("tier", tier_for(kind, counted=flag))
                     for flag in (True, False)}
            for i, org_row in enumerate(chosen):
                at = bulk.db_value("occurred_at", base + timedelta(minutes=int(offsets[i])))
                rows.append((int(ids[org_row]), at, channel_db, kind_db, 1, touchpoint.id,
                             campaign.id, source, bool(counted[i]),
                             voided_at if voided[i] else None, tiers[bool(counted[i])]))
    rows = rows[:total]
    table = Engagement.__table__
    connection = session.connection()
    for index in table.indexes:
        connection.execute(text(f"DROP INDEX IF EXISTS {index.name}"))
    bulk.insert(names, rows, constants={"void_reason": "", "note": "", "created_at": NOW})
    for index in table.indexes:
        index.create(bind=connection)
    print(f"    {len(rows):,} engagement rows", flush=True)
    return visits


def add_referrals(session: Session, ids: np.ndarray, practice: np.ndarray, active: np.ndarray,
                  visits: np.ndarray, total: int, rng: np.random.Generator) -> None:
    """500,000 one-referral rows, more likely the month after a practice visit (× 1.3)."""
    size = rng.gamma(1.5, 1.0, len(ids)) * np.where(practice, 1.0, 0.25) * active
    season = 1 + 0.2 * np.cos(np.arange(MONTHS) / 12 * 2 * np.pi)
    after_visit = np.zeros_like(visits)
    after_visit[:, 1:] = visits[:, :-1]
    weight = size[:, None] * season[None, :] * np.where(after_visit, 1.3, 1.0)
    cells = rng.choice(weight.size, size=total, p=(weight / weight.sum()).ravel())
    org_rows, months = np.divmod(cells, MONTHS)
    services = [sid for sid, in session.execute(select(Service.id).order_by(Service.id))][:6]
    batch = UptakeBatch(filename="bench-referrals.csv", sha256="0" * 64, rows=total,
                        total=total, imported_at=NOW)
    session.add(batch)
    session.flush()
    bulk = BulkTable(session, Referral.__table__)
    day_offsets = rng.integers(0, 28, total)
    service_pick = rng.integers(0, len(services), total)
    rows = []
    for i in range(total):
        day = month_start(int(months[i])) + timedelta(days=int(day_offsets[i]))
        rows.append((batch.id, int(ids[org_rows[i]]), bulk.db_value("referred_on", day),
                     services[service_pick[i]]))
    bulk.insert(("batch_id", "organisation_id", "referred_on", "service_id"), rows,
                constants={"precision": "day", "count": 1})
    print(f"    {len(rows):,} referral rows", flush=True)


def add_scans(session: Session, ids: np.ndarray, active: np.ndarray, total: int,
              rng: np.random.Generator) -> None:
    """2,000 short links on organisations' posters and 200,000 scans over the three years."""
    live = np.flatnonzero(active)
    services = [sid for sid, in session.execute(select(Service.id))]
    links = []
    for n in range(2000):
        links.append(ShortLink(code=f"B{n:05d}"[:8], service_id=services[n % len(services)],
                               organisation_id=int(ids[rng.choice(live)]), medium=Medium.QR,
                               created_at=NOW))
    session.add_all(links)
    session.flush()
    link_ids = [link.id for link in links]
    bulk = BulkTable(session, Scan.__table__)
    minutes = rng.integers(0, MONTHS * 30 * 24 * 60, total)
    start = datetime(FIRST_MONTH.year, FIRST_MONTH.month, 1, tzinfo=UTC)
    devices = [bulk.db_value("device", d) for d in (Device.MOBILE, Device.DESKTOP, Device.BOT)]
    rows = []
    for i in range(total):
        at = start + timedelta(minutes=int(minutes[i]))
        rows.append((link_ids[i % len(link_ids)], bulk.db_value("at", at),
                     bulk.db_value("day", at.date()), devices[i % 10 // 8 + (i % 50 == 0)],
                     f"{i:032x}"))
    bulk.insert(("link_id", "at", "day", "device", "visitor_key"), rows)
    print(f"    {len(rows):,} scans", flush=True)


def generate(session: Session, *, orgs: int = 17_500, engagement: int = 1_000_000,
             referrals: int = 500_000, scans: int = 200_000) -> None:
    """Fill an empty, migrated database with the benchmark's data, seeded."""
    from engage.catalogue.seed import seed_catalogue  # noqa: PLC0415

    rng = np.random.default_rng(2020)
    seed_catalogue(session)
    ids, practice, active = step("organisations", lambda: add_organisations(session, orgs))
    visits = step("engagement", lambda: add_engagement(session, ids, practice, active,
                                                       engagement, rng))
    step("referrals", lambda: add_referrals(session, ids, practice, active, visits, referrals,
                                            rng))
    step("scans", lambda: add_scans(session, ids, active, scans, rng))
    session.commit()
    connection = session.connection()
    connection.execute(text("ANALYZE"))
    session.commit()
