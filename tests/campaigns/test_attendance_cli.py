"""`flask campaigns import-attendance`: preview by default, save with --yes when all are placed."""

from __future__ import annotations

from pathlib import Path

import pytest

from engage.campaigns.models import EngagementKind
from engage.extensions import db
from tests.campaigns.attendance_support import (
    DATA,
    add_directory,
    add_touchpoint,
    invite,
    live_rows,
    written,
)


@pytest.fixture()
def touchpoint(app):
    orgs = add_directory()
    touchpoint = add_touchpoint()
    invite(touchpoint, orgs.riverside, orgs.chatteris)
    db.session.commit()
    return touchpoint


def run(runner, touchpoint_id: int, name: str, *options: str):
    return runner.invoke(args=["campaigns", "import-attendance", str(touchpoint_id),
                               str(DATA / name), *options])


def test_without_yes_it_prints_the_preview_and_saves_nothing(runner, touchpoint):
    before = written()
    result = run(runner, touchpoint.id, "generic_attendees.csv")
    assert result.exit_code == 0, result.output
    assert "Attendee list" in result.output
    assert "Matched: 3 people from 3 organisations" in result.output
    assert "D81001   Riverside Surgery: 1" in result.output
    assert "Invited and nobody came: 1" in result.output and "Chatteris Surgery" in result.output
    assert "Nothing saved. Run again with --yes" in result.output
    assert written() == before


def test_with_yes_it_saves_when_everyone_matched(runner, touchpoint):
    result = run(runner, touchpoint.id, "generic_attendees.csv", "--yes")
    assert result.exit_code == 0, result.output
    assert "organisations attended, 1 invited and absent" in result.output
    db.session.expire_all()
    assert live_rows(touchpoint, EngagementKind.ATTENDED) == {"D81001": 1, "D81002": 1,
                                                              "FB456": 1}
    assert live_rows(touchpoint, EngagementKind.ABSENT) == {"D81003": 0}


def test_unmatched_attendees_are_listed_and_stop_the_save(runner, touchpoint):
    before = written()
    result = run(runner, touchpoint.id, "teams_attendance_report.csv", "--yes")
    assert result.exit_code == 1
    assert "Not matched to an organisation: 3" in result.output
    assert "Dr Chris Evans (chris.evans1@nhs.net): Not a contact, and nhs.net" in result.output
    assert "Jo Bloggs (Guest): The file gives no email address." in result.output
    assert "Nothing saved: some attendees are not matched" in result.output
    assert written() == before


def test_assign_places_the_rest_by_email_or_name(runner, touchpoint):
    result = run(runner, touchpoint.id, "teams_attendance_report.csv", "--yes",
                 "--assign", "chris.evans1@nhs.net=D81003",
                 "--assign", "Jo Bloggs (Guest)=none", "--assign", "LEE.WONG@cpft.nhs.uk=none")
    assert result.exit_code == 0, result.output
    assert "Invited and nobody came" not in result.output  # Chatteris: Dr Evans was placed there
    db.session.expire_all()
    assert live_rows(touchpoint, EngagementKind.ATTENDED)["D81003"] == 1
    assert live_rows(touchpoint, EngagementKind.ABSENT) == {}


@pytest.mark.parametrize(("assign", "says"), [
    ("chris.evans1@nhs.net", "should look like"),
    ("chris.evans1@nhs.net=Z99999", "No organisation has the ODS code or name 'Z99999'"),
    ("nobody@example.org=none", "no attendee left to place is called nobody@example.org"),
])
def test_a_bad_assignment_is_refused(runner, touchpoint, assign, says):
    before = written()
    result = run(runner, touchpoint.id, "teams_attendance_report.csv", "--yes", "--assign", assign)
    assert result.exit_code == 2
    assert says in result.output
    assert written() == before


