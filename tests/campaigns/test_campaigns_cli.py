"""`flask campaigns list|progress|unreached|record-reach|void`: the operators' commands."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from engage.campaigns.models import Engagement
from engage.extensions import db
from tests.campaigns.support import ledger_rows, utc
from tests.factories import (
    make_campaign,
    make_campaign_target,
    make_engagement,
    make_locality,
    make_organisation,
    make_touchpoint,
)


def setting():  # type: ignore[no-untyped-def]
    fens = make_locality("Fens")
    campaign = make_campaign(name="Launch", start_date=date(2021, 6, 1),
                             end_date=date(2022, 6, 30))
    reached = make_organisation(ods_code="D81001", name="Reached Surgery", locality_id=fens.id)
    make_organisation(ods_code="D81002", name="Waiting Surgery", locality_id=fens.id)
    touchpoint = make_touchpoint(campaign, actual_at=utc(2021, 9, 14, 11, 30))
    make_engagement(reached, touchpoint=touchpoint)
    make_campaign_target(campaign, target_count=2, due_date=date(2022, 6, 30))
    db.session.commit()
    return campaign, touchpoint


def test_list(app, runner):
    campaign, _ = setting()
    result = runner.invoke(args=["campaigns", "list"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "id,name,status,start,end,audience,engaged,contacted",
        f"{campaign.id},Launch,active,2021-06-01,2022-06-30,2,1,1"]


def test_progress_by_name_or_id(app, runner):
    campaign, _ = setting()
    for key in ("launch", str(campaign.id)):
        result = runner.invoke(args=["campaigns", "progress", key])
        assert result.exit_code == 0, result.output
        assert "Fens" in result.output and "1 of 2" in result.output
        assert "Whole audience" in result.output and "Missed" in result.output
    unknown = runner.invoke(args=["campaigns", "progress", "nothing"])
    assert unknown.exit_code == 1 and "No campaign called or numbered 'nothing'" in unknown.output


def test_unreached_as_csv(app, runner):
    setting()
    result = runner.invoke(args=["campaigns", "unreached", "Launch"])
    assert result.output.splitlines() == [
        "ods_code,name,kind,locality,contacted,display_name",
        "D81002,Waiting Surgery,gp_practice,Fens,no,Waiting Surgery"]


def test_record_reach_from_a_file_of_codes(app, runner, tmp_path):
    _, touchpoint = setting()
    codes = tmp_path / "codes.txt"
    codes.write_text("D81001\nD81002\n")
    result = runner.invoke(args=["campaigns", "record-reach", str(touchpoint.id), "--codes",
                                 str(codes), "--kind", "attended", "--at", "2021-09-14 12:30"])
    assert result.exit_code == 0, result.output
    assert "Recorded 1 organisation" in result.output and "already recorded" in result.output
    row = db.session.scalar(select(Engagement).order_by(Engagement.id.desc()))
    assert row.occurred_at == utc(2021, 9, 14, 11, 30)


def test_record_reach_refuses_bad_input_and_writes_nothing(app, runner, tmp_path):
    _, touchpoint = setting()
    codes = tmp_path / "codes.txt"
    codes.write_text("NOPE1")
    before = ledger_rows()
    result = runner.invoke(args=["campaigns", "record-reach", str(touchpoint.id), "--codes",
                                 str(codes), "--kind", "attended"])
    assert result.exit_code == 1 and "Not in the directory: NOPE1" in result.output
    neither = runner.invoke(args=["campaigns", "record-reach", str(touchpoint.id), "--kind",
                                  "received"])
    assert neither.exit_code == 2 and "either --codes FILE or --audience" in neither.output
    missing = runner.invoke(args=["campaigns", "record-reach", "999", "--audience", "--kind",
                                  "received"])
    assert missing.exit_code == 1 and "There is no touchpoint 999" in missing.output
    assert ledger_rows() == before


def test_record_reach_to_the_audience(app, runner):
    _, touchpoint = setting()
    result = runner.invoke(args=["campaigns", "record-reach", str(touchpoint.id), "--audience",
                                 "--kind", "received", "--people", "0"])
    assert result.exit_code == 0 and "Recorded 2 organisations" in result.output


def test_void(app, runner):
    setting()
    row = db.session.scalar(select(Engagement))
    result = runner.invoke(args=["campaigns", "void", str(row.id), "--reason", "Duplicate"])
    assert result.exit_code == 0 and "Voided record" in result.output
    again = runner.invoke(args=["campaigns", "void", str(row.id), "--reason", "Duplicate"])
    assert again.exit_code == 1 and "already voided" in again.output
    empty = runner.invoke(args=["campaigns", "void", str(row.id), "--reason", " "])
    assert empty.exit_code == 1
