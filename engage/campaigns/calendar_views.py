"""Outreach calendar and iCalendar feed routes (on the campaigns blueprint)."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectField, StringField

from engage.auth.access import Access, access
from engage.auth.accounts import account_disabled
from engage.campaigns import ics
from engage.campaigns.blueprint import bp
from engage.campaigns.calendar import (
    RECENT_DAYS,
    CalendarError,
    CalendarFilter,
    agenda,
    campaign_choices,
    group_by_day,
    month_view,
    parse_month,
)
from engage.campaigns.models import Channel, Touchpoint, TouchpointStatus
from engage.database import utcnow
from engage.directory.forms import choices
from engage.errors import render_error
from engage.extensions import db, limiter
from engage.timezone import uk_day
from engage.transactions import saving

ANY = ""
CURRENT = "current"  # planned or done: everything but the cancelled
STATUS_CHOICES = choices([
    (ANY, "Any status"),
    (CURRENT, "Planned or done"),
    *((s.value, s.label) for s in TouchpointStatus),
])
# Calendar clients poll; these limits leave room for every client and stop a runaway one.
FEED_LIMIT_PER_LINK = "60 per hour"
FEED_LIMIT_PER_ADDRESS = "600 per hour"


class CalendarFilterForm(FlaskForm):
    """The calendar's filters: a GET form, so it carries no CSRF token."""

    class Meta:
        csrf = False

    month = StringField("Month")
    campaign = SelectField("Campaign", default=ANY)
    channel = SelectField(
        "Channel", default=ANY,
        choices=choices([(ANY, "Any channel"), *((c.value, c.label) for c in Channel)]),
    )
    status = SelectField("Status", default=ANY, choices=STATUS_CHOICES)


def _filters() -> tuple[CalendarFilterForm, CalendarFilter, dict[str, str]]:
    """Filters from the query string; a value no longer offered (a deleted campaign) is ignored."""
    form = CalendarFilterForm(request.args)
    form.campaign.choices = choices([(ANY, "Any campaign")] + [
        (str(id_), name) for id_, name in campaign_choices(db.session)
    ])
    form.validate()
    for field in (form.campaign, form.channel, form.status):
        if field.errors:
            field.data, field.errors = field.default, []
    status = form.status.data
    statuses = None
    if status == CURRENT:
        statuses = frozenset({TouchpointStatus.PLANNED, TouchpointStatus.DONE})
    elif status:
        statuses = frozenset({TouchpointStatus(status)})
    where = CalendarFilter(
        campaign_id=int(form.campaign.data) if form.campaign.data else None,
        channel=Channel(form.channel.data) if form.channel.data else None,
        statuses=statuses,
    )
    args = {
        name: str(form[name].data)
        for name in ("campaign", "channel", "status")
        if form[name].data
    }
    return form, where, args


def touchpoint_href(touchpoint: Touchpoint) -> str | None:
    """The touchpoint's page, once the campaigns pages provide one."""
    if ics.TOUCHPOINT_ENDPOINT not in current_app.view_functions:
        return None
    return url_for(ics.TOUCHPOINT_ENDPOINT, touchpoint_id=touchpoint.id)


@bp.get("/calendar/")
@access(Access.VIEW)
def calendar() -> str | tuple[str, int]:
    """A month of touchpoints on their UK days, with the filters of the list view."""
    form, where, args = _filters()
    today = uk_day(utcnow())
    try:
        first = parse_month(request.args.get("month"), today)
    except CalendarError as exc:
        return render_error(400, "That month cannot be shown", str(exc))
    month = month_view(db.session, first, today, where)
    return render_template("campaigns/calendar.html", form=form, month=month, args=args,
                           href=touchpoint_href)