def test_bad_files_and_duplicates_exit_non_zero_and_change_nothing(runner, touchpoint, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    before = written()
    result = runner.invoke(args=["campaigns", "import-attendance", str(touchpoint.id),
                                 str(empty), "--yes"])
    assert result.exit_code == 1 and "The file is empty" in result.output
    result = run(runner, touchpoint.id, "unknown_layout.csv", "--yes")
    assert result.exit_code == 1 and "Columns found:" in result.output
    assert written() == before
    assert run(runner, touchpoint.id, "generic_attendees.csv", "--yes").exit_code == 0
    before = written()
    again = run(runner, touchpoint.id, "generic_attendees.csv", "--yes")
    assert again.exit_code == 1 and "already imported for this touchpoint" in again.output
    assert written() == before


def test_an_unknown_touchpoint_or_missing_file_is_a_usage_error(runner, touchpoint):
    result = run(runner, 999, "generic_attendees.csv")
    assert result.exit_code == 2 and "there is no touchpoint 999" in result.output
    result = runner.invoke(args=["campaigns", "import-attendance", str(touchpoint.id),
                                 str(Path("/nonexistent/list.csv"))])
    assert result.exit_code == 1 and "Cannot read /nonexistent/list.csv" in result.output


def test_a_list_with_its_own_headings_is_read_with_a_matching(runner, touchpoint, tmp_path):
    own = tmp_path / "sign-in sheet.csv"
    own.write_text("Delegate,Work address,Stayed for\n"
                   "Priya Patel,pm.riverside@nhs.net,45\n"
                   "Ravi Shah,lead@marchchemists.co.uk,40\n")
    unread = runner.invoke(args=["campaigns", "import-attendance", str(touchpoint.id), str(own)])
    assert unread.exit_code == 1 and "layout engage does not know" in unread.output
    result = runner.invoke(args=["campaigns", "import-attendance", str(touchpoint.id), str(own),
                                 "--map", "name=Delegate", "--map", "email=work address",
                                 "--map", "duration=Stayed for"])
    assert result.exit_code == 0, result.output
    assert "Matched: 2 people from 2 organisations" in result.output


def test_a_matching_naming_a_missing_column_says_which(runner, touchpoint):
    before = written()
    result = run(runner, touchpoint.id, "generic_attendees.csv", "--map", "email=E-mail",
                 "--yes")
    assert result.exit_code == 1
    assert "There is no column 'E-mail' in the file (for email)" in result.output
    assert "'Full Name', 'Email Address', 'Joined', 'Minutes Attended'" in result.output
    assert written() == before


def test_a_matching_is_saved_and_used_by_name(runner, touchpoint, tmp_path):
    own = tmp_path / "sign-in sheet.csv"
    own.write_text("Delegate,Work address,Stayed for\n"
                   "Priya Patel,pm.riverside@nhs.net,45\n")
    result = runner.invoke(args=["campaigns", "import-attendance", str(touchpoint.id), str(own),
                                 "--map", "name=Delegate", "--map", "email=work address",
                                 "--map", "duration=Stayed for", "--yes",
                                 "--save-matching", "Sign-in sheet"])
    assert result.exit_code == 0, result.output
    assert "Saved the matching 'Sign-in sheet'." in result.output
    again = tmp_path / "second.csv"
    again.write_text("Delegate,Work address,Stayed for\n"
                     "Ravi Shah,lead@marchchemists.co.uk,40\n")
    result = runner.invoke(args=["campaigns", "import-attendance", str(touchpoint.id),
                                 str(again), "--matching", "Sign-in sheet"])
    assert result.exit_code == 0, result.output
    assert "Matched: 1 people from 1 organisations" in result.output
    other = tmp_path / "third.csv"
    other.write_text("Delegate,Address,Stayed for\nRavi Shah,lead@marchchemists.co.uk,40\n")
    refused = runner.invoke(args=["campaigns", "import-attendance", str(touchpoint.id),
                                  str(other), "--matching", "Sign-in sheet", "--yes"])
    assert refused.exit_code == 2
    assert "names the column 'work address', which this file does not have" in \
        " ".join(refused.output.split())
