"""A channel the model cannot estimate beside its month effects gets no number anywhere: not in
the export, not on the outreach page, where the reason is given in words instead."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy import select

from engage.campaigns.models import Channel, EngagementKind
from engage.directory.models import Organisation
from engage.extensions import db
from engage.insights.regression import SAME_MONTHS
from tests.factories import make_engagement
from tests.insights.test_outreach_page import PERIOD, _world

NEWSLETTER_MONTHS = ((2021, 9), (2021, 12), (2022, 3))


def _newsletter_to_everyone() -> None:
    """The seeded world of the outreach page's tests, plus a newsletter every organisation
    received in the same three months."""
    _world()
    for org in db.session.scalars(select(Organisation)):
        for year, month in NEWSLETTER_MONTHS:
            make_engagement(org, channel=Channel.NEWSLETTER, kind=EngagementKind.RECEIVED,
                            occurred_at=datetime(year, month, 5, 9, tzinfo=UTC))
    db.session.commit()


def test_export_writes_null_and_the_reason(app, steering_client: FlaskClient) -> None:
    _newsletter_to_everyone()
    rows = steering_client.get("/insights/outreach/model.json", query_string=PERIOD
                               ).get_json()["rows"]
    newsletter = [r for r in rows if r["channel"] == "newsletter"]
    assert [r["lag"] for r in newsletter] == [0, 1, 2, 3]
    for row in newsletter:
        assert row["irr"] is None and row["ci_low"] is None and row["ci_high"] is None
        assert row["status"] == "not identifiable"
        assert row["note"] == SAME_MONTHS
        assert row["organisations_differing_within_month"] == 0
    visit = [r for r in rows if r["channel"] == "practice_visit"]
    assert any(isinstance(r["irr"], float) and r["status"] == "estimated" for r in visit)
    text = steering_client.get("/insights/outreach/model.csv", query_string=PERIOD
                               ).get_data(as_text=True)
    for row in csv.DictReader(io.StringIO(text)):
        if row["channel"] == "newsletter":
            assert row["irr"] == row["ci_low"] == row["ci_high"] == ""
            assert row["note"] == SAME_MONTHS


def test_flask_insights_export_model_json_has_null_and_the_reason(app, runner) -> None:
    _newsletter_to_everyone()
    result = runner.invoke(args=["insights", "export", "model", "--start", "2021-06-01",
                                 "--end", "2022-06-30", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["rows"]
    newsletter = [r for r in rows if r["channel"] == "newsletter"]
    assert newsletter and all(r["irr"] is None and r["note"] == SAME_MONTHS
                              for r in newsletter)


def test_outreach_page_gives_the_reason_in_words_not_a_number(
        app, steering_client: FlaskClient) -> None:
    _newsletter_to_everyone()
    response = steering_client.get("/insights/outreach", query_string=PERIOD)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert ("Newsletters cannot be estimated: this channel reached every organisation in the "
            "same months, so its effect cannot be told apart from what else happened in those "
            "months.") in page
    assert "Organisations sent a newsletter had" not in page
    assert "whether organisations sent a newsletter had" not in page

