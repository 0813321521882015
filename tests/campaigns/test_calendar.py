"""The outreach calendar: touchpoints on their UK days, month and list views, filters, access."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from engage.campaigns.calendar import (
    CalendarError,
    CalendarFilter,
    agenda,
    group_by_day,
    month_view,
    parse_month,
)
from engage.campaigns.models import Campaign, Channel, Touchpoint, TouchpointStatus
from engage.campaigns.touchpoints import TouchpointFields, cancel_touchpoint, create_touchpoint
from engage.database import utcnow
from engage.extensions import db
from engage.timezone import LONDON, day_start

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def add_campaign(name: str = "Launch", **overrides: Any) -> Campaign:
    values: dict[str, Any] = {"name": name, "start_date": date(2026, 1, 1),
                              "end_date": date(2026, 12, 31)}
    values.update(overrides)
    campaign = Campaign(**values)
    db.session.add(campaign)
    db.session.flush()
    return campaign


def add_touchpoint(title: str = "Webinar for practice managers", *, at: datetime | None = None,
                   done_at: datetime | None = None, channel: Channel = Channel.WEBINAR,
                   **overrides: Any) -> Touchpoint:
    """A touchpoint made through the same logic the pages use."""
    fields = TouchpointFields(channel=channel, title=title,
                              planned_at=at or (None if done_at else utc(2026, 4, 15, 13)),
                              actual_at=done_at, **overrides)
    touchpoint = create_touchpoint(db.session, fields, user_id=None, now=utcnow())
    db.session.commit()
    return touchpoint


def day_of(month: Any, day: date) -> Any:
    return next(d for week in month.weeks for d in week if d.date == day)


# --- placing touchpoints on UK days --------------------------------------------------------------


def test_a_uk_day_starts_an_hour_early_in_utc_during_summer_time():
    assert day_start(date(2026, 4, 1)) == utc(2026, 3, 31, 23)
    assert day_start(date(2026, 1, 1)) == utc(2026, 1, 1, 0)
    # The clocks change on 29 March 2026 (forward) and 25 October 2026 (back).
    assert day_start(date(2026, 3, 29)) == utc(2026, 3, 29, 0)
    assert day_start(date(2026, 3, 30)) == utc(2026, 3, 29, 23)
    assert day_start(date(2026, 10, 26)) == utc(2026, 10, 26, 0)


def test_late_evening_utc_in_summer_time_belongs_to_the_next_uk_day(app):
    touchpoint = add_touchpoint("Night shift drop-in", at=utc(2026, 3, 31, 23, 30))
    april = month_view(db.session, date(2026, 4, 1), today=date(2026, 4, 10))
    assert day_of(april, date(2026, 4, 1)).touchpoints == [touchpoint]
    assert day_of(april, date(2026, 4, 1)).in_month
    # March's grid runs on to Sunday 5 April: it shows there too, on 1 April, not 31 March.
    march = month_view(db.session, date(2026, 3, 1), today=date(2026, 4, 10))
    assert day_of(march, date(2026, 3, 31)).touchpoints == []
    assert day_of(march, date(2026, 4, 1)).touchpoints == [touchpoint]
    assert not day_of(march, date(2026, 4, 1)).in_month
    assert march.days_with_touchpoints == []


def test_late_evening_utc_in_winter_stays_on_its_day(app):
    touchpoint = add_touchpoint("New year bulletin", at=utc(2026, 12, 31, 23, 30))
    december = month_view(db.session, date(2026, 12, 1), today=date(2026, 12, 1))
    assert day_of(december, date(2026, 12, 31)).touchpoints == [touchpoint]


@pytest.mark.parametrize(("moment", "uk_day"), [
    (utc(2026, 3, 28, 23, 30), date(2026, 3, 28)),  # Saturday night, still GMT
    (utc(2026, 3, 29, 0, 30), date(2026, 3, 29)),  # 00:30 GMT, clocks go forward at 01:00
    (utc(2026, 3, 29, 23, 30), date(2026, 3, 30)),  # 00:30 BST on Monday
    (utc(2026, 10, 24, 23, 30), date(2026, 10, 25)),  # 00:30 BST on the day clocks go back
    (utc(2026, 10, 25, 23, 30), date(2026, 10, 25)),  # 23:30 GMT, the same Sunday
])
def test_touchpoints_around_the_clock_changes_land_on_their_uk_day(app, moment, uk_day):
    touchpoint = add_touchpoint("Around the change", at=moment)
    month = month_view(db.session, uk_day.replace(day=1), today=uk_day)
    assert day_of(month, uk_day).touchpoints == [touchpoint]
    assert sum(len(d.touchpoints) for w in month.weeks for d in w) == 1


def test_a_done_touchpoint_is_shown_when_it_happened_not_when_it_was_planned(app):
    touchpoint = add_touchpoint("Visit", at=utc(2026, 4, 2, 9))
    touchpoint.actual_at = utc(2026, 4, 9, 10)
    db.session.commit()
    april = month_view(db.session, date(2026, 4, 1), today=date(2026, 4, 1))
    assert day_of(april, date(2026, 4, 2)).touchpoints == []
    assert day_of(april, date(2026, 4, 9)).touchpoints == [touchpoint]


def test_the_month_grid_is_whole_weeks_from_monday_with_today_marked(app):
    april = month_view(db.session, date(2026, 4, 1), today=date(2026, 4, 14))
    assert april.weeks[0][0].date == date(2026, 3, 30)  # a Monday
    assert april.weeks[-1][-1].date == date(2026, 5, 3)  # a Sunday
    assert all(len(week) == 7 for week in april.weeks)
    assert [d.date for w in april.weeks for d in w if d.is_today] == [date(2026, 4, 14)]
    assert april.previous == date(2026, 3, 1) and april.next == date(2026, 5, 1)
    assert month_view(db.session, date(2026, 12, 1), date(2026, 4, 14)).next == date(2027, 1, 1)
    assert month_view(db.session, date(2026, 1, 1), date(2026, 4, 14)).previous == date(2025, 12, 1)


def test_month_parameter_is_checked(app):
    today = date(2026, 4, 14)
    assert parse_month(None, today) == date(2026, 4, 1)
    assert parse_month("2026-07", today) == date(2026, 7, 1)
    assert parse_month("2026-7", today) == date(2026, 7, 1)
    for bad, words in [("July", "Months look like 2026-04"), ("2026-13", "no month 13"),
                       ("1066-10", "covers 2000 to 2100"), ("2026-04-01", "not a month")]:
        with pytest.raises(CalendarError, match=words):
            parse_month(bad, today)


# --- filters and the list ----------------------------------------------------------------------


def test_filters_narrow_by_campaign_channel_and_status(app):
    launch, autumn = add_campaign("Launch"), add_campaign("Autumn push")
    webinar = add_touchpoint("Webinar", at=utc(2026, 4, 3, 12), campaign=launch)
    poster = add_touchpoint("Posters", at=utc(2026, 4, 4, 9), channel=Channel.POSTER,
                            campaign=autumn)
    visit = add_touchpoint("Visit", at=utc(2026, 4, 5, 9), channel=Channel.PRACTICE_VISIT)
    cancel_touchpoint(db.session, visit, "Practice closed", user_id=None, now=NOW)
    db.session.commit()

    def shown(where: CalendarFilter) -> list[Touchpoint]:
        month = month_view(db.session, date(2026, 4, 1), date(2026, 4, 1), where)
        return [t for d in month.days_with_touchpoints for t in d.touchpoints]

    assert shown(CalendarFilter()) == [webinar, poster, visit]
    assert shown(CalendarFilter(campaign_id=launch.id)) == [webinar]
    assert shown(CalendarFilter(channel=Channel.POSTER)) == [poster]
    assert shown(CalendarFilter(statuses=frozenset({TouchpointStatus.CANCELLED}))) == [visit]
    current = frozenset({TouchpointStatus.PLANNED, TouchpointStatus.DONE})
    assert shown(CalendarFilter(statuses=current)) == [webinar, poster]


def test_agenda_lists_upcoming_soonest_first_and_recent_newest_first(app):
    old = add_touchpoint("Too old", done_at=NOW - timedelta(days=120))
    last_month = add_touchpoint("Last month", done_at=NOW - timedelta(days=30))
    yesterday = add_touchpoint("Yesterday", done_at=NOW - timedelta(days=1))
    soon = add_touchpoint("Soon", at=NOW + timedelta(hours=2))
    later = add_touchpoint("Later", at=NOW + timedelta(days=40))
    found = agenda(db.session, NOW)
    assert found.upcoming == [soon, later]
    assert found.recent == [yesterday, last_month]
    assert old not in found.recent
    assert not found.more_upcoming and not found.more_recent
    limited = agenda(db.session, NOW, limit=1)
    assert limited.upcoming == [soon] and limited.more_upcoming
    assert limited.recent == [yesterday] and limited.more_recent


def test_group_by_day_uses_uk_days(app):
    a = add_touchpoint("A", at=utc(2026, 6, 1, 22, 30))  # 23:30 BST on 1 June
    b = add_touchpoint("B", at=utc(2026, 6, 1, 23, 30))  # 00:30 BST on 2 June
    c = add_touchpoint("C", at=utc(2026, 6, 2, 8))
    assert group_by_day([a, b, c]) == [(date(2026, 6, 1), [a]), (date(2026, 6, 2), [b, c])]


# --- the pages ---------------------------------------------------------------------------------


def test_month_page_shows_touchpoints_in_uk_time_with_status_and_navigation(manager_client):
    add_touchpoint("Night shift drop-in", at=utc(2026, 3, 31, 23, 30))
    planned = add_touchpoint("Sharps line webinar", at=utc(2026, 4, 15, 12))
    cancel_touchpoint(db.session, planned, "", user_id=None, now=NOW)
    db.session.commit()
    response = manager_client.get("/campaigns/calendar/?month=2026-04")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>April 2026</h1>" in page
    assert "Touchpoints in April 2026, by day (UK time)</caption>" in page
    assert page.count('<th scope="col"') == 7
    assert "Night shift drop-in" in page and ">00:30</time>" in page
    assert ">13:00</time>" in page  # 12:00 UTC in summer time
    assert "Wednesday 1 April 2026" in page  # the phone list's day heading
    assert 'nhsuk-tag--grey engage-calendar-tag">Cancelled<' in page
    assert 'nhsuk-tag--blue engage-calendar-tag">Planned<' in page
    assert "month=2026-03" in page and "month=2026-05" in page
    assert "2 touchpoints in April 2026" in page


def test_month_page_marks_today_only_in_this_month(manager_client):
    today = utcnow().astimezone(LONDON).date()
    page = manager_client.get("/campaigns/calendar/").get_data(as_text=True)
    assert page.count('aria-current="date"') == 1
    assert f"<h1>{today:%B %Y}</h1>" in page
    other = manager_client.get(f"/campaigns/calendar/?month={today.year + 1}-01")
    assert 'aria-current="date"' not in other.get_data(as_text=True)
    assert "This month</a>" in other.get_data(as_text=True)


def test_month_page_keeps_filters_in_its_links(manager_client):
    campaign = add_campaign("Launch")
    page = manager_client.get(
        f"/campaigns/calendar/?month=2026-04&campaign={campaign.id}&status=current"
    ).get_data(as_text=True)
    next_link = re.search(r'rel="next" href="([^"]+)"', page)
    assert next_link is not None
    assert f"campaign={campaign.id}" in next_link.group(1)
    assert "status=current" in next_link.group(1)
    assert "month=2026-05" in next_link.group(1)


def test_a_bad_month_is_refused_with_a_message(manager_client):
    response = manager_client.get("/campaigns/calendar/?month=2026-13")
    assert response.status_code == 400
    assert "There is no month 13" in response.get_data(as_text=True)


def test_unknown_filter_values_are_ignored(manager_client):
    add_touchpoint("Webinar", at=utc(2026, 4, 3, 12))
    response = manager_client.get(
        "/campaigns/calendar/?month=2026-04&campaign=999&channel=pigeon&status=lost"
    )
    assert response.status_code == 200
    assert "Webinar" in response.get_data(as_text=True)


def test_list_page_shows_upcoming_and_recent_with_cancelled_tagged(manager_client):
    now = utcnow()
    campaign = add_campaign("Launch")
    add_touchpoint("Upcoming webinar", at=now + timedelta(days=3), campaign=campaign)
    gone = add_touchpoint("Cancelled visit", at=now + timedelta(days=5),
                          channel=Channel.PRACTICE_VISIT)
    cancel_touchpoint(db.session, gone, "", user_id=None, now=now)
    add_touchpoint("Last week's newsletter", done_at=now - timedelta(days=7),
                   channel=Channel.NEWSLETTER)
    db.session.commit()
    page = manager_client.get("/campaigns/calendar/list").get_data(as_text=True)
    assert page.index("Coming up") < page.index("Upcoming webinar") < page.index("Recent")
    assert page.index("Recent") < page.index("Last week&#39;s newsletter")
    assert "Webinar · Launch" in page
    assert 'engage-calendar-tag">Cancelled<' in page

    filtered = manager_client.get("/campaigns/calendar/list?status=current").get_data(as_text=True)
    assert "Cancelled visit" not in filtered and "Upcoming webinar" in filtered
    only = manager_client.get("/campaigns/calendar/list?status=cancelled").get_data(as_text=True)
    assert "Cancelled visit" in only and "Upcoming webinar" not in only
    by_channel = manager_client.get("/campaigns/calendar/list?channel=newsletter")
    text = by_channel.get_data(as_text=True)
    assert "newsletter" in text and "Upcoming webinar" not in text
    by_campaign = manager_client.get(f"/campaigns/calendar/list?campaign={campaign.id}")
    text = by_campaign.get_data(as_text=True)
    assert "Upcoming webinar" in text and "Cancelled visit" not in text


def test_touchpoints_link_to_their_page_when_it_exists(app, manager_client):
    touchpoint = add_touchpoint("Linked", at=utc(2026, 4, 3, 12))
    page = manager_client.get("/campaigns/calendar/?month=2026-04").get_data(as_text=True)
    if "campaigns.touchpoint" in app.view_functions:
        assert f'href="/campaigns/touchpoints/{touchpoint.id}"' in page or re.search(
            rf'href="[^"]*/{touchpoint.id}"[^>]*>Linked<', page)
    else:
        assert '<span class="engage-calendar-item__title">Linked</span>' in page


@pytest.mark.parametrize("path", ["/campaigns/calendar/", "/campaigns/calendar/list",
                                  "/campaigns/calendar/subscribe"])
def test_steering_can_see_the_calendar(steering_client, path):
    add_touchpoint("Webinar", at=utc(2026, 4, 3, 12))
    assert steering_client.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/campaigns/calendar/", "/campaigns/calendar/list",
                                  "/campaigns/calendar/subscribe"])
def test_signed_out_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_the_header_links_to_the_calendar(manager_client):
    page = manager_client.get("/campaigns/calendar/list").get_data(as_text=True)
    assert re.search(r'href="/campaigns/calendar/" aria-current="page"><strong[^>]*>Calendar<',
                     page)
