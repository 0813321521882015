"""The scan endpoint: counting rules, bots and HEAD, misses, the ledger, redirect safety."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, text

from engage.campaigns.models import Channel, Engagement, EngagementKind, EngagementSource
from engage.extensions import db
from engage.links.driver import autocommit_engine
from engage.links.models import (
    Device,
    MissReason,
    Scan,
    ScanMiss,
    ScanVisitor,
    VisitorSalt,
)
from engage.links.scans import ScanRequest, handle_scan
from engage.links.visitors import forget_cached_salts
from engage.timezone import LONDON
from tests.factories import (
    make_campaign,
    make_short_link,
    make_touchpoint,
)

# The scan endpoint writes on a pooled connection of its own.
pytestmark = pytest.mark.real_commits

PHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
         "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")
ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/120.0 Mobile Safari/537.36")
DESKTOP = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/120.0 Safari/537.36")
PREVIEWERS = ["WhatsApp/2.23.20.0 A", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
              "facebookexternalhit/1.1", "Googlebot/2.1 (+http://www.google.com/bot.html)",
              "curl/8.5.0", ""]
NOW = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def scan(client, code, agent=PHONE, address="192.0.2.10", method="GET"):
    return client.open(f"/q/{code}", method=method, headers={"User-Agent": agent},
                       environ_base={"REMOTE_ADDR": address})


# --- the endpoint ------------------------------------------------------------------------------


def test_a_scan_redirects_to_the_service_page_and_is_counted(app, client):
    link = make_short_link()
    db.session.commit()
    response = scan(client, link.code)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/services/{link.service.slug}?via={link.code}"
    stored = db.session.scalars(select(Scan)).one()
    assert (stored.link_id, stored.device) == (link.id, Device.MOBILE)
    assert len(stored.visitor_key) == 32


def test_the_redirect_is_never_cached(app, client):
    link = make_short_link()
    db.session.commit()
    assert "no-store" in scan(client, link.code).headers["Cache-Control"]


def test_a_link_to_the_list_redirects_to_the_services_list(app, client):
    link = make_short_link(service=None)
    db.session.commit()
    response = scan(client, link.code)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/services?via={link.code}"


def test_codes_typed_in_lower_case_still_work(app, client):
    link = make_short_link()
    db.session.commit()
    assert scan(client, link.code.lower()).status_code == 302
    assert count(Scan) == 1


def test_the_redirect_stays_on_our_own_pages_whatever_the_host_header(app, client):
    link = make_short_link()
    db.session.commit()
    response = client.get(f"/q/{link.code}", headers={"User-Agent": PHONE,
                                                       "Host": "evil.example.com"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/services/")


def test_the_address_is_never_stored(app, client):
    link = make_short_link()
    db.session.commit()
    scan(client, link.code, address="198.51.100.77")
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).all():
            assert "198.51.100.77" not in repr(tuple(row))


def test_device_class_comes_from_the_user_agent(app, client):
    link = make_short_link()
    db.session.commit()
    scan(client, link.code, ANDROID)
    scan(client, link.code, DESKTOP)
    devices = sorted(d.value for d in db.session.scalars(select(Scan.device)))
    assert devices == ["desktop", "mobile"]


def test_bots_and_link_previewers_are_redirected_but_not_counted(app, client):
    link = make_short_link()
    db.session.commit()
    for agent in PREVIEWERS:
        assert scan(client, link.code, agent).status_code == 302
    assert set(db.session.scalars(select(Scan.device))) == {Device.BOT}
    assert count(ScanVisitor) == 0
    assert count(Engagement) == 0


def test_head_requests_are_redirected_but_not_recorded(app, client):
    link = make_short_link()
    db.session.commit()
    response = scan(client, link.code, method="HEAD")
    assert response.status_code == 302
    assert count(Scan) == 0 and count(ScanMiss) == 0


def test_scan_of_unknown_code_is_404_and_counted_as_miss(app, client):
    response = scan(client, "ZZZZ222")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "This code does not open a page" in page
    assert 'href="/services"' in page
    miss = db.session.scalars(select(ScanMiss)).one()
    assert (miss.code, miss.reason, miss.link_id) == ("ZZZZ222", MissReason.UNKNOWN, None)


def test_scan_of_retired_code_is_404_and_counted_as_miss_of_that_link(app, client):
    link = make_short_link(retired_at=NOW)
    db.session.commit()
    assert scan(client, link.code).status_code == 404
    miss = db.session.scalars(select(ScanMiss)).one()
    assert (miss.reason, miss.link_id) == (MissReason.RETIRED, link.id)
    assert count(Scan) == 0


def test_a_bot_on_an_unknown_code_is_not_counted_as_a_miss(app, client):
    assert scan(client, "ZZZZ222", "Googlebot/2.1").status_code == 404
    assert count(ScanMiss) == 0


def test_malformed_codes_are_404_and_store_nothing(app, client):
    for code in ("ABCDEFGHJK", "ABC0123", "abc$def", "%3Cscript%3E", "A" * 300):
        response = scan(client, code)
        assert response.status_code == 404, code
    assert count(ScanMiss) == 0 and count(Scan) == 0


def test_post_to_the_scan_endpoint_is_405_and_stores_nothing(app, client):
    link = make_short_link()
    db.session.commit()
    response = client.post(f"/q/{link.code}")
    assert response.status_code == 405
    assert count(Scan) == 0


def test_the_baseline_route_redirects_without_the_database(app, client):
    response = client.get("/q-baseline")
    assert response.status_code == 302 and response.headers["Location"] == "/services"


# --- the logic: visitors, salts and the ledger -------------------------------------------------


def _poster_link(**overrides):
    campaign = make_campaign()
    touchpoint = make_touchpoint(campaign, channel=Channel.POSTER, title="Staff room posters")
    return make_short_link(touchpoint=touchpoint, **overrides)


def _scan(link, address="192.0.2.1", agent=PHONE, now=NOW):
    result = handle_scan(db.session, ScanRequest(link.code, address=address, user_agent=agent,
                                                     now=now))
    db.session.commit()
    return result


def test_each_day_has_one_ledger_row_per_link_with_its_unique_visitors(app):
    link = _poster_link()
    _scan(link, "192.0.2.1")
    _scan(link, "192.0.2.1")  # the same person again: not a new visitor
    _scan(link, "192.0.2.2")
    row = db.session.scalars(select(Engagement)).one()
    assert row.people == 2
    assert row.kind is EngagementKind.SCANNED and row.source is EngagementSource.QR_SCAN
    assert row.source_ref == f"link:{link.id}:2026-03-03"
    assert row.organisation_id == link.organisation_id
    assert row.touchpoint_id == link.touchpoint_id
    assert row.campaign_id == link.touchpoint.campaign_id
    assert row.channel is Channel.POSTER
    assert count(Scan) == 3


def test_the_same_visitor_next_day_counts_again_on_a_new_row(app):
    link = _poster_link()
    _scan(link, now=NOW)
    _scan(link, now=datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
    assert sorted(db.session.scalars(select(Engagement.source_ref))) == [
        f"link:{link.id}:2026-03-03", f"link:{link.id}:2026-03-04"]


def test_the_day_is_the_uk_day(app):
    link = _poster_link()
    late_summer_evening = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 July in London
    _scan(link, now=late_summer_evening)
    assert db.session.scalars(select(Scan.day)).one() == date(2026, 7, 2)


def test_a_link_without_an_organisation_counts_scans_but_writes_no_ledger_row(app):
    link = make_short_link(organisation=None)
    db.session.commit()
    _scan(link)
    assert count(Scan) == 1 and count(ScanVisitor) == 1
    assert count(Engagement) == 0


def test_a_link_click_is_recorded_as_clicked_not_scanned(app):
    from engage.links.models import Medium

    link = make_short_link(medium=Medium.LINK)
    db.session.commit()
    _scan(link)
    assert db.session.scalars(select(Engagement.kind)).one() is EngagementKind.CLICKED


def test_a_scan_or_a_click_is_engaged(app):
    from engage.campaigns.models import EngagementTier
    from engage.links.models import Medium

    for medium in (Medium.QR, Medium.LINK):
        _scan(make_short_link(medium=medium))
    db.session.commit()
    assert list(db.session.scalars(select(Engagement.tier))) == [EngagementTier.ENGAGED] * 2


def test_the_salt_rotates_daily_and_old_salts_are_destroyed(app):
    link = _poster_link()
    _scan(link, now=NOW)
    first_key = db.session.scalars(select(Scan.visitor_key)).one()
    assert [s.day for s in db.session.scalars(select(VisitorSalt))] == [date(2026, 3, 3)]
    forget_cached_salts()
    _scan(link, now=datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
    assert [s.day for s in db.session.scalars(select(VisitorSalt))] == [date(2026, 3, 4)]
    keys = set(db.session.scalars(select(Scan.visitor_key)))
    assert first_key in keys and len(keys) == 2  # same person, unlinkable across days


def test_every_worker_makes_the_same_key_from_the_stored_salt(app):
    link = _poster_link()
    _scan(link)
    forget_cached_salts()  # as a second worker would start
    _scan(link)
    assert len(set(db.session.scalars(select(Scan.visitor_key)))) == 1
    assert db.session.scalars(select(Engagement.people)).one() == 1


def test_the_endpoint_stores_exactly_what_the_orm_reads_back(app, client):
    """The endpoint writes with compiled statements on the driver's cursor, not the ORM."""
    link = _poster_link()
    retired = make_short_link(retired_at=NOW)
    db.session.commit()
    before = datetime.now(UTC)
    assert scan(client, link.code).status_code == 302
    assert scan(client, retired.code, agent=DESKTOP).status_code == 404
    after = datetime.now(UTC)
    db.session.expire_all()
    stored = db.session.scalars(select(Scan)).one()
    assert before <= stored.at <= after and stored.at.tzinfo is not None
    assert stored.day == stored.at.astimezone(LONDON).date()
    assert stored.device is Device.MOBILE
    visitor = db.session.scalars(select(ScanVisitor)).one()
    assert (visitor.link_id, visitor.day, visitor.visitor_key) == (
        link.id, stored.day, stored.visitor_key)
    ledger = db.session.scalars(select(Engagement)).one()
    assert ledger.occurred_at == stored.at and ledger.created_at == stored.at
    assert ledger.kind is EngagementKind.SCANNED and ledger.channel is Channel.POSTER
    assert ledger.source is EngagementSource.QR_SCAN and ledger.counted and ledger.people == 1
    assert ledger.source_ref == f"link:{link.id}:{stored.day.isoformat()}"
    miss = db.session.scalars(select(ScanMiss)).one()
    assert (miss.code, miss.link_id, miss.reason, miss.device) == (
        retired.code, retired.id, MissReason.RETIRED, Device.DESKTOP)
    assert miss.day == stored.day and before <= miss.at <= after


