"""The demo's referral figures: shaped like the pilot's, imported through the importer."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from engage.database import utcnow
from engage.demo.loader import load_demo
from engage.extensions import db
from engage.uptake.models import Referral, UptakeBatch
from engage.uptake.summary import overview

PAM = "Performance and Attendance Management"
PPS = "Pre-Employment Assessment"
HELPLINE = "Medical Helpline"


@pytest.fixture()
def demo(app, shared_data):
    started = time.perf_counter()
    report = load_demo(db.session, now=utcnow(), data_dir=shared_data)
    db.session.commit()
    return report, time.perf_counter() - started


def test_demo_figures_match_the_pilot(demo):
    report, _ = demo
    assert any(line.startswith("Referral figures: imported") for line in report), report
    view = overview(db.session)
    by_service = {name: (total, orgs) for name, total, orgs in view.by_service}
    assert by_service[PAM] == (283, 39)
    assert by_service[PPS][0] == 248 and by_service[HELPLINE] == (79, 0)
    assert view.by_month["2021-06"][PPS] == 5 and view.by_month["2022-06"][PPS] == 43
    assert view.by_month["2022-06"][PAM] == 50
    assert view.month_service_orgs["2022-06"][PAM] == 14
    assert view.months[0] == "2021-06" and view.months[-1] == "2022-06"
    reasons = dict(view.by_reason)
    assert (reasons["Mental and behavioural"], reasons["Musculoskeletal"],
            reasons["Respiratory"]) == (28, 16, 9)
    pharmacies = next(s for s in view.by_kind if s.label == "Community pharmacies")
    assert pharmacies.referrals == 0 and pharmacies.none


def test_loading_the_demo_twice_imports_the_figures_once(demo, shared_data):
    report = load_demo(db.session, now=utcnow(), data_dir=shared_data)
    assert any("already imported" in line for line in report if "Referral" in line)
    assert db.session.scalar(select(func.count(UptakeBatch.id))) == 1
    assert db.session.scalar(select(func.sum(Referral.count))) == 283 + 248 + 79


def test_the_uptake_page_shows_the_demo_figures(demo, steering_client):
    page = steering_client.get("/uptake").get_data(as_text=True)
    for figure in ("283", "248", "79", "Mental and behavioural", "No referrals"):
        assert figure in page
    assert "Jun 2022" in page and "Jun 2021" in page
