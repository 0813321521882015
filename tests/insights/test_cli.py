import csv
import io
import json
from datetime import UTC, datetime

from engage.extensions import db
from tests.insights.helpers import engage, two_localities


def run(runner, *args):
    return runner.invoke(args=["insights", "export", *args])


def test_export_coverage_writes_the_page_figures_as_csv(app, runner):
    _, _, orgs = two_localities()
    engage(orgs["f1"], datetime(2022, 3, 1, tzinfo=UTC))
    db.session.commit()
    result = run(runner, "coverage", "--start", "2022-01-01", "--end", "2022-06-30")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["breakdown", "group", "target", "engaged", "not engaged",
                       "percent engaged", "contacted", "percent contacted"]
    assert ["overall", "All target organisations", "6", "1", "5", "17", "1", "17"] in rows


def test_export_cold_as_json_with_days(app, runner):
    two_localities()
    db.session.commit()
    result = run(runner, "cold", "--days", "30", "--format", "json", "--start", "2022-01-01",
                 "--end", "2022-06-30")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["table"] == "cold" and len(data["rows"]) == 6


def test_export_uptake_to_a_file(app, runner, tmp_path):
    target = tmp_path / "uptake.csv"
    result = run(runner, "uptake", "--start", "2022-01-01", "--end", "2022-03-31",
                 "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_text().splitlines()[1:] == ["2022-01,0", "2022-02,0", "2022-03,0"]


def test_bad_filters_are_refused_and_write_nothing(app, runner, tmp_path):
    target = tmp_path / "out.csv"
    result = run(runner, "coverage", "--start", "yesterday", "-o", str(target))
    assert result.exit_code == 2
    assert "is not a date like" in result.output
    assert not target.exists()
    assert "no campaign number 77" in run(runner, "coverage", "--campaign", "77").output
    assert run(runner, "cold", "--days", "0").exit_code == 2
    assert run(runner, "everything").exit_code == 2


def test_export_model_dispatches_to_the_outreach_model(app, runner):
    two_localities()
    db.session.commit()
    result = run(runner, "model", "--start", "2022-01-01", "--end", "2022-06-30",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["table"] == "model"


def test_export_model_says_when_the_model_is_missing(app, runner, monkeypatch):
    import engage.insights.outreach as outreach

    monkeypatch.delattr(outreach, "model_rows")
    result = run(runner, "model")
    assert result.exit_code == 1
    assert "not available yet" in result.output
