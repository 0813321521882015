"""The iCalendar feed: events that calendar clients replace rather than duplicate, behind
private links that are stored only as hashes and can be turned off."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.auth.models import Role, User
from engage.campaigns import ics
from engage.campaigns.models import CalendarFeed, Campaign, Channel, Touchpoint
from engage.campaigns.touchpoints import (
    TouchpointFields,
    cancel_touchpoint,
    create_touchpoint,
    update_touchpoint,
)
from engage.catalogue.models import Service
from engage.database import utcnow
from engage.extensions import db
from tests.conftest import sign_in
from tests.factories import make_user

BASE_URL = "https://engage.example.nhs.uk"
FEED_URL = re.compile(r'id="feed-url"[^>]*>([^<]+)</textarea>')


@pytest.fixture()
def app_config() -> dict[str, Any]:
    return {"PUBLIC_BASE_URL": BASE_URL}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def fields_for(title: str = "Wellbeing app webinar", **overrides: Any) -> TouchpointFields:
    values: dict[str, Any] = {"channel": Channel.WEBINAR, "title": title,
                              "planned_at": utcnow() + timedelta(days=7)}
    values.update(overrides)
    return TouchpointFields(**values)


def add_touchpoint(title: str = "Wellbeing app webinar", **overrides: Any) -> Touchpoint:
    touchpoint = create_touchpoint(db.session, fields_for(title, **overrides), user_id=None,
                                   now=utcnow())
    db.session.commit()
    return touchpoint


def events(body: bytes) -> dict[str, Any]:
    """The feed's events by UID, parsed back with icalendar."""
    calendar = Calendar.from_ical(body)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def new_feed_url(client: FlaskClient) -> str:
    """Make a feed link through the page, as a person would, and read it off the page."""
    response = client.post("/campaigns/calendar/subscribe/new", follow_redirects=True)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    match = FEED_URL.search(response.get_data(as_text=True))
    assert match, "the new link is shown on the page"
    return match.group(1).replace("&amp;", "&")


def fetch(client: FlaskClient, url: str) -> Any:
    assert url.startswith(BASE_URL)
    return client.get(url.removeprefix(BASE_URL))


def token_of(url: str) -> str:
    return url.split("token=", 1)[1]


# --- the events ----------------------------------------------------------------------------------


def test_feed_carries_every_touchpoint_as_an_event_with_its_details(app, manager_client):
    service = Service(slug="wellbeing-app", name="Wellbeing App")
    campaign = Campaign(name="Launch", start_date=date(2026, 1, 1), end_date=date(2027, 12, 31))
    db.session.add_all([service, campaign])
    start = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    touchpoint = add_touchpoint("Wellbeing app webinar", planned_at=start, duration_minutes=45,
                                location="Microsoft Teams", notes="Bring questions.",
                                campaign=campaign, services=[service])
    url = new_feed_url(manager_client)
    response = fetch(manager_client, url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["X-WR-CALNAME"]) == ics.CALENDAR_NAME
    assert str(calendar["VERSION"]) == "2.0"
    event = events(response.data)[touchpoint.ical_uid]
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == start
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert event.decoded("DTEND") == start + timedelta(minutes=45)
    assert event.decoded("DTSTAMP") == touchpoint.updated_at.replace(microsecond=0)
    assert event.decoded("LAST-MODIFIED") == touchpoint.updated_at.replace(microsecond=0)
    assert str(event["SUMMARY"]) == "Wellbeing app webinar"
    assert str(event["LOCATION"]) == "Microsoft Teams"
    assert str(event["STATUS"]) == "CONFIRMED"
    description = str(event["DESCRIPTION"])
    for words in ("Channel: Webinar", "Campaign: Launch", "Services: Wellbeing App",
                  "Bring questions."):
        assert words in description
    if ics.TOUCHPOINT_ENDPOINT in app.view_functions:
        assert str(event["URL"]).startswith(BASE_URL + "/")
        assert str(event["URL"]).endswith(str(touchpoint.id))


