"""Wherever managers see "unique visitors", one sentence says what the figure can miscount."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engage.campaigns.models import Channel
from engage.extensions import db
from engage.links.scans import ScanRequest, handle_scan
from tests.factories import make_campaign, make_organisation, make_short_link, make_touchpoint

# The scan endpoint writes on a connection of its own.
pytestmark = pytest.mark.real_commits

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"
UNDERCOUNT = ("colleagues sharing a practice network and the same kind of phone on the same day "
              "count as one")
OVERCOUNT = "the same person on different days counts again"


def test_every_page_with_unique_visitors_says_what_they_undercount_and_overcount(
        app, manager_client):
    campaign = make_campaign()
    organisation = make_organisation()
    touchpoint = make_touchpoint(campaign, channel=Channel.POSTER)
    link = make_short_link(touchpoint=touchpoint, organisation=organisation)
    db.session.commit()
    handle_scan(db.session, ScanRequest(link.code, address="192.0.2.1", user_agent=PHONE,
                                        now=datetime(2026, 3, 3, 10, tzinfo=UTC)))
    db.session.commit()
    pages = ["/links/", f"/links/{link.id}", f"/campaigns/touchpoints/{touchpoint.id}",
             f"/campaigns/{campaign.id}", f"/directory/organisations/{organisation.ods_code}"]
    for path in pages:
        response = manager_client.get(path)
        assert response.status_code == 200, path
        page = " ".join(response.get_data(as_text=True).split())
        assert "unique visitor" in page, path
        assert UNDERCOUNT in page and OVERCOUNT in page, path
        assert page.count("data-visitors-note") == 1, f"{path}: one sentence, not one per figure"
