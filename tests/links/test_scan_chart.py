"""A link's scans per day or per week (UK days, people and bots apart), and the chart and table
on the link's page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from engage.extensions import db
from engage.links.scan_chart import bars
from engage.links.scans import ScanRequest, handle_scan
from engage.links.stats import WEEKLY_AFTER_DAYS, link_scan_series
from tests.factories import make_short_link

pytestmark = pytest.mark.real_commits

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"
BOT = "Googlebot/2.1 (+http://www.google.com/bot.html)"


def scan(link, at: datetime, agent: str = PHONE, address: str = "192.0.2.1") -> None:
    handle_scan(db.session, ScanRequest(link.code, address=address, user_agent=agent, now=at))


def test_scans_per_uk_day_with_people_and_bots_apart(app):
    link = make_short_link()
    other = make_short_link()
    db.session.commit()
    scan(link, datetime(2026, 6, 1, 9, tzinfo=UTC))
    scan(link, datetime(2026, 6, 1, 9, 5, tzinfo=UTC), address="192.0.2.2")
    scan(link, datetime(2026, 6, 1, 10, tzinfo=UTC), agent=BOT)
    # 23:30 UTC on 2 June is 00:30 on 3 June in the UK (summer time).
    scan(link, datetime(2026, 6, 2, 23, 30, tzinfo=UTC))
    scan(other, datetime(2026, 6, 2, 12, tzinfo=UTC))
    db.session.commit()
    series = link_scan_series(db.session, link.id, today=date(2026, 6, 4))
    assert series.unit == "day"
    assert [(p.start, p.people, p.bots) for p in series.periods] == [
        (date(2026, 6, 1), 2, 1), (date(2026, 6, 2), 0, 0), (date(2026, 6, 3), 1, 0),
        (date(2026, 6, 4), 0, 0)]
    assert (series.people, series.bots, series.peak) == (3, 1, 3)


def test_scans_are_counted_in_one_query(app, count_queries):
    link = make_short_link()
    db.session.commit()
    for day in range(30):
        scan(link, datetime(2026, 3, 1, 12, tzinfo=UTC) + timedelta(days=day))
    db.session.commit()
    link_id = link.id
    with count_queries() as queries:
        series = link_scan_series(db.session, link_id, today=date(2026, 3, 30))
    assert len(series.periods) == 30 and queries.count == 1


def test_a_long_span_is_shown_by_monday_weeks(app):
    link = make_short_link()
    db.session.commit()
    scan(link, datetime(2026, 1, 7, 12, tzinfo=UTC))  # a Wednesday
    scan(link, datetime(2026, 1, 11, 12, tzinfo=UTC), agent=BOT)  # the Sunday of that week
    scan(link, datetime(2026, 1, 12, 12, tzinfo=UTC))  # the next Monday
    scan(link, datetime(2026, 3, 6, 12, tzinfo=UTC))
    db.session.commit()
    today = date(2026, 1, 7) + timedelta(days=WEEKLY_AFTER_DAYS)
    series = link_scan_series(db.session, link.id, today=today)
    assert series.unit == "week"
    assert all(p.start.weekday() == 0 and p.end == p.start + timedelta(days=6)
               for p in series.periods)
    assert series.periods[0].start == date(2026, 1, 5)
    assert series.periods[-1].start <= today <= series.periods[-1].end
    assert [(p.start, p.people, p.bots) for p in series.periods if p.total] == [
        (date(2026, 1, 5), 1, 1), (date(2026, 1, 12), 1, 0), (date(2026, 3, 2), 1, 0)]
    # Sixty days exactly is still shown by day.
    assert link_scan_series(db.session, link.id, today=today - timedelta(days=1)).unit == "day"


def test_a_link_without_scans_has_no_periods(app):
    link = make_short_link()
    db.session.commit()
    series = link_scan_series(db.session, link.id, today=date(2026, 6, 4))
    assert series.periods == [] and series.peak == 0 and bars(series) == []


def test_bars_stack_bots_on_people_scaled_to_the_busiest_period(app):
    link = make_short_link()
    db.session.commit()
    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        scan(link, datetime(2026, 6, 1, 9, tzinfo=UTC), address=address)
    scan(link, datetime(2026, 6, 1, 9, tzinfo=UTC), agent=BOT)
    scan(link, datetime(2026, 6, 2, 9, tzinfo=UTC), agent=BOT)
    db.session.commit()
    first, second = bars(link_scan_series(db.session, link.id, today=date(2026, 6, 2)),
                         width=200, height=100)
    assert (first.people_height, first.bots_height, first.bots_y) == (75, 25, 0)
    assert (second.people_height, second.bots_height, second.bots_y) == (0, 25, 75)
    assert second.x > first.x + first.width


def test_the_link_page_shows_the_chart_beside_its_table(app, manager_client):
    link = make_short_link()
    db.session.commit()
    now = datetime.now(UTC)
    scan(link, now - timedelta(days=2))
    scan(link, now - timedelta(days=2), agent=BOT)
    db.session.commit()
    response = manager_client.get(f"/links/{link.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<h2 class="nhsuk-heading-m" id="scan-chart-title">Scans per day</h2>' in page
    assert 'role="img" aria-labelledby="scan-chart-title" aria-describedby="scan-chart-summary"' \
        in page
    assert "1 scan by people and 1 by bots and link previews, per day" in page
    assert len(re.findall(r'<rect x="[\d.]+" y="[\d.]+"', page)) == 2
    assert "Scans per day, latest first" in page
    assert "<script" not in page.split('id="scan-chart-title"')[1].split("</svg>")[0]


def test_a_link_without_scans_says_so_in_words(app, manager_client):
    link = make_short_link()
    db.session.commit()
    page = manager_client.get(f"/links/{link.id}").get_data(as_text=True)
    assert "No scans yet." in page and "<svg" not in page.split("Scans per day")[1].split(
        "QR code and poster")[0]


def test_the_link_page_says_when_it_shows_weeks(app, manager_client):
    link = make_short_link()
    db.session.commit()
    now = datetime.now(UTC)
    scan(link, now - timedelta(days=90))
    scan(link, now - timedelta(days=1), agent=BOT)
    db.session.commit()
    page = manager_client.get(f"/links/{link.id}").get_data(as_text=True)
    assert '<h2 class="nhsuk-heading-m" id="scan-chart-title">Scans per week</h2>' in page
    assert "shown by week because the link spans more than 60 days" in page
    assert ">Week starting</th>" in page and "Scans per week, latest first" in page
