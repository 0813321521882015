from datetime import UTC, date, datetime

import pytest

from engage.campaigns.models import Channel, EngagementKind
from engage.extensions import db
from engage.insights.awareness import awareness
from engage.insights.equity import equity
from engage.insights.figures import headlines, scan_total, uptake
from engage.insights.matrix import Columns, Show, Sort, matrix
from engage.insights.report import figures
from engage.insights.snapshots import SnapshotError, compare, readable, save_snapshot
from engage.links.models import AwarenessAnswer, Device, Scan
from tests.factories import make_referral, make_service, make_short_link, make_uptake_batch
from tests.insights.helpers import NOW, TODAY, engage, scope, two_localities

_keys = iter(range(1, 10**6))


def answer(service, day, knew, org=None):
    db.session.add(AwarenessAnswer(service_id=service.id, knew_before=knew, day=day,
                                   at=datetime.combine(day, datetime.min.time(), UTC),
                                   visitor_key=f"v{next(_keys)}",
                                   organisation_id=org.id if org else None))
    db.session.flush()


def test_awareness_share_per_service_and_month(app):
    _, _, orgs = two_localities()
    app_service, helpline = make_service(name="App"), make_service(name="Helpline")
    answer(app_service, date(2022, 2, 3), True)
    answer(app_service, date(2022, 2, 9), False)
    answer(app_service, date(2022, 4, 1), True)
    answer(helpline, date(2022, 4, 2), False)
    answer(helpline, date(2021, 4, 2), True)  # before the period
    result = awareness(db.session, scope())
    assert result.months == ["2022-02", "2022-03", "2022-04"]
    by = {s.service: s for s in result.services}
    assert by["App"].by_month["2022-02"].percent == 50
    assert (by["App"].total.answers, by["App"].total.knew) == (3, 2)
    assert by["Helpline"].total.percent == 0
    assert result.total.answers == 4
    chart = result.chart()
    assert chart["series"][0]["data"] == [50, None, 100]


def test_awareness_filters_by_service_and_locality(app):
    fens, _, orgs = two_localities()
    service = make_service()
    answer(service, date(2022, 2, 3), True, orgs["f1"])
    answer(service, date(2022, 2, 3), False, orgs["c1"])
    assert awareness(db.session, scope(locality=str(fens.id))).total.answers == 1
    other = make_service()
    assert awareness(db.session, scope(service=str(other.id))).total.answers == 0


def test_uptake_per_month_and_service_counts_only_live_rows(app):
    _, _, orgs = two_localities()
    service = make_service(name="Referrals")
    make_referral(organisation_id=orgs["f1"].id, service_id=service.id, count=4,
                  referred_on=date(2022, 2, 1))
    make_referral(organisation_id=None, service_id=service.id, count=3,
                  referred_on=date(2022, 2, 14))
    gone = make_uptake_batch(rolled_back_at=NOW)
    make_referral(organisation_id=orgs["f1"].id, service_id=service.id, count=50,
                  referred_on=date(2022, 2, 1), batch_id=gone.id)
    result = uptake(db.session, scope())
    assert result.months[0] == "2022-01" and result.months[-1] == "2022-06"
    assert result.cells["2022-02"] == {"Referrals": 7}
    assert result.grand_total == 7


def test_scans_count_people_not_bots(app):
    link = make_short_link()
    for device in (Device.MOBILE, Device.DESKTOP, Device.BOT):
        db.session.add(Scan(link_id=link.id, at=NOW, day=date(2022, 3, 1), device=device,
                            visitor_key="k"))
    db.session.flush()
    assert scan_total(db.session, scope()) == 2


def test_headlines_compare_with_the_period_before(app):
    _, _, orgs = two_localities()
    engage(orgs["f1"], datetime(2022, 3, 1, tzinfo=UTC))
    engage(orgs["f2"], datetime(2021, 9, 1, tzinfo=UTC))
    engage(orgs["f3"], datetime(2021, 9, 1, tzinfo=UTC))
    engage(orgs["c1"], datetime(2022, 3, 1, tzinfo=UTC), kind=EngagementKind.INVITED)
    engaged, contacted = headlines(db.session, scope())[:2]
    assert engaged.label == "Organisations engaged"
    assert (engaged.value, engaged.previous, engaged.change) == (1, 2, -1)
    assert contacted.label == "Organisations contacted"
    assert (contacted.value, contacted.previous, contacted.change) == (2, 2, 0)


def test_equity_groups_against_staff_base_with_suppression(app):
    _, _, orgs = two_localities()
    engage(orgs["c1"], datetime(2022, 3, 1, tzinfo=UTC))
    service = make_service()
    make_referral(organisation_id=orgs["f1"].id, service_id=service.id, count=20,
                  referred_on=date(2022, 3, 1), sex="Female")
    make_referral(organisation_id=orgs["c1"].id, service_id=service.id, count=10,
                  referred_on=date(2022, 3, 1), sex="Male")
    result = equity(db.session, scope())
    by = {g.label: g for g in result.by_locality}
    assert (by["Fens"].organisations, by["Fens"].staff, by["Fens"].staff_known) == (4, 55, 3)
    assert (by["Cambridge"].engaged, by["Cambridge"].contacted) == (1, 1)
    assert by["Fens"].referrals_shown == "20" and round(by["Fens"].referral_share) == 67
    assert round(by["Cambridge"].staff_share) == 48  # 50 of 105 known staff
    assert not result.suppressed
    sex = result.characteristics[0]
    assert sex.cells == [("Female", "20"), ("Male", "10")]


