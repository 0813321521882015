"""The outreach-and-uptake page, its downloads and `outreach_results` over real database rows."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import numpy as np
import pytest
from flask.testing import FlaskClient

from engage.campaigns.models import Channel, EngagementKind
from engage.extensions import db
from engage.insights.filters import InsightFilters
from engage.insights.outreach import model_rows, outreach_results
from tests.factories import make_engagement, make_organisation, make_referral, make_uptake_batch

NOW = datetime(2022, 7, 15, 12, tzinfo=UTC)
PERIOD = {"start": "2021-06-01", "end": "2022-06-30"}


MONTHS = [date(2021, m, 1) for m in range(6, 13)] + [date(2022, m, 1) for m in range(1, 7)]


def _world(visited: int = 12, quiet: int = 10) -> None:
    """Practices visited in January 2022 whose referrals rise after (Poisson 0.5 a month
    before, 2.5 from the month after), and practices never visited at 1 a month; seeded."""
    rng = np.random.default_rng(77)
    batch = make_uptake_batch()
    for i in range(visited + quiet):
        org = make_organisation(name=f"{'Visited' if i < visited else 'Quiet'} {i}")
        if i < visited:
            make_engagement(org, channel=Channel.PRACTICE_VISIT, kind=EngagementKind.VISITED,
                            occurred_at=datetime(2022, 1, 10 + i % 5, 10, tzinfo=UTC))
        for month in MONTHS:
            rate = (2.5 if month > date(2022, 1, 1) else 0.5) if i < visited else 1.0
            count = int(rng.poisson(rate))
            if count:
                make_referral(organisation_id=org.id, batch_id=batch.id, referred_on=month,
                              count=count)
    db.session.commit()


def test_results_from_database_rows_show_the_rise_after_visits(app) -> None:
    _world()
    results = outreach_results(db.session, InsightFilters(date(2021, 6, 1), date(2022, 6, 30)),
                               now=NOW, channel=Channel.PRACTICE_VISIT)
    assert results.organisations == 22
    assert results.months[0] == "2021-06" and results.months[-1] == "2022-06"
    assert results.engagement_rows == 12
    assert results.reached.reached.organisations == 12
    assert results.reached.not_reached.organisations == 10
    assert results.reached.ratio is not None and results.reached.ratio > 1
    month_zero = next(m for m in results.event_study.months if m.offset == 0)
    assert month_zero.organisations == 12
    diff = results.event_study.difference
    assert diff is not None and diff.low is not None and diff.low > 0
    assert "association, not cause" in results.caveat


def test_superseded_and_voided_rows_do_not_count(app) -> None:
    org = make_organisation()
    old, new = make_uptake_batch(), make_uptake_batch()
    make_referral(organisation_id=org.id, batch_id=old.id, referred_on=date(2022, 3, 1),
                  count=50, superseded_by_batch_id=new.id)
    make_referral(organisation_id=org.id, batch_id=new.id, referred_on=date(2022, 3, 1), count=2)
    make_engagement(org, occurred_at=datetime(2022, 2, 1, 9, tzinfo=UTC),
                    voided_at=datetime(2022, 2, 2, tzinfo=UTC))
    db.session.commit()
    results = outreach_results(db.session, InsightFilters(date(2022, 1, 1), date(2022, 6, 30)),
                               now=NOW)
    assert results.referrals == 2
    assert results.engagement_rows == 0


def test_page_shows_readings_caveat_tables_and_charts(app, steering_client: FlaskClient) -> None:
    _world()
    response = steering_client.get("/insights/outreach", query_string={
        **PERIOD, "channel": "practice_visit"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Association, not cause" in page
    assert "Practice visit" in page
    assert 'id="outreach-event-study"' in page and "data-chart-data=" in page
    assert "Mean referrals per organisation" in page
    assert "95% CI" in page
    assert "Cannot tell: the range includes no difference" in page  # visits in the same month
    assert 'name="channel"' in page and 'value="practice_visit" selected' in page


def test_bad_channel_gets_a_message_and_400(app, steering_client: FlaskClient) -> None:
    response = steering_client.get("/insights/outreach", query_string={"channel": "carrier-pigeon"})
    assert response.status_code == 400
    assert "is not one of the choices" in response.get_data(as_text=True)


def test_bad_dates_get_a_message_and_400(app, steering_client: FlaskClient) -> None:
    response = steering_client.get("/insights/outreach", query_string={"start": "yesterday"})
    assert response.status_code == 400
    assert "is not a date" in response.get_data(as_text=True)


def test_empty_directory_renders_with_not_enough_data(app, steering_client: FlaskClient) -> None:
    response = steering_client.get("/insights/outreach")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "No outreach was recorded" in page or "Not enough data" in page


@pytest.mark.parametrize("table", ["event_study", "reached", "model"])
def test_downloads_are_csv_and_json(app, steering_client: FlaskClient, table: str) -> None:
    _world()
    response = steering_client.get(f"/insights/outreach/{table}.csv", query_string=PERIOD)
    assert response.status_code == 200
    assert response.content_type.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) > 1
    response = steering_client.get(f"/insights/outreach/{table}.json", query_string=PERIOD)
    assert json.loads(response.get_data(as_text=True))["rows"]


def test_unknown_download_is_404(app, steering_client: FlaskClient) -> None:
    assert steering_client.get("/insights/outreach/secrets.csv").status_code == 404
    assert steering_client.get("/insights/outreach/model.xlsx").status_code == 404


def test_negative_figures_stay_numbers_in_csv(app, steering_client: FlaskClient) -> None:
    _world()
    response = steering_client.get("/insights/outreach/event_study.csv", query_string=PERIOD)
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    months = [row["months_from_first_engagement"] for row in rows]
    assert "-6" in months and "'-6" not in months  # month -6 is a number, not text
    cells = [c for row in rows for c in row.values()]
    assert not any(c.startswith(("=", "+", "@", "'")) for c in cells)


def test_model_rows_for_the_export(app) -> None:
    _world()
    rows = model_rows(db.session, InsightFilters(date(2021, 6, 1), date(2022, 6, 30)), NOW)
    assert {r["lag"] for r in rows} == {0, 1, 2, 3}
    visit = [r for r in rows if r["channel"] == "practice_visit"]
    assert len(visit) == 4


def test_anonymous_is_sent_to_sign_in(app, client: FlaskClient) -> None:
    assert client.get("/insights/outreach").status_code in (302, 401)


def test_flask_insights_export_model_writes_the_models_rows(app, runner) -> None:
    _world()
    result = runner.invoke(args=["insights", "export", "model", "--start", "2021-06-01",
                                 "--end", "2022-06-30", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0][:3] == ["channel", "channel_label", "lag"]
    visit = [r for r in rows[1:] if r[0] == "practice_visit"]
    assert [r[2] for r in visit] == ["0", "1", "2", "3"]
