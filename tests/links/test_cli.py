"""`flask links create` and `flask links stats`."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.links.models import ShortLink
from engage.links.scans import ScanRequest, handle_scan
from tests.factories import make_organisation, make_service, make_short_link, make_touchpoint
from tests.links.qr_decode import decode_png, decode_svg

# The stats tests scan, and the scan endpoint writes on a connection of its own.
pytestmark = pytest.mark.real_commits

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"
NOW = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def test_create_prints_the_short_url_and_writes_decodable_qr_codes(app, runner, tmp_path):
    service = make_service()
    org = make_organisation()
    touchpoint = make_touchpoint()
    db.session.commit()
    result = runner.invoke(args=["links", "create", "--service", service.slug,
                                 "--organisation", org.ods_code.lower(),
                                 "--touchpoint", str(touchpoint.id), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    url = result.stdout.strip()
    link = db.session.scalars(select(ShortLink)).one()
    assert url == f"{app.config['PUBLIC_BASE_URL']}/q/{link.code}"
    assert (link.organisation_id, link.touchpoint_id) == (org.id, touchpoint.id)
    assert decode_svg((tmp_path / f"qr-{link.code}.svg").read_bytes()) == [url]
    assert decode_png((tmp_path / f"qr-{link.code}.png").read_bytes()) == [url]


def test_create_refuses_an_unknown_service_and_makes_nothing(app, runner, tmp_path):
    result = runner.invoke(args=["links", "create", "--service", "nope", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "No service has the slug 'nope'" in result.output
    assert db.session.scalars(select(ShortLink)).all() == []


def test_create_refuses_an_unknown_organisation(app, runner, tmp_path):
    service = make_service()
    db.session.commit()
    result = runner.invoke(args=["links", "create", "--service", service.slug,
                                 "--organisation", "X99999", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "No organisation has the ODS code" in result.output


def _scan(code, address, agent=PHONE):
    handle_scan(db.session, ScanRequest(code, address=address, user_agent=agent, now=NOW))
    db.session.commit()


def test_stats_prints_scans_visitors_and_misses_per_link_as_csv(app, runner):
    link = make_short_link()
    retired = make_short_link(retired_at=NOW)
    db.session.commit()
    _scan(link.code, "192.0.2.1")
    _scan(link.code, "192.0.2.1")
    _scan(link.code, "192.0.2.2")
    _scan(link.code, "192.0.2.3", agent="Googlebot/2.1")
    _scan(retired.code, "192.0.2.1")
    _scan("ZZZZ222", "192.0.2.1")
    result = runner.invoke(args=["links", "stats"])
    assert result.exit_code == 0, result.output
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert (rows[link.code]["scans"], rows[link.code]["unique_visitors"],
            rows[link.code]["bots"]) == ("3", "2", "1")
    assert rows[retired.code]["status"] == "retired" and rows[retired.code]["misses"] == "1"
    assert rows["ZZZZ222"]["status"] == "unknown" and rows["ZZZZ222"]["misses"] == "1"


def test_stats_for_one_code_is_per_day(app, runner):
    link = make_short_link()
    db.session.commit()
    _scan(link.code, "192.0.2.1")
    result = runner.invoke(args=["links", "stats", link.code])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["day,scans,unique_visitors,misses", "2026-03-03,1,1,0"]


def test_stats_for_an_unknown_code_says_so(app, runner):
    result = runner.invoke(args=["links", "stats", "ZZZZ222"])
    assert result.exit_code == 2 and "No link has the code" in result.output