@bp.get("/calendar/list")
@access(Access.VIEW)
def calendar_list() -> str:
    """Upcoming touchpoints, soonest first, and those of recent weeks, newest first."""
    form, where, args = _filters()
    now = utcnow()
    found = agenda(db.session, now, where)
    return render_template(
        "campaigns/calendar_list.html", form=form, args=args, agenda=found,
        upcoming=group_by_day(found.upcoming), recent=group_by_day(found.recent),
        today=uk_day(now), href=touchpoint_href, recent_days=RECENT_DAYS,
    )


# The new link is shown only in the answer to the POST that made it, never carried in the
# session; copy-field.js then points the history entry at the plain page, so a reload asks
# for that page (link no longer shown) instead of posting again (which would replace it).
def _subscribe_page(status: int = 200, token: str | None = None) -> tuple[str, int]:
    """The page; with `token` (only ever the response to the POST that made it) the link too.

    The token is never put in the session: Flask's session is a signed, not encrypted, cookie,
    so anything in it can be read by whoever sees the cookie.
    """
    feed = ics.active_feed(db.session, current_user.id)
    url = None
    if token and feed is not None and feed.token_hash == ics.hash_token(token):
        url = ics.public_url(current_app, current_app.config["PUBLIC_BASE_URL"],
                             "campaigns.calendar_feed", token=token)
    return render_template("campaigns/calendar_subscribe.html", feed=feed, feed_url=url), status


@bp.get("/calendar/subscribe")
@access(Access.VIEW)
def calendar_subscribe() -> tuple[str, int]:
    """Your private calendar link: whether you have one, and how to make or turn one off."""
    return _subscribe_page()


@bp.post("/calendar/subscribe/new")
@access(Access.SELF)
def calendar_feed_create() -> BaseResponse | tuple[str, int]:
    """Make a new link (the old one stops); this response shows it once, never again."""
    with saving(ics.FeedError) as saved:
        _feed, token = ics.create_feed(db.session, current_user, utcnow())
    if not saved:
        return render_error(400, "The calendar link could not be made", saved.error)
    return _subscribe_page(token=token)


@bp.post("/calendar/subscribe/revoke")
@access(Access.SELF)
def calendar_feed_revoke() -> BaseResponse | tuple[str, int]:
    """Turn your link off: calendars subscribed to it get nothing more from engage."""
    with saving(ics.FeedError) as saved:
        ics.revoke_feed(db.session, current_user, utcnow())
    if not saved:
        flash(saved.error)
        return _subscribe_page(status=409)
    flash("Your calendar link has been turned off. Remove the calendar from Outlook or Google "
          "Calendar too: it will not update again.")
    return redirect(url_for("campaigns.calendar_subscribe"))


@bp.record_once
def _revoke_feeds_of_disabled_accounts(_state: object) -> None:
    account_disabled.connect(ics.revoke_when_disabled)


def _feed_link_key() -> str:
    """Limit each link on its own (a hash, so the token never reaches the limiter's store)."""
    return "calendar-feed:" + ics.hash_token(request.args.get("token", ""))[:32]


@bp.get("/calendar/feed.ics")
@access(Access.PUBLIC)  # calendar clients cannot sign in: the token is the credential
@limiter.limit(FEED_LIMIT_PER_LINK, key_func=_feed_link_key)
@limiter.limit(FEED_LIMIT_PER_ADDRESS)
def calendar_feed() -> BaseResponse:
    """The outreach calendar for Outlook and Google Calendar; unknown or turned-off links 404."""
    # The token travels as ?token=, which the log redaction already hides in request lines.
    owner = ics.feed_owner(db.session, request.args.get("token", ""))
    if owner is None:
        abort(404)
    link = ics.touchpoint_links(current_app, current_app.config["PUBLIC_BASE_URL"])
    body = ics.feed_calendar(db.session, link, utcnow())
    response = Response(body, content_type="text/calendar; charset=utf-8", headers={
        "Content-Disposition": 'inline; filename="engage-outreach.ics"',
        "X-Robots-Tag": "noindex",
    })
    response.add_etag()
    return response.make_conditional(request)
