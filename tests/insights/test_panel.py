"""The organisation × month panel built from the real tables (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np

from engage.campaigns.models import Channel
from engage.directory.models import OrgStatus
from engage.extensions import db
from engage.insights.filters import InsightFilters
from engage.insights.panel import LEAD_MONTHS, Panel, build_panel
from engage.insights.scope import resolve
from tests.factories import (
    make_engagement,
    make_locality,
    make_organisation,
    make_referral,
    make_service,
    make_uptake_batch,
)

PERIOD = InsightFilters(date(2022, 1, 1), date(2022, 12, 31))


def _panel(filters: InsightFilters = PERIOD, channel: Channel | None = None) -> Panel:
    return build_panel(db.session, resolve(db.session, filters), channel=channel)


def _row(panel: Panel, org_id: int) -> int:
    return int(np.flatnonzero(panel.organisation_ids == org_id)[0])


def _col(panel: Panel, key: str) -> int:
    return panel.months.index(key)


def test_every_active_organisation_is_a_row_even_with_nothing(app) -> None:
    quiet = make_organisation()
    closed = make_organisation(status=OrgStatus.CLOSED)
    db.session.commit()
    panel = _panel()
    assert list(panel.organisation_ids) == [quiet.id]
    assert closed.id not in panel.organisation_ids
    assert panel.referrals.sum() == 0
    assert panel.months[0] == "2021-07" and panel.months[-1] == "2022-12"
    assert panel.outcome_months[0] == "2022-01" and len(panel.outcome_months) == 12
    assert panel.lead == LEAD_MONTHS
    frame = panel.to_frame()
    assert len(frame) == 12 and set(frame["referrals"]) == {0}


def test_engagement_months_are_uk_calendar_months(app) -> None:
    org = make_organisation()
    # 23:30 UTC on 30 June 2022 is 00:30 on 1 July in London (summer time) ...
    make_engagement(org, occurred_at=datetime(2022, 6, 30, 23, 30, tzinfo=UTC),
                    channel=Channel.PRACTICE_VISIT, source_ref="a")
    # ... but 23:30 UTC on 31 January is still 31 January in London (GMT).
    make_engagement(org, occurred_at=datetime(2022, 1, 31, 23, 30, tzinfo=UTC),
                    channel=Channel.PRACTICE_VISIT, source_ref="b")
    make_engagement(org, occurred_at=datetime(2022, 3, 15, 10, tzinfo=UTC),
                    channel=Channel.WEBINAR, source_ref="c")
    db.session.commit()
    panel = _panel(channel=Channel.WEBINAR)
    visits = panel.engagement[Channel.PRACTICE_VISIT][_row(panel, org.id)]
    assert visits[_col(panel, "2022-07")] == 1 and visits[_col(panel, "2022-06")] == 0
    assert visits[_col(panel, "2022-01")] == 1 and visits[_col(panel, "2022-02")] == 0
    assert panel.engagement[Channel.WEBINAR][_row(panel, org.id), _col(panel, "2022-03")] == 1
    assert panel.engaged()[_row(panel, org.id)].sum() == 3
    assert panel.first_engaged[None][_row(panel, org.id)] == _col(panel, "2022-01")
    assert panel.first_engaged[Channel.WEBINAR][_row(panel, org.id)] == _col(panel, "2022-03")
    calls = _panel(channel=Channel.PHONE_CALL)
    assert calls.first_engaged[Channel.PHONE_CALL][_row(calls, org.id)] == Panel.NEVER


def test_late_evening_rows_on_several_month_ends_each_move_one_month(app) -> None:
    """Two summer month ends for one organisation: each late-evening row moves to the very
    next London month, not past it (a July row once landed in September)."""
    org = make_organisation()
    for n, moment in enumerate([datetime(2022, 7, 31, 23, 49, tzinfo=UTC),
                                datetime(2022, 8, 31, 23, 10, tzinfo=UTC),
                                datetime(2022, 8, 28, 22, 59, tzinfo=UTC),
                                datetime(2022, 12, 31, 23, 59, tzinfo=UTC)]):
        make_engagement(org, occurred_at=moment, channel=Channel.NEWSLETTER,
                        source_ref=f"edge-{n}")
    db.session.commit()
    panel = _panel()
    newsletters = panel.engagement[Channel.NEWSLETTER][_row(panel, org.id)]
    counts = {key: int(newsletters[i]) for i, key in enumerate(panel.months) if newsletters[i]}
    # 31 Jul 23:49 UTC is 1 Aug in London; 31 Aug 23:10 UTC is 1 Sep; 28 Aug 22:59 UTC stays
    # in August; 31 Dec 23:59 UTC is still 31 Dec (GMT).
    assert counts == {"2022-08": 2, "2022-09": 1, "2022-12": 1}


def test_lead_in_months_hold_engagement_and_first_engagement_may_be_earlier(app) -> None:
    """Six lead-in months: a first engagement there still reaches the period in the event
    study; one before them is marked EARLIER."""
    org = make_organisation()
    make_engagement(org, occurred_at=datetime(2021, 11, 5, 10, tzinfo=UTC), source_ref="lead")
    newcomer = make_organisation()
    make_engagement(newcomer, occurred_at=datetime(2021, 8, 5, 10, tzinfo=UTC), source_ref="new")
    make_engagement(org, occurred_at=datetime(2020, 5, 5, 10, tzinfo=UTC), source_ref="old")
    db.session.commit()
    panel = _panel()
    row = _row(panel, org.id)
    assert panel.engagement[Channel.WEBINAR][row, _col(panel, "2021-11")] == 1
    assert panel.first_engaged[None][row] == Panel.EARLIER  # May 2020, before the panel
    assert panel.first_engaged[None][_row(panel, newcomer.id)] == _col(panel, "2021-08")


def test_referrals_sum_per_month_and_only_live_rows_count(app) -> None:
    org = make_organisation()
    batch, later = make_uptake_batch(), make_uptake_batch()
    make_referral(organisation_id=org.id, batch_id=batch.id, referred_on=date(2022, 2, 3),
                  precision="day", count=2)
    make_referral(organisation_id=org.id, batch_id=batch.id, referred_on=date(2022, 2, 27),
                  precision="day", count=1)
    make_referral(organisation_id=org.id, batch_id=batch.id, referred_on=date(2022, 4, 1),
                  count=9, superseded_by_batch_id=later.id)
    rolled_back = make_uptake_batch(rolled_back_at=datetime(2022, 5, 1, tzinfo=UTC))
    make_referral(organisation_id=org.id, batch_id=rolled_back.id, referred_on=date(2022, 5, 1),
                  count=7)
    make_referral(organisation_id=None, batch_id=batch.id, referred_on=date(2022, 5, 1), count=5)
    make_referral(organisation_id=org.id, batch_id=batch.id, referred_on=date(2023, 1, 1),
                  count=4)  # after the period
    db.session.commit()
    panel = _panel()
    row = _row(panel, org.id)
    assert panel.referrals[row, _col(panel, "2022-02")] == 3
    assert panel.referrals[row].sum() == 3


def test_service_and_locality_filters(app) -> None:
    north, south = make_locality("North"), make_locality("South")
    a = make_organisation(locality_id=north.id)
    b = make_organisation(locality_id=south.id)
    one, two = make_service(), make_service()
    batch = make_uptake_batch()
    for org in (a, b):
        make_referral(organisation_id=org.id, batch_id=batch.id, service_id=one.id,
                      referred_on=date(2022, 3, 1), count=2)
        make_referral(organisation_id=org.id, batch_id=batch.id, service_id=two.id,
                      referred_on=date(2022, 3, 1), count=5)
    db.session.commit()
    both = _panel()
    assert both.referrals.sum() == 14
    panel = _panel(InsightFilters(PERIOD.start, PERIOD.end, service_id=one.id))
    assert panel.referrals.sum() == 4
    panel = _panel(InsightFilters(PERIOD.start, PERIOD.end, locality_id=north.id))
    assert list(panel.organisation_ids) == [a.id]
    assert panel.referrals.sum() == 7