def test_uid_stays_and_sequence_rises_when_a_touchpoint_changes(app, manager_client):
    touchpoint = add_touchpoint("Sharps line briefing")
    url = new_feed_url(manager_client)
    before = events(fetch(manager_client, url).data)[touchpoint.ical_uid]

    moved = (utcnow() + timedelta(days=10)).replace(microsecond=0)
    update_touchpoint(db.session, touchpoint, fields_for("Sharps line briefing (moved)",
                                                         planned_at=moved),
                      user_id=None, now=utcnow())
    db.session.commit()
    after_body = fetch(manager_client, url).data
    after = events(after_body)
    assert list(after) == [touchpoint.ical_uid]  # replaced, not duplicated
    event = after[touchpoint.ical_uid]
    assert event["SEQUENCE"] == before["SEQUENCE"] + 1
    assert event.decoded("DTSTART") == moved
    assert str(event["SUMMARY"]) == "Sharps line briefing (moved)"
    assert event.decoded("LAST-MODIFIED") >= before.decoded("LAST-MODIFIED")


def test_a_cancelled_touchpoint_stays_in_the_feed_as_cancelled(app, manager_client):
    touchpoint = add_touchpoint("Practice visit", channel=Channel.PRACTICE_VISIT)
    url = new_feed_url(manager_client)
    sequence = events(fetch(manager_client, url).data)[touchpoint.ical_uid]["SEQUENCE"]
    cancel_touchpoint(db.session, touchpoint, "Practice closed", user_id=None, now=utcnow())
    db.session.commit()
    event = events(fetch(manager_client, url).data)[touchpoint.ical_uid]
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == sequence + 1
    assert str(event["SUMMARY"]).startswith("Cancelled: ")


def test_done_touchpoints_use_the_time_they_happened_and_a_default_length(app):
    happened = utc(2026, 7, 1, 9, 15)
    touchpoint = add_touchpoint("Newsletter", channel=Channel.NEWSLETTER,
                                planned_at=utc(2026, 6, 30, 9), actual_at=happened)
    event = events(ics.build_calendar([touchpoint], lambda t: None))[touchpoint.ical_uid]
    assert event.decoded("DTSTART") == happened
    assert event.decoded("DTEND") == happened + ics.DEFAULT_DURATION
    assert "URL" not in event
    assert "LOCATION" not in event


def test_feed_keeps_a_year_of_history_and_everything_planned(app):
    now = utcnow()
    old = add_touchpoint("Long ago", planned_at=now - timedelta(days=400),
                         actual_at=now - timedelta(days=400))
    recent = add_touchpoint("Last month", planned_at=now - timedelta(days=30),
                            actual_at=now - timedelta(days=30))
    later = add_touchpoint("Next year", planned_at=now + timedelta(days=400))
    found = events(ics.feed_calendar(db.session, lambda t: None, now))
    assert set(found) == {recent.ical_uid, later.ical_uid}
    assert old.ical_uid not in found


