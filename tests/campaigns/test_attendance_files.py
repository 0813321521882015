"""Reading attendee lists: Teams (UTF-16, tabs, summary block), Zoom, plain CSV, bad files."""

from __future__ import annotations

import codecs

import pytest

from engage.campaigns.attendance.files import (
    MAX_ATTENDEES,
    AttendanceRejected,
    Attendee,
    parse_minutes,
    read_attendees,
)
from tests.campaigns.attendance_support import data


def people(listed) -> dict[str, tuple[str, int | None]]:
    return {a.email or a.name: (a.name, a.minutes) for a in listed.attendees}


def test_teams_report_is_read_from_utf16_tabs_after_its_summary_block():
    listed = read_attendees(data("teams_attendance_report.csv"))
    assert listed.layout == "teams"
    assert listed.organisers == 1  # the OH service's own organiser is not an attendee
    assert "In-Meeting Duration" in listed.columns
    found = people(listed)
    assert len(found) == 7
    # From "2. Participants" only: the In-Meeting Activities section lists Priya twice more.
    assert found["pm.riverside@nhs.net"] == ("Priya Patel", 58)
    assert found["aisha.khan@fenlandhc.org.uk"] == ("Aisha Khan", 62)  # lower-cased
    assert found["Jo Bloggs (Guest)"] == ("Jo Bloggs (Guest)", 8)  # a guest has no address
    assert "sam.whitfield@nhs.net" not in found


def test_teams_report_without_a_byte_order_mark_or_big_endian_is_read_too():
    text = data("teams_attendance_report.csv").decode("utf-16")
    for encoded in (text.encode("utf-16-le"), codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
                    text.encode("utf-16-be")):
        assert len(read_attendees(encoded).attendees) == 7


def test_zoom_report_skips_its_meeting_block_and_adds_up_rejoins():
    listed = read_attendees(data("zoom_participants.csv"))
    assert listed.layout == "zoom"
    found = people(listed)
    assert len(found) == 6
    assert found["lead@marchchemists.co.uk"] == ("Lead Pharmacist (Ravi Shah)", 58)  # 32 + 26
    assert found["ops@northcambsfed.org.uk"][1] == 57
    assert found["tom.baker@riversidesurgery.co.uk"][0] == "Baker, Tom"
    assert found["iPhone (Mel)"] == ("iPhone (Mel)", 20)


@pytest.mark.parametrize(("name", "expected"), [
    ("generic_attendees.csv", {"pm.riverside@nhs.net": ("Priya Patel", 45),
                               "aisha.khan@fenlandhc.org.uk": ("Aisha Khan", 43),
                               "lead@marchchemists.co.uk": ("Ravi Shah", 40)}),
    ("semicolon_attendees.csv", {"pm.riverside@nhs.net": ("Patel; Priya", 45),
                                 "ops@northcambsfed.org.uk": ("Hannah Price", 44)}),
    ("windows1252_attendees.csv", {"zoe.bronte@riversidesurgery.co.uk": ("Zoë Brontë", 50),
                                   "pharmacy.fa123@nhs.net": ("Renée Dupré – Wisbech", 45)}),
])
def test_plain_csv_files_in_any_dialect_and_encoding(name, expected):
    listed = read_attendees(data(name))
    assert listed.layout == "generic"
    assert people(listed) == expected


def test_first_and_last_name_columns_make_the_name():
    listed = read_attendees(b"First name,Surname,Email,Joined\nAnn,Lee,ann@x.example.org,10:00\n")
    assert listed.attendees == [Attendee("Ann Lee", "ann@x.example.org", None)]


def test_a_cell_that_is_not_an_address_counts_as_no_address():
    listed = read_attendees(b"Name,Email,Duration\nAnn Lee,N/A,10\nBob Roe,bob@@x,5\n")
    assert [(a.name, a.email) for a in listed.attendees] == [("Ann Lee", ""), ("Bob Roe", "")]


@pytest.mark.parametrize(("raw", "minutes"), [
    ("1h 6m 48s", 67), ("52m 3s", 52), ("45s", 1), ("2h", 120), ("67", 67), ("67.5", 68),
    ("1:06:48", 67), ("0:45", 45), ("", None), ("about an hour", None), ("-5", None),
])
def test_durations_in_every_platform_format(raw, minutes):
    assert parse_minutes(raw) == minutes


def test_unknown_layout_says_which_columns_were_found_and_which_are_needed():
    with pytest.raises(AttendanceRejected) as refused:
        read_attendees(data("unknown_layout.csv"))
    message = refused.value.message
    assert "layout engage does not know" in message
    assert "Columns found: 'Order #', 'First Name', 'Surname', 'Ticket Type', 'Organisation'" \
        in message
    assert "Missing: an email address" in message
    assert "a join time (Join time or First join) or a duration" in message
    assert "a name" not in message.split("Missing:")[1]  # first and last name will do


@pytest.mark.parametrize("empty", [b"", b"\r\n\r\n", codecs.BOM_UTF16_LE, codecs.BOM_UTF8,
                                   "\r\n".encode("utf-16")])
def test_an_empty_file_is_refused(empty):
    with pytest.raises(AttendanceRejected, match="The file is empty|no text"):
        read_attendees(empty)


@pytest.mark.parametrize(("content", "says"), [
    (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "Excel workbook"),
    (b"\x89PNG\r\n\x1a\n" + bytes(100), "PNG image"),
    (b"%PDF-1.7\n" + bytes(100), "PDF document"),
    (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4, "binary data"),
])
def test_a_binary_file_is_refused_saying_what_it_is(content, says):
    with pytest.raises(AttendanceRejected, match=says):
        read_attendees(content)


def test_a_header_with_nobody_under_it_is_refused():
    with pytest.raises(AttendanceRejected, match="no attendees under them"):
        read_attendees(b"Name,Email,Duration\r\n\r\n")


def test_a_list_longer_than_any_meeting_is_refused():
    rows = "".join(f"P{i},p{i}@x.example.org,5\n" for i in range(MAX_ATTENDEES + 1))
    with pytest.raises(AttendanceRejected, match="more than 3,000 attendees"):
        read_attendees(("Name,Email,Duration\n" + rows).encode())
