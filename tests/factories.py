"""`make_<model>(**overrides)`: valid objects with defaults, added to the session."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

from engage.auth.accounts import create_user
from engage.auth.models import Role, User
from engage.campaigns.models import (
    Campaign,
    CampaignStatus,
    CampaignTarget,
    Channel,
    Engagement,
    EngagementKind,
    Touchpoint,
    TouchpointStatus,
)
from engage.catalogue.models import AccessRoute, Audience, Service
from engage.directory.models import Contact, ContactRole, Locality, Organisation, OrgKind, OrgStatus
from engage.extensions import db

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def make_user(role: Role = Role.MANAGER, email: str | None = None, password: str = PASSWORD,
              **overrides: Any) -> User:
    n = next(_seq)
    user = create_user(db.session, email or f"user{n}@example.org", password, role,
                       name=overrides.pop("name", f"Test User {n}"))
    for key, value in overrides.items():
        setattr(user, key, value)
    db.session.flush()
    return user


def make_locality(name: str | None = None, **overrides: Any) -> Locality:
    locality = Locality(name=name or f"Locality {next(_seq)}", **overrides)
    db.session.add(locality)
    db.session.flush()
    return locality


def make_organisation(**overrides: Any) -> Organisation:
    n = next(_seq)
    values: dict[str, Any] = {
        "ods_code": f"Z{n:05d}",
        "name": f"Test Surgery {n}",
        "kind": OrgKind.GP_PRACTICE,
        "status": OrgStatus.ACTIVE,
        "postcode": "CB1 1AA",
        "post_town": "CAMBRIDGE",
    }
    values.update(overrides)
    org = Organisation(**values)
    db.session.add(org)
    db.session.flush()
    return org


def make_contact(organisation: Organisation | None = None, **overrides: Any) -> Contact:
    n = next(_seq)
    values: dict[str, Any] = {
        "name": f"Contact {n}",
        "role": ContactRole.PRACTICE_MANAGER,
        "email": f"contact{n}@example.org",
    }
    values.update(overrides)
    contact = Contact(organisation=organisation or make_organisation(), **values)
    db.session.add(contact)
    db.session.flush()
    return contact


def make_service(**overrides: Any) -> Service:
    n = next(_seq)
    values: dict[str, Any] = {
        "slug": f"service-{n}",
        "name": f"Test Service {n}",
        "summary": "A service for tests.",
        "audience": Audience.ALL_STAFF,
        "access_routes": [AccessRoute.SELF_REFERRAL.value],
        # A contact route, so the service is public unless a test takes it away.
        "website": "https://example.org/oh",
        "sort_order": n,
    }
    values.update(overrides)
    service = Service(**values)
    db.session.add(service)
    db.session.flush()
    return service


def make_campaign(**overrides: Any) -> Campaign:
    n = next(_seq)
    values: dict[str, Any] = {
        "name": f"Test Campaign {n}",
        "objective": "Reach every practice.",
        "status": CampaignStatus.ACTIVE,
        "start_date": date(2021, 6, 1),
        "end_date": date(2022, 6, 30),
        "audience_kinds": [],
        "audience_locality_ids": [],
        "audience_pcns": [],
    }
    values.update(overrides)
    campaign = Campaign(**values)
    db.session.add(campaign)
    db.session.flush()
    return campaign


def make_campaign_target(campaign: Campaign | None = None, **overrides: Any) -> CampaignTarget:
    campaign = campaign or make_campaign()
    values: dict[str, Any] = {"target_count": 10, "due_date": campaign.end_date}
    values.update(overrides)
    target = CampaignTarget(campaign=campaign, **values)
    db.session.add(target)
    db.session.flush()
    return target


def make_touchpoint(campaign: Campaign | None = None, **overrides: Any) -> Touchpoint:
    n = next(_seq)
    values: dict[str, Any] = {
        "channel": Channel.WEBINAR,
        "title": f"Test Webinar {n}",
        "status": TouchpointStatus.PLANNED,
        "planned_at": datetime(2021, 9, 14, 11, 30, tzinfo=UTC),
    }
    values.update(overrides)
    touchpoint = Touchpoint(campaign=campaign, **values)
    db.session.add(touchpoint)
    db.session.flush()
    return touchpoint


def make_engagement(organisation: Organisation | None = None, **overrides: Any) -> Engagement:
    values: dict[str, Any] = {
        "occurred_at": datetime(2021, 9, 14, 11, 30, tzinfo=UTC),
        "channel": Channel.WEBINAR,
        "kind": EngagementKind.ATTENDED,
        "people": 1,
    }
    values.update(overrides)
    touchpoint = values.get("touchpoint")
    if touchpoint is not None and "campaign_id" not in values:
        values["campaign_id"] = touchpoint.campaign_id
    engagement = Engagement(organisation=organisation or make_organisation(), **values)
    db.session.add(engagement)
    db.session.flush()
    return engagement


def make_short_link(**overrides: Any) -> Any:
    """A live QR link to a new service, for a new organisation (links feature)."""
    from engage.links.codes import new_code
    from engage.links.models import Medium, ShortLink

    values: dict[str, Any] = {"code": new_code(), "medium": Medium.QR, "message": ""}
    if "service" not in overrides and "service_id" not in overrides:
        values["service"] = make_service()
    if "organisation" not in overrides and "organisation_id" not in overrides:
        values["organisation"] = make_organisation()
    values.update(overrides)
    link = ShortLink(**values)
    db.session.add(link)
    db.session.flush()
    return link


def make_outbox_message(**overrides: Any) -> Any:
    from engage.messaging.models import OutboxMessage, OutboxStatus

    n = next(_seq)
    values: dict[str, Any] = {
        "idempotency_key": f"test:{n}",
        "status": OutboxStatus.QUEUED,
        "kind": "test",
        "template": "test",
        "to_email": f"recipient{n}@example.org",
        "subject": f"Test message {n}",
        "text_body": "Hello.",
        "headers": {},
        "attachments": [],
    }
    values.update(overrides)
    message = OutboxMessage(**values)
    db.session.add(message)
    db.session.flush()
    return message


def make_mailbox_message(**overrides: Any) -> Any:
    from engage.messaging.models import MailboxMessage

    n = next(_seq)
    values: dict[str, Any] = {
        "from_email": "engage@example.org",
        "to_email": f"recipient{n}@example.org",
        "subject": f"Test message {n}",
        "text_body": "Hello.",
        "html_body": "<p>Hello.</p>",
        "headers": {},
        "attachments": [],
    }
    values.update(overrides)
    message = MailboxMessage(**values)
    db.session.add(message)
    db.session.flush()
    return message


def make_uptake_batch(**overrides: Any) -> Any:
    from engage.uptake.models import UptakeBatch

    n = next(_seq)
    values: dict[str, Any] = {"filename": f"referrals-{n}.csv", "sha256": f"{n:064x}",
                              "rows": 0, "total": 0}
    values.update(overrides)
    batch = UptakeBatch(**values)
    db.session.add(batch)
    db.session.flush()
    return batch


def make_referral(**overrides: Any) -> Any:
    from engage.uptake.models import Referral

    values: dict[str, Any] = {"referred_on": date(2022, 6, 1), "precision": "month", "count": 1}
    values.update(overrides)
    if "batch_id" not in values:
        values["batch_id"] = make_uptake_batch().id
    if "service_id" not in values:
        values["service_id"] = make_service().id
    if "organisation_id" not in values:
        values["organisation_id"] = make_organisation().id
    referral = Referral(**values)
    db.session.add(referral)
    db.session.flush()
    return referral


def make_reminder_rule(touchpoint: Touchpoint | None = None, **overrides: Any) -> Any:
    from engage.reminders.models import OffsetUnit, ReminderRule, RuleKind

    values: dict[str, Any] = {"kind": RuleKind.REMINDER, "offset_amount": 1,
                              "offset_unit": OffsetUnit.DAYS}
    values.update(overrides)
    rule = ReminderRule(touchpoint=touchpoint or make_touchpoint(), **values)
    db.session.add(rule)
    db.session.flush()
    return rule


def make_bulletin(campaign: Campaign | None = None, **overrides: Any) -> Any:
    from engage.reminders.models import Bulletin

    values: dict[str, Any] = {"subject": "Winter bulletin", "body_markdown": "Hello **all**."}
    values.update(overrides)
    bulletin = Bulletin(campaign=campaign or make_campaign(), **values)
    db.session.add(bulletin)
    db.session.flush()
    return bulletin


def make_bulletin_template(**overrides: Any) -> Any:
    from engage.reminders.models import BulletinTemplate

    values: dict[str, Any] = {"name": f"Template {next(_seq)}", "subject": "Monthly news",
                              "body_markdown": "## This month\n\nNews."}
    values.update(overrides)
    template = BulletinTemplate(**values)
    db.session.add(template)
    db.session.flush()
    return template


def make_report_snapshot(**overrides: Any) -> Any:
    """A saved steering-group report with a minimal set of figures (insights feature)."""
    from engage.insights.models import ReportSnapshot

    n = next(_seq)
    filters = {"start": "2021-06-01", "end": "2022-05-31"}
    values: dict[str, Any] = {
        "title": f"Steering group {n}", "taken_at": datetime(2022, 6, 1, 9, 0, tzinfo=UTC),
        "taken_by": "manager@example.org", "filters": filters,
        "figures": {"filters": filters, "about": "1 June 2021 to 31 May 2022",
                    "previous_about": "1 June 2020 to 31 May 2021", "generated_at":
                    "2022-06-01T09:00:00+00:00", "headlines": [],
                    "coverage": {"overall": {"label": "All target organisations", "target": 0,
                                             "reached": 0, "not_reached": 0, "percent": None},
                                 "by_locality": [], "by_kind": []},
                    "cold": {"days": 90, "count": 0, "shown": []},
                    "uptake": {"months": [], "services": [], "cells": {}},
                    "equity": {"by_locality": [], "by_kind": [], "characteristics": [],
                               "suppressed": False}},
    }
    values.update(overrides)
    snapshot = ReportSnapshot(**values)
    db.session.add(snapshot)
    db.session.flush()
    return snapshot
