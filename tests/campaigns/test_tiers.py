"""Contacted and engaged: every kind of contact has one tier, defined once, and the migration
that brought the tiers in classified the rows already recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_migrate import upgrade

from engage import create_app
from engage.campaigns.ledger import Reach, record_reach
from engage.campaigns.models import (
    CHOOSABLE_TIER_KINDS,
    KIND_TIERS,
    MANUAL_KINDS,
    TIER_HINTS,
    Channel,
    EngagementKind,
    EngagementTier,
    tier_for,
)
from engage.database import UTCDateTime
from engage.extensions import db
from tests import databases
from tests.campaigns.support import NOW
from tests.conftest import base_config
from tests.factories import make_engagement, make_organisation

# Registering for an event is someone at the organisation acting: engaged (engage.registration).
ENGAGED = {EngagementKind.ATTENDED, EngagementKind.VISITED, EngagementKind.SCANNED,
           EngagementKind.OPENED, EngagementKind.CLICKED, EngagementKind.REGISTERED}


def test_every_kind_of_contact_has_a_tier():
    assert set(KIND_TIERS) == set(EngagementKind)
    assert {k for k, tier in KIND_TIERS.items() if tier is EngagementTier.ENGAGED} == ENGAGED
    assert set(TIER_HINTS) == set(EngagementTier)


def test_invitations_and_no_shows_are_at_most_contacted():
    for kind in (EngagementKind.INVITED, EngagementKind.ABSENT, EngagementKind.JOINED_BRIEFLY,
                 EngagementKind.RECEIVED, EngagementKind.POSTED):
        assert kind not in CHOOSABLE_TIER_KINDS
        assert tier_for(kind, EngagementTier.ENGAGED) is EngagementTier.CONTACTED


def test_a_phone_call_or_other_contact_is_contacted_unless_said_otherwise():
    assert set(CHOOSABLE_TIER_KINDS) <= set(MANUAL_KINDS)
    for kind in CHOOSABLE_TIER_KINDS:
        assert tier_for(kind) is EngagementTier.CONTACTED
        assert tier_for(kind, EngagementTier.ENGAGED) is EngagementTier.ENGAGED


def test_a_row_that_does_not_count_is_never_engaged():
    assert tier_for(EngagementKind.OPENED, counted=False) is EngagementTier.CONTACTED
    assert tier_for(EngagementKind.ATTENDED) is EngagementTier.ENGAGED


def test_ledger_rows_get_their_tier_from_the_kind_or_the_choice(app):
    org = make_organisation()
    record_reach(db.session, [
        Reach(org.id, EngagementKind.ATTENDED),
        Reach(org.id, EngagementKind.INVITED, tier=EngagementTier.ENGAGED),  # not choosable
        Reach(org.id, EngagementKind.CALLED),
        Reach(org.id, EngagementKind.OTHER, tier=EngagementTier.ENGAGED),
        Reach(org.id, EngagementKind.OPENED, counted=False),
    ], occurred_at=NOW, channel=Channel.PHONE_CALL, now=NOW)
    rows = db.session.execute(sa.text("SELECT kind, tier FROM engagement ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [
        ("attended", "engaged"), ("invited", "contacted"), ("called", "contacted"),
        ("other", "engaged"), ("opened", "contacted")]
    assert make_engagement(kind=EngagementKind.SCANNED).tier is EngagementTier.ENGAGED
    assert make_engagement(kind=EngagementKind.POSTED).tier is EngagementTier.CONTACTED


# The tables as they stood at 0010, with only the columns the rows below fill.
ORGANISATION = sa.table(
    "organisation", *(sa.column(c) for c in (
        "id", "ods_code", "name", "kind", "status", "locality_locked", "address", "postcode",
        "phone", "commissioner", "source", "is_demo")),
    sa.column("created_at", UTCDateTime()), sa.column("updated_at", UTCDateTime()))
CAMPAIGN = sa.table(
    "campaign", *(sa.column(c) for c in ("id", "name", "objective", "status")),
    sa.column("start_date", sa.Date()), sa.column("end_date", sa.Date()),
    sa.column("audience_kinds", sa.JSON()), sa.column("audience_locality_ids", sa.JSON()),
    sa.column("audience_pcns", sa.JSON()),
    sa.column("created_at", UTCDateTime()), sa.column("updated_at", UTCDateTime()))
TARGET = sa.table("campaign_target", *(sa.column(c) for c in (
    "id", "campaign_id", "target_count")), sa.column("due_date", sa.Date()))
ENGAGEMENT = sa.table(
    "engagement", *(sa.column(c) for c in (
        "id", "organisation_id", "channel", "kind", "people", "source", "counted",
        "void_reason", "note")),
    sa.column("occurred_at", UTCDateTime()), sa.column("created_at", UTCDateTime()))


def test_the_migration_classifies_rows_recorded_before_it(tmp_path):
    when = datetime(2021, 9, 14, 11, 30, tzinfo=UTC)
    kinds = [("invited", True), ("attended", True), ("absent", True), ("visited", True),
             ("received", True), ("posted", True), ("called", True), ("scanned", True),
             ("opened", True), ("opened", False), ("clicked", True), ("other", True)]
    with databases.fresh_database(tmp_path, name="tiers") as url:
        app = create_app(base_config(url))
        with app.app_context():
            try:
                upgrade(revision="0010_login_throttle")
                with db.engine.begin() as conn:
                    conn.execute(ORGANISATION.insert().values(
                        id=1, ods_code="D81001", name="Surgery", kind="gp_practice",
                        status="active", locality_locked=False, address="", postcode="",
                        phone="", commissioner="", source="manual", is_demo=False,
                        created_at=when, updated_at=when))
                    conn.execute(CAMPAIGN.insert().values(
                        id=1, name="Launch", objective="", status="active",
                        start_date=date(2021, 6, 1), end_date=date(2022, 5, 31),
                        audience_kinds=[], audience_locality_ids=[], audience_pcns=[],
                        created_at=when, updated_at=when))
                    conn.execute(TARGET.insert().values(id=1, campaign_id=1, target_count=1,
                                                        due_date=date(2022, 5, 31)))
                    conn.execute(ENGAGEMENT.insert(), [
                        {"id": n, "organisation_id": 1, "channel": "other", "kind": kind,
                         "people": 1, "source": "manual", "counted": counted,
                         "void_reason": "", "note": "", "occurred_at": when,
                         "created_at": when}
                        for n, (kind, counted) in enumerate(kinds, start=1)])
                upgrade()
                with db.engine.connect() as conn:
                    tiers = conn.execute(sa.text(
                        "SELECT kind, counted, tier FROM engagement ORDER BY id")).all()
                    target = conn.execute(sa.text(
                        "SELECT tier, measure FROM campaign_target")).one()
                assert [(kind, bool(counted), tier) for kind, counted, tier in tiers] == [
                    (kind, counted,
                     "engaged" if counted and EngagementKind(kind) in ENGAGED else "contacted")
                    for kind, counted in kinds]
                assert tuple(target) == ("engaged", "count")
            finally:
                db.session.remove()
                db.engine.dispose()