def test_matrix_by_month_counts_uk_months_for_the_page(app):
    _, _, orgs = two_localities()
    # 23:30 UTC on 31 March 2022 is 00:30 on 1 April in the UK.
    engage(orgs["f1"], datetime(2022, 3, 31, 23, 30, tzinfo=UTC))
    engage(orgs["f1"], datetime(2022, 3, 2, tzinfo=UTC), Channel.WEBINAR)
    result = matrix(db.session, scope(), columns=Columns.MONTH, sort=Sort.ACTIVITY,
                    show=Show.ALL, kind=None, page=1)
    first = result.rows[0]
    assert first.name == "Fen One" and first.cells == {"2022-03": 1, "2022-04": 1}
    engage(orgs["f2"], datetime(2022, 3, 2, tzinfo=UTC), Channel.WEBINAR,
           kind=EngagementKind.INVITED)
    engage(orgs["f1"], datetime(2022, 3, 1, tzinfo=UTC), Channel.WEBINAR,
           kind=EngagementKind.INVITED)
    reached = matrix(db.session, scope(), columns=Columns.CHANNEL, sort=Sort.NAME,
                     show=Show.ENGAGED, kind=None, page=1)
    assert [r.name for r in reached.rows] == ["Fen One"]
    assert reached.rows[0].cells == {"practice_visit": 1, "webinar": 2}
    assert reached.rows[0].engaged == {"practice_visit": 1, "webinar": 1}
    assert (reached.rows[0].engaged_total, reached.rows[0].total) == (2, 3)
    invited = matrix(db.session, scope(), columns=Columns.CHANNEL, sort=Sort.NAME,
                     show=Show.CONTACTED_ONLY, kind=None, page=1)
    assert [r.name for r in invited.rows] == ["Fen Two"]
    assert invited.rows[0].engaged == {} and invited.rows[0].cells == {"webinar": 1}
    assert [r.name for r in matrix(db.session, scope(), columns=Columns.CHANNEL,
                                   sort=Sort.NAME, show=Show.NOT_CONTACTED, kind=None,
                                   page=1).rows] == ["Cam One", "Cam Two", "Fen Pharmacy",
                                                     "Fen Three"]
    unreached = matrix(db.session, scope(), columns=Columns.CHANNEL, sort=Sort.LOCALITY,
                       show=Show.NOT_ENGAGED, kind=None, page=1, per_page=2)
    assert unreached.pagination.total == 5 and len(unreached.rows) == 2
    assert unreached.rows[0].locality == "Cambridge"


def test_snapshot_keeps_figures_and_refuses_a_blank_title(app):
    two_localities()
    data = figures(db.session, scope(), today=TODAY, now=NOW)
    with pytest.raises(SnapshotError):
        save_snapshot(db.session, title="  ", figures=data, actor=None, now=NOW)
    saved = save_snapshot(db.session, title="March meeting", figures=data, actor=None, now=NOW)
    assert saved.filters == {"start": "2022-01-01", "end": "2022-06-30"}
    compared = compare(saved.figures, data)
    assert all(c.change in (0, None) for c in compared["headlines"])


def test_a_snapshot_saved_before_the_tiers_shows_its_reach_as_contacted(app):
    """Version 1 counted every contact as "reached": it is never passed off as engaged."""
    _, _, orgs = two_localities()
    engage(orgs["f1"], datetime(2022, 3, 1, tzinfo=UTC))
    now = figures(db.session, scope(), today=TODAY, now=NOW)
    old = {"version": 1, "headlines": [], "coverage": {
        "overall": {"label": "All target organisations", "target": 6, "reached": 3,
                    "not_reached": 3, "percent": 50, "key": ""},
        "by_locality": [{"label": "Fens", "target": 4, "reached": 3, "not_reached": 1,
                         "percent": 75, "key": "1"}], "by_kind": []},
        "equity": {"by_locality": [{"label": "Fens", "reached": 3, "reached_percent": 75}],
                   "by_kind": []}}
    shown = readable(old)
    assert shown["coverage"]["overall"]["contacted"] == 3
    assert shown["coverage"]["overall"]["engaged"] is None
    assert shown["equity"]["by_locality"][0]["contacted"] == 3
    assert old["coverage"]["overall"]["reached"] == 3  # the saved figures are not changed
    compared = compare(old, now)
    assert [(c.label, c.then, c.now) for c in compared["contacted"]] == [
        ("Fens", 3, 1), ("Cambridge", None, 0)]
    assert [(c.label, c.then, c.now) for c in compared["engaged"]] == [
        ("Fens", None, 1), ("Cambridge", None, 0)]
