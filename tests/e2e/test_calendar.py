"""The outreach calendar in a real browser: the month (a grid, or a list on a phone), the list
view with filters, and subscribing with a private feed link."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from datetime import date, datetime, time, timedelta

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from engage.auth.models import Role
from engage.campaigns.models import Campaign, Channel, Touchpoint
from engage.campaigns.touchpoints import TouchpointFields, cancel_touchpoint, create_touchpoint
from engage.database import utcnow
from engage.extensions import db
from engage.timezone import LONDON
from tests.e2e.helpers import follow_nav, make_signed_up_user, sign_in

pytestmark = pytest.mark.e2e


def at_london(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


@pytest.fixture()
def outreach(app) -> dict[str, object]:
    """A campaign and touchpoints in this month: one today, a long-titled one, a cancelled one."""
    now = utcnow()
    today = now.astimezone(LONDON).date()
    first = today.replace(day=1)
    campaign = Campaign(name="Launch of the OH service", start_date=first - timedelta(days=60),
                        end_date=first + timedelta(days=300))
    db.session.add(campaign)

    def add(title: str, when: datetime, channel: Channel, **extra: object) -> Touchpoint:
        done = when <= now
        fields = TouchpointFields(channel=channel, title=title, planned_at=when,
                                  actual_at=when if done else None, campaign=campaign,
                                  **extra)  # type: ignore[arg-type]
        return create_touchpoint(db.session, fields, user_id=None, now=now)

    add("Wellbeing app webinar for practice managers", at_london(today, 12, 30), Channel.WEBINAR,
        duration_minutes=45, location="Microsoft Teams")
    add("Posters to Fenland pharmacies", at_london(first, 9), Channel.POSTER)
    add("Facebook group post: the sharps line", at_london(first + timedelta(days=2), 19),
        Channel.FACEBOOK)
    visit_day = first + timedelta(days=19)
    visit = add("Practice visit to Example Surgery", at_london(visit_day, 10),
                Channel.PRACTICE_VISIT)
    cancel_touchpoint(db.session, visit, "Practice closed for training", user_id=None, now=now)
    db.session.commit()
    return {"today": today, "campaign": campaign.name}


def test_manager_reads_the_month_and_list_and_subscribes(app, outreach, page: Page, check,
                                                       viewport, live_server):
    today = outreach["today"]
    assert isinstance(today, date)
    manager = make_signed_up_user(Role.MANAGER)
    sign_in(page, manager.email)
    follow_nav(page, "Calendar")
    expect(page.get_by_role("heading", level=1)).to_have_text(today.strftime("%B %Y"))
    today_heading = today.strftime("%A %-d %B %Y")

    if viewport == "desktop":
        grid = page.get_by_role("table", name=re.compile(r"^Touchpoints in .* by day"))
        expect(grid).to_be_visible()
        expect(grid.get_by_role("columnheader")).to_have_count(7)
        today_cell = grid.locator('td[aria-current="date"]')
        expect(today_cell).to_have_count(1)
        expect(today_cell).to_contain_text("Wellbeing app webinar for practice managers")
        expect(today_cell).to_contain_text("12:30")
        expect(page.get_by_role("heading", name=re.compile(today_heading))).to_be_hidden()
    else:
        # On a phone the grid gives way to the days that have something on.
        expect(page.get_by_role("table")).to_be_hidden()
        day = page.get_by_role("region", name=re.compile(today_heading))
        expect(day).to_contain_text("Wellbeing app webinar for practice managers")
        expect(day).to_contain_text("Today")
    cancelled_tags = page.locator("strong.nhsuk-tag", has_text="Cancelled")
    expect(cancelled_tags.locator("visible=true")).to_have_count(1)
    check("month")

    # Only the cancelled ones.
    page.get_by_label("Status").select_option(label="Cancelled")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"status=cancelled"))
    expect(page.get_by_text("1 touchpoint in")).to_be_visible()
    visit = page.get_by_text("Practice visit to Example Surgery")
    expect(visit.locator("visible=true")).to_have_count(1)
    expect(page.get_by_text("Posters to Fenland pharmacies")).to_have_count(0)
    check("month-filtered")

    # The next month keeps the filter.
    page.get_by_role("link", name=re.compile(r"^Next month")).click()
    next_month = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    expect(page.get_by_role("heading", level=1)).to_have_text(next_month.strftime("%B %Y"))
    expect(page.get_by_label("Status")).to_have_value("cancelled")
    page.get_by_role("link", name="Clear the filters").click()
    expect(page.get_by_label("Status")).to_have_value("")

    # The list view.
    page.get_by_role("navigation", name="Calendar views").get_by_role("link", name="List").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upcoming and recent touchpoints")
    expect(page.get_by_role("heading", name="Coming up", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Recent", exact=True)).to_be_visible()
    check("list")

    # Subscribing: make a link, see it once, and fetch it as a calendar client would.
    page.get_by_role("link", name="Subscribe to the calendar").click()
    expect(page.get_by_text("You do not have a calendar link yet")).to_be_visible()
    check("subscribe-none")
    page.get_by_role("button", name="Make my calendar link").click()
    expect(page.get_by_role("heading", name="Your calendar link is ready")).to_be_visible()
    field = page.get_by_label("Your calendar link")
    url = field.input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:5000/campaigns/calendar/feed\.ics\?token=[\w-]{43}",
                        url), url
    check("subscribe-link")
    feed_path = url.split(":5000", 1)[1]
    with urllib.request.urlopen(live_server(feed_path)) as response:  # noqa: S310 - local server
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        calendar = Calendar.from_ical(response.read())
    titles = {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}
    assert "Wellbeing app webinar for practice managers" in titles
    assert "Cancelled: Practice visit to Example Surgery" in titles

    page.reload()  # a reload is a new request: the link is never shown again
    expect(page.get_by_label("Your calendar link")).to_have_count(0)
    expect(page.get_by_text("You made a calendar link on")).to_be_visible()
    page.get_by_role("button", name="Turn off my calendar link").click()
    expect(page.get_by_text("Your calendar link has been turned off")).to_be_visible()
    check("subscribe-turned-off")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(live_server(feed_path))  # noqa: S310 - local server
    assert refused.value.code == 404


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
def test_copy_button_copies_the_link(app, page: Page, check, context):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    steering = make_signed_up_user(Role.STEERING)
    sign_in(page, steering.email)
    page.goto("/campaigns/calendar/subscribe")
    page.get_by_role("button", name="Make my calendar link").click()
    url = page.get_by_label("Your calendar link").input_value()
    page.get_by_role("button", name="Copy the link").click()
    expect(page.get_by_role("status")).to_have_text("Copied.")
    assert page.evaluate("() => navigator.clipboard.readText()") == url
    check("steering-copied")
