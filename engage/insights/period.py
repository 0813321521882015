"""The period the insight pages, the report and the exports show when the user chose none.

Opening on the twelve months up to today showed zeros and "not enough data" whenever the data
stopped earlier (an import a few months old, a demo data set). So the default is the latest
twelve months that hold any engagement, referral or scan, or a chosen campaign's own dates, and
a chosen period that holds nothing says so and offers the latest months instead. When outreach
went on more than a year after the last referral figures (referrals not imported since), those
twelve months would hold no uptake to compare with, so the default ends with the last month of
referral figures instead and says that later outreach is left out.

The latest day with data is one query of three look-ups, each read from the newest end of an
index (`ix_engagement_time`, `ix_referral_service_date` per service, `ix_scan_day`), so it
costs the same at England scale as on a test database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from engage.campaigns.models import Campaign, Engagement, live_engagement
from engage.catalogue.models import Service
from engage.database import DbSession
from engage.insights.filters import DEFAULT_MONTHS, InsightFilters
from engage.links.models import Scan
from engage.templating import long_date
from engage.timezone import add_months, day_start, month_start, uk_day
from engage.uptake.models import Referral

NOTHING_YET = ("Nothing has been recorded yet: no engagement, referrals or scans. The figures "
               "below are empty until outreach is logged or referrals are imported.")


def latest_data_day(session: DbSession, until: date) -> date | None:
    """The last UK day, on or before `until`, with a live ledger row, a referral or a scan.

    Rows dated after `until` (planned engagement) do not count. Each part walks an index from
    its newest end and stops at the first row that counts.
    """
    days = [d for d in latest_days(session, until) if d is not None]
    return max(days) if days else None


def latest_days(session: DbSession, until: date) -> tuple[date | None, date | None, date | None]:
    """The last UK day, on or before `until`, with a live ledger row; with a referral; with a
    scan (each None when there is none)."""
    engagement = (select(Engagement.occurred_at)
                  .where(live_engagement(), Engagement.occurred_at < day_start(
                      until + timedelta(days=1)))
                  .order_by(Engagement.occurred_at.desc()).limit(1).scalar_subquery())
    per_service = (select(Referral.referred_on)
                   .where(Referral.service_id == Service.id, Referral.referred_on <= until,
                          Referral.superseded_by_batch_id.is_(None))
                   .order_by(Referral.referred_on.desc()).limit(1)
                   .correlate(Service).scalar_subquery())
    referral = select(func.max(per_service)).select_from(Service).scalar_subquery()
    scan = (select(Scan.day).where(Scan.day <= until).order_by(Scan.day.desc()).limit(1)
            .scalar_subquery())
    occurred, referred, scanned = session.execute(select(engagement, referral, scan)).one()
    return (uk_day(occurred) if occurred is not None else None, _as_date(referred),
            _as_date(scanned))


def _as_date(value: object) -> date | None:
    """A date from a subquery's value (SQLite can hand `max()` of a date back as text)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def latest_months(latest: date, today: date) -> tuple[date, date]:
    """The twelve calendar months ending with `latest`'s month (cut at today)."""
    start = add_months(month_start(latest), -(DEFAULT_MONTHS - 1))
    end = add_months(month_start(latest), 1) - timedelta(days=1)
    return start, min(end, max(today, latest))


def _month(day: date) -> str:
    return f"{day:%B %Y}"


def with_default_period(session: DbSession, filters: InsightFilters, *,
                        today: date) -> InsightFilters:
    """`filters` with the period filled in when the user chose none, and a note in words on
    what is shown; a period (chosen, or a campaign's) with no data at all gets a note on
    where the data is instead."""
    if not filters.period_chosen:
        campaign = session.get(Campaign, filters.campaign_id) if filters.campaign_id else None
        if campaign is None:
            return _latest_period(session, filters, today)
        filters = replace(filters, start=campaign.start_date, end=campaign.end_date,
                          period_note=f"Showing the campaign's dates: "
                                      f"{long_date(campaign.start_date)} to "
                                      f"{long_date(campaign.end_date)}.")
    return _check_not_empty(session, filters, today)


def _latest_period(session: DbSession, filters: InsightFilters, today: date) -> InsightFilters:
    days = latest_days(session, today)
    present = [d for d in days if d is not None]
    if not present:
        return replace(filters, period_note=NOTHING_YET, period_empty=True)
    latest, referred = max(present), days[1]
    start, end = latest_months(latest, today)
    if referred is None or referred >= start:
        return replace(filters, start=start, end=end,
                       period_note=f"Showing the latest {DEFAULT_MONTHS} months with data: "
                                   f"{long_date(start)} to {long_date(end)}.")
    # The latest twelve months hold outreach but no referral figures at all: show the last
    # twelve months that can say something about uptake, and where the later outreach is.
    start, end = latest_months(referred, today)
    return replace(filters, start=start, end=end, period_note=(
        f"Showing the latest {DEFAULT_MONTHS} months with referral figures: {long_date(start)} "
        f"to {long_date(end)}. Outreach or scans were recorded later, up to "
        f"{long_date(latest)}, but no referral figures have been imported for those months, "
        f"so they cannot show uptake; choose a later period to see that outreach."))


def _check_not_empty(session: DbSession, filters: InsightFilters, today: date) -> InsightFilters:
    """A note when nothing at all was recorded in the period, with the latest months to offer."""
    before_end = latest_data_day(session, min(filters.end, today))
    if before_end is not None and before_end >= filters.start:
        return filters
    latest = latest_data_day(session, today) if filters.end < today else before_end
    if latest is None:
        return replace(filters, period_note=NOTHING_YET, period_empty=True)
    start, end = latest_months(latest, today)
    return replace(filters, period_empty=True, suggested_period=(start, end), period_note=(
        f"No engagement, referrals or scans were recorded between "
        f"{long_date(filters.start)} and {long_date(filters.end)}, so every figure below is "
        f"empty. The latest data is in {_month(latest)}: choose a period that includes it, "
        f"or show the latest {DEFAULT_MONTHS} months with data."))


def read_filters(session: DbSession, args: Mapping[str, Any], *, today: date) -> InsightFilters:
    """The filters from a query (or form, or saved snapshot), with the default period."""
    return with_default_period(session, InsightFilters.from_args(args, today=today),
                               today=today)