def test_the_feed_answers_conditional_requests(app, manager_client):
    add_touchpoint()
    url = new_feed_url(manager_client)
    first = fetch(manager_client, url)
    etag = first.headers["ETag"]
    again = manager_client.get(url.removeprefix(BASE_URL), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert manager_client.head(url.removeprefix(BASE_URL)).status_code == 200


# --- feed links ---------------------------------------------------------------------------------


def test_the_token_is_never_stored_in_plain_text(app, manager_client):
    url = new_feed_url(manager_client)
    token = token_of(url)
    assert len(token) >= 43  # 32 random bytes
    feed = db.session.scalars(select(CalendarFeed)).one()
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = " ".join(str(getattr(feed, c.key)) for c in CalendarFeed.__table__.columns)
    assert token not in stored
    for event in db.session.scalars(select(AuditEvent)):
        assert token not in f"{event.summary} {event.details}"


def test_the_link_is_shown_once(app, manager_client):
    url = new_feed_url(manager_client)
    with manager_client.session_transaction() as session:
        assert token_of(url) not in str(dict(session))  # gone from the cookie once shown
    page = manager_client.get("/campaigns/calendar/subscribe").get_data(as_text=True)
    assert token_of(url) not in page
    assert "You made a calendar link on" in page
    assert "Make a new calendar link" in page


def test_the_feed_needs_no_sign_in_but_the_right_token(app, manager_client, client):
    add_touchpoint()
    url = new_feed_url(manager_client)
    assert fetch(client, url).status_code == 200  # a calendar client has no session
    assert client.get("/campaigns/calendar/feed.ics").status_code == 404
    assert client.get("/campaigns/calendar/feed.ics?token=").status_code == 404
    assert client.get("/campaigns/calendar/feed.ics?token=not-a-token").status_code == 404
    wrong = token_of(url)[:-2] + ("AA" if not token_of(url).endswith("AA") else "BB")
    assert client.get(f"/campaigns/calendar/feed.ics?token={wrong}").status_code == 404


def test_a_new_link_replaces_the_old_one(app, manager_client, client):
    first = new_feed_url(manager_client)
    second = new_feed_url(manager_client)
    assert first != second
    assert fetch(client, first).status_code == 404
    assert fetch(client, second).status_code == 200
    feeds = db.session.scalars(select(CalendarFeed).order_by(CalendarFeed.id)).all()
    assert [f.revoked_at is None for f in feeds] == [False, True]


def test_turning_the_link_off_stops_the_feed_and_is_audited(app, manager_client, client):
    url = new_feed_url(manager_client)
    response = manager_client.post("/campaigns/calendar/subscribe/revoke")
    assert response.status_code == 302
    assert fetch(client, url).status_code == 404
    page = manager_client.get("/campaigns/calendar/subscribe").get_data(as_text=True)
    assert "Your calendar link has been turned off" in page
    assert "You do not have a calendar link yet" in page
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["calendar.feed_create", "calendar.feed_revoke"]


def test_turning_off_a_link_you_do_not_have_is_refused_and_changes_nothing(app, manager_client):
    response = manager_client.post("/campaigns/calendar/subscribe/revoke")
    assert response.status_code == 409
    assert "You have no calendar link to turn off" in response.get_data(as_text=True)
    assert db.session.scalars(select(AuditEvent)).all() == []


def session_cookie_contents(app: Flask, client: FlaskClient) -> str:
    """The session cookie as anyone holding it can read it: signed, not encrypted."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return json.dumps(serializer.loads(cookie.value))


def test_the_token_never_enters_the_session_cookie(app, manager_client):
    response = manager_client.post("/campaigns/calendar/subscribe/new")
    after_post = session_cookie_contents(app, manager_client)
    assert response.status_code == 200  # the answer to the POST shows the link itself
    token = token_of(FEED_URL.search(response.get_data(as_text=True)).group(1))  # type: ignore[union-attr]
    assert token not in after_post
    page = manager_client.get("/campaigns/calendar/subscribe").get_data(as_text=True)
    assert token not in page and "You made a calendar link on" in page
    assert token not in session_cookie_contents(app, manager_client)


def test_disabling_an_account_revokes_its_feed_for_good(app, admin_client):
    user = make_user(role=Role.MANAGER)
    db.session.commit()
    url = new_feed_url(sign_in(app.test_client(), user))
    assert fetch(app.test_client(), url).status_code == 200
    for active in ("", "y"):  # disabled, then enabled again, through the admin page
        response = admin_client.post(f"/admin/users/{user.id}",
                                     data={"role": "manager", "active": active})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert db.session.get(User, user.id).active is True
    assert fetch(app.test_client(), url).status_code == 404
    feed = db.session.scalars(select(CalendarFeed)).one()
    assert feed.revoked_at is not None
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert "calendar.feed_revoke" in actions


def test_disabling_from_the_command_line_revokes_the_feed_too(app, runner):
    user = make_user(role=Role.MANAGER)
    db.session.commit()
    url = new_feed_url(sign_in(app.test_client(), user))
    for command in ("disable", "enable"):
        assert runner.invoke(args=["users", command, user.email]).exit_code == 0
    assert fetch(app.test_client(), url).status_code == 404


def test_a_disabled_users_feed_stops(app):
    user = make_user(role=Role.MANAGER)
    db.session.commit()
    client = sign_in(app.test_client(), user)
    url = new_feed_url(client)
    assert fetch(app.test_client(), url).status_code == 200
    db.session.get(User, user.id).active = False
    db.session.commit()
    assert fetch(app.test_client(), url).status_code == 404
    with pytest.raises(ics.FeedError, match="disabled"):
        ics.create_feed(db.session, db.session.get(User, user.id), utcnow())


def test_steering_users_manage_their_own_feed_and_nobody_elses(app, steering_client):
    other = make_user(role=Role.MANAGER)
    db.session.commit()
    other_client = sign_in(app.test_client(), other)
    other_url = new_feed_url(other_client)

    url = new_feed_url(steering_client)
    assert fetch(app.test_client(), url).status_code == 200
    assert steering_client.post("/campaigns/calendar/subscribe/revoke").status_code == 302
    assert fetch(app.test_client(), url).status_code == 404
    assert fetch(app.test_client(), other_url).status_code == 200  # untouched
    owners = {f.user_id for f in db.session.scalars(
        select(CalendarFeed).where(CalendarFeed.revoked_at.is_(None)))}
    assert owners == {other.id}


def test_signed_out_visitors_cannot_make_or_turn_off_links(client):
    for path in ("/campaigns/calendar/subscribe/new", "/campaigns/calendar/subscribe/revoke"):
        response = client.post(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    assert db.session.scalars(select(CalendarFeed)).all() == []


class TestRateLimit:
    @pytest.fixture()
    def app_config(self) -> dict[str, Any]:
        return {"PUBLIC_BASE_URL": BASE_URL, "RATELIMIT_ENABLED": True}

    def test_each_link_is_rate_limited(self, app, manager_client, client):
        url = new_feed_url(manager_client)
        allowed = int(ics_limit().split()[0])
        answers = [fetch(client, url).status_code for _ in range(allowed + 1)]
        assert answers[:allowed] == [200] * allowed
        assert answers[-1] == 429


def ics_limit() -> str:
    from engage.campaigns.calendar_views import FEED_LIMIT_PER_LINK

    return FEED_LIMIT_PER_LINK


# --- the command line --------------------------------------------------------------------------


def test_calendar_export_writes_the_ics_for_the_days_asked(app, runner):
    march = add_touchpoint("March", planned_at=utc(2026, 3, 31, 23, 30),  # 1 April in the UK
                           actual_at=utc(2026, 3, 31, 23, 30))
    april = add_touchpoint("April", planned_at=utc(2026, 4, 30, 12),
                           actual_at=utc(2026, 4, 30, 12))
    may = add_touchpoint("May", planned_at=utc(2026, 5, 1, 9), actual_at=utc(2026, 5, 1, 9))
    result = runner.invoke(args=["campaigns", "calendar-export", "--from", "2026-04-01",
                                 "--to", "2026-04-30"])
    assert result.exit_code == 0, result.output
    found = events(result.stdout_bytes)
    assert set(found) == {march.ical_uid, april.ical_uid}
    everything = runner.invoke(args=["campaigns", "calendar-export"])
    assert set(events(everything.stdout_bytes)) == {march.ical_uid, april.ical_uid, may.ical_uid}


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "1 April"], "'1 April' does not match the format '%Y-%m-%d'"),
    (["--from", "2026-05-01", "--to", "2026-04-01"], "is before the first"),
])
def test_calendar_export_refuses_bad_dates(app, runner, args, message):
    result = runner.invoke(args=["campaigns", "calendar-export", *args])
    assert result.exit_code == 2
    assert message in result.output
