"""Small scenes for insight tests: localities, organisations, ledger rows and referrals."""

from __future__ import annotations

from datetime import UTC, date, datetime

from engage.campaigns.models import Channel, EngagementKind
from engage.extensions import db
from engage.insights.filters import InsightFilters
from engage.insights.scope import Scope, resolve
from tests.factories import make_engagement, make_locality, make_organisation

NOW = datetime(2022, 6, 15, 12, 0, tzinfo=UTC)
TODAY = date(2022, 6, 15)


def scope(**args: str) -> Scope:
    base = {"start": "2022-01-01", "end": "2022-06-30"}
    base.update(args)
    return resolve(db.session, InsightFilters.from_args(base, today=TODAY))


def engage(org, when: datetime, channel: Channel = Channel.PRACTICE_VISIT, **overrides):
    return make_engagement(org, occurred_at=when, channel=channel,
                           kind=overrides.pop("kind", EngagementKind.VISITED), **overrides)


def two_localities():
    """Fens (3 practices, 1 pharmacy) and Cambridge (2 practices), one closed practice."""
    fens, cambridge = make_locality("Fens"), make_locality("Cambridge")
    orgs = {
        "f1": make_organisation(name="Fen One", locality_id=fens.id, pcn="Fen PCN",
                                staff_headcount=20),
        "f2": make_organisation(name="Fen Two", locality_id=fens.id, pcn="Fen PCN",
                                staff_headcount=30),
        "f3": make_organisation(name="Fen Three", locality_id=fens.id, pcn="Fen PCN"),
        "fp": make_organisation(name="Fen Pharmacy", locality_id=fens.id,
                                kind="community_pharmacy", staff_headcount=5),
        "c1": make_organisation(name="Cam One", locality_id=cambridge.id, pcn="Cam PCN",
                                staff_headcount=40),
        "c2": make_organisation(name="Cam Two", locality_id=cambridge.id, pcn="Cam PCN",
                                staff_headcount=10),
        "closed": make_organisation(name="Closed Surgery", locality_id=cambridge.id,
                                    status="closed"),
    }
    return fens, cambridge, orgs
