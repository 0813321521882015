"""Jinja filters and globals shared by every page."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask, g, request, url_for
from flask_login import current_user

from engage.sections import page_sections
from engage.timezone import LONDON

NHSUK_VERSION = "10.6.1"


def london(value: datetime | None, fmt: str = "%-d %b %Y %H:%M") -> str:
    """Show a stored UTC time in UK local time, daylight saving included."""
    if value is None:
        return ""
    return value.astimezone(LONDON).strftime(fmt)


def long_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return value.strftime("%-d %B %Y")


def navigation() -> list[dict[str, Any]]:
    """Header links for the signed-in user's role; the current section is marked."""
    if not current_user.is_authenticated:
        return []
    items = [
        ("Overview", "home.index", "home."),
        ("Directory", "directory.index", "directory."),
        ("Campaigns", "campaigns.index", "campaigns."),
        ("Calendar", "campaigns.calendar", "campaigns.calendar"),
        ("Catalogue", "catalogue.index", "catalogue."),
        ("Uptake", "uptake.index", "uptake."),
        ("Insights", "insights.index", "insights."),
        ("QR codes", "links.index", "links."),
        ("Reminders", "reminders.index", "reminders."),
    ]
    if current_user.can_manage:
        items.append(("Email", "messaging.outbox", "messaging."))
    if current_user.is_admin:
        items += [("Users", "auth.users", "auth."), ("Audit log", "audit.index", "audit.")]
    endpoint = request.endpoint or ""
    # The most specific section wins: calendar pages are campaigns.calendar*, not Campaigns.
    current = max((p for _, _, p in items if endpoint.startswith(p)), key=len, default=None)
    return [
        {"text": text, "href": url_for(target), "current": prefix == current}
        for text, target, prefix in items
    ]


def demo_data_present() -> bool:
    """Whether demo data is loaded, checked once per request for the banner."""
    if "demo_present" not in g:
        from engage.directory.summary import demo_loaded
        from engage.extensions import db

        try:
            g.demo_present = demo_loaded(db.session)
        except Exception:  # noqa: BLE001 - an error page must still render without a database
            g.demo_present = False
    return bool(g.demo_present)


def init_templating(app: Flask) -> None:
    from engage.campaigns.models import TIER_HINTS  # noqa: PLC0415 - models need the app's db
    from engage.messaging import sends  # noqa: PLC0415

    app.jinja_env.filters["london"] = london
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.globals.update(
        navigation=navigation, demo_data_present=demo_data_present, nhsuk_version=NHSUK_VERSION,
        page_sections=page_sections,
        # The tiers' meanings, for macros/tiers.html: the same words wherever a tier is counted.
        tier_hints={tier.value: hint for tier, hint in TIER_HINTS.items()},
        # A send's reference, for links to its report: written in one place (messaging/sends.py).
        bulletin_ref=sends.bulletin_ref, rule_ref=sends.rule_ref,
    )