@pytest.fixture()
def scanned_on_postgresql(app, client):
    """A poster link scanned once through the endpoint, on PostgreSQL only."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the autocommit pool is PostgreSQL's")
    link = _poster_link()
    db.session.commit()
    assert scan(client, link.code).status_code == 302
    return link


def test_on_postgresql_scans_use_a_pool_whose_commits_do_not_wait_for_the_disk(
        scanned_on_postgresql):
    pool = autocommit_engine(db.engine)
    assert autocommit_engine(db.engine) is pool
    with pool.connect() as connection:
        assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "off"
    # The app's own connections keep the server's durable default.
    assert db.session.execute(text("SHOW synchronous_commit")).scalar() == "on"


def test_on_postgresql_scans_carry_on_after_the_database_drops_their_connections(
        scanned_on_postgresql, client):
    """A restarted server leaves the pool holding dead connections; nobody sees an error."""
    dropped = db.session.execute(text(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    db.session.commit()
    assert dropped >= 1
    for agent in (ANDROID, DESKTOP):
        assert scan(client, scanned_on_postgresql.code, agent=agent).status_code == 302
    assert count(Scan) == 3
    db.session.expire_all()
    assert db.session.scalars(select(Engagement)).one().people == 3


def test_the_autocommit_pool_is_disposed_with_the_apps_engine(scanned_on_postgresql):
    pool = autocommit_engine(db.engine)
    assert pool.pool.checkedin() >= 1
    db.engine.dispose()
    assert pool.pool.checkedin() == 0
