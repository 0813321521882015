"""Reading the attendee lists meeting platforms export: Teams reports, Zoom reports, plain CSV.

A Microsoft Teams attendance report is UTF-16 text with a byte-order mark, separated by tabs,
with a "1. Summary" block before the "2. Participants" table and an "3. In-Meeting
Activities" table after it that lists the same people again, once per join. Zoom's
participant report is a comma-separated file, sometimes with a meeting-details block first,
and lists a person once per time they joined. Other tools write a plain headed CSV file with a
comma, semicolon or tab. So the reader decodes by byte-order mark, lets `csv.Sniffer` find the
delimiter, looks for the participant table's header row among the first rows, reads rows until
the next section, and counts each person once.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from engage.campaigns.errors import CampaignError
from engage.columns import (
    Matching,
    MatchingError,
    heading_key,
    heading_keys,
    heading_table,
    missing_column,
)
from engage.directory.errors import ImportRejected
from engage.directory.files import decode_csv_bytes

# More than the 1,000 people a Teams meeting can hold, far fewer than would strain the preview.
MAX_ATTENDEES = 3000
# The participant table starts within this many rows in every export seen (Teams: row 9).
HEADER_SEARCH_ROWS = 60
SNIFF_SAMPLE = 64 * 1024
DELIMITERS = ",;\t"
NAME_LIMIT = 120
EMAIL_LIMIT = 254

LAYOUT_LABELS = {
    "teams": "Microsoft Teams attendance report",
    "zoom": "Zoom participant report",
    "generic": "Attendee list",
}

# Field → the headings that mean it, compared by their `heading_key`.
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "name (original name)", "participant", "participant name",
             "attendee", "attendee name", "display name", "user name"),
    "first_name": ("first name", "forename", "given name"),
    "last_name": ("last name", "surname", "family name"),
    "email": ("email", "email address", "user email", "e mail", "e mail address",
              "attendee email", "participant email", "work email"),
    "upn": ("participant id (upn)", "upn"),
    "join": ("join time", "first join", "joined", "join", "time joined", "joined at",
             "first join time", "join date"),
    "leave": ("leave time", "last leave", "left", "time left", "left at", "leave"),
    "duration": ("duration", "duration (minutes)", "duration (mins)", "in meeting duration",
                 "attendance duration", "time in session", "time in meeting", "time attended",
                 "minutes attended", "minutes", "total duration"),
    "role": ("role", "participant role"),
}
HEADINGS = heading_table(ALIASES)
FIELDS = tuple(ALIASES)
# Rows for the person who ran the meeting: the OH team, not an organisation reached.
ORGANISER_ROLES = frozenset({"organizer", "organiser", "host"})
SECTION_HEADING = re.compile(r"^\d+\.\s*\S")
TEAMS_DURATION = re.compile(r"^(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?$")
CLOCK_DURATION = re.compile(r"^(\d+):([0-5]\d)(?::([0-5]\d))?$")

# The meeting itself, as the report's summary (Teams) or meeting block (Zoom) names it.
MEETING_TITLE = heading_keys("meeting title", "title", "topic", "meeting topic")
MEETING_START = heading_keys("start time", "meeting start time", "meeting start")
MEETING_DURATION = heading_keys("meeting duration", "duration (minutes)", "duration")
# Teams writes the time in the organiser's locale: UK first, then US (with AM/PM) and ISO.
MEETING_TIME_FORMATS = (
    "%d/%m/%Y, %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y, %H:%M", "%d/%m/%Y %H:%M",
    "%m/%d/%Y, %I:%M:%S %p", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%y, %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
)

SAVE_AS_CSV = (
    "Download the attendance report from Teams or the participant report from Zoom as it "
    "comes, or save the list from Excel as 'CSV UTF-8 (Comma delimited)', and upload that file."
)


class AttendanceRejected(CampaignError):
    """An attendee list or an import that cannot go ahead; the message says why and what to do.

    `status` is the HTTP status a page answers with: 400 for a bad file or form, 409 when the
    state of the touchpoint forbids it (already imported, cancelled).
    """

    def __init__(self, message: str, problems: list[str] | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems or [])
        self.status = status

    def __str__(self) -> str:
        return "\n".join([self.message, *self.problems])


class UnknownLayout(AttendanceRejected):
    """No header row engage recognises: matching the columns on the page can read it."""


@dataclass(frozen=True)
class Attendee:
    """One person in the list; the email is empty when the platform gave none (guests)."""

    name: str
    email: str
    minutes: int | None = None

    @property
    def key(self) -> str:
        """Who this is, for counting each person once: the address, else the name."""
        return self.email or "name:" + " ".join(self.name.casefold().split())

    @property
    def label(self) -> str:
        if self.name and self.email:
            return f"{self.name} ({self.email})"
        return self.name or self.email


@dataclass(frozen=True)
class Meeting:
    """What a report says about its meeting: title, start (UK wall-clock time) and length."""

    title: str = ""
    start: datetime | None = None
    minutes: int | None = None


def parse_meeting_time(raw: str) -> datetime | None:
    """A report's start time as a naive wall-clock time, or None when it is not one we know."""
    value = " ".join(raw.split()).upper()
    for pattern in MEETING_TIME_FORMATS:
        try:
            return datetime.strptime(value, pattern)
        except ValueError:
            continue
    return None


def read_meeting(rows: list[list[str]]) -> Meeting | None:
    """The meeting block above the participant table: label-value rows (Teams), or a header row
    with a row of values under it (Zoom)."""
    found: dict[str, str] = {}
    for number, row in enumerate(rows):
        cells = [cell.strip() for cell in row]
        headings = [heading_key(cell) for cell in cells]
        if len(cells) >= 2 and headings[0] and not any(headings[2:]):
            found.setdefault(headings[0], cells[1])
        elif number + 1 < len(rows) and MEETING_START.intersection(headings):
            values = rows[number + 1]
            for index, heading in enumerate(headings):
                if heading and index < len(values):
                    found.setdefault(heading, values[index].strip())
    title = next((found[k] for k in found if k in MEETING_TITLE and found[k]), "")
    start = next((parse_meeting_time(found[k]) for k in found if k in MEETING_START), None)
    minutes = next((parse_minutes(found[k]) for k in found if k in MEETING_DURATION), None)
    if not title and start is None:
        return None
    return Meeting(" ".join(title.split())[:200], start, minutes)


@dataclass
class AttendeeList:
    """What a file held: its layout, each person once, and the organiser rows left out."""

    layout: str
    attendees: list[Attendee]
    organisers: int = 0
    columns: list[str] = field(default_factory=list)
    meeting: Meeting | None = None

    @property
    def layout_label(self) -> str:
        return LAYOUT_LABELS[self.layout]


def decode_attendance(data: bytes) -> str:
    """The file's text, read the same way as every other upload (UTF-16 for Teams reports)."""
    try:
        return decode_csv_bytes(data, "attendance report")
    except ImportRejected as exc:
        raise AttendanceRejected(exc.message) from None


def _delimiters(text: str) -> list[str]:
    """The sniffed delimiter first, then the others, for files the sniffer cannot settle."""
    ordered = []
    # The sniffer gives up on, e.g., a summary block with a different number of cells per line.
    with contextlib.suppress(csv.Error):
        ordered.append(csv.Sniffer().sniff(text[:SNIFF_SAMPLE], delimiters=DELIMITERS).delimiter)
    return ordered + [d for d in DELIMITERS if d not in ordered]


def _reader(text: str, delimiter: str) -> Iterator[list[str]]:
    # Meeting platforms quote with double quotes; only the delimiter differs between them.
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                      doublequote=True, skipinitialspace=True)


def _columns(row: list[str], matching: Matching | None = None) -> dict[str, int]:
    """Which column holds each field in a candidate header row (the first of each wins, and
    the matching's choices over all); none when the row lacks a column the matching names."""
    chosen = matching.find(row) if matching else {}
    if chosen is None:
        return {}
    taken = set(chosen.values())
    columns: dict[str, int] = {}
    ignored = matching.ignored if matching else frozenset()
    for index, cell in enumerate(row):
        key = heading_key(cell)
        name = HEADINGS.get(key)
        if name is not None and index not in taken and key not in ignored:
            columns.setdefault(name, index)
    return columns | chosen


def _complete(columns: Container[str]) -> bool:
    has_name = "name" in columns or "first_name" in columns
    return has_name and "email" in columns and ("join" in columns or "duration" in columns)


def _unreadable(exc: csv.Error) -> AttendanceRejected:
    return AttendanceRejected(
        f"The file cannot be read as a list of attendees ({exc}). " + SAVE_AS_CSV
    )


def _missing(columns: dict[str, int]) -> list[str]:
    """What a candidate header row lacks, in words, with the headings that would do."""
    missing = []
    if "name" not in columns and "first_name" not in columns:
        missing.append("a name (Name, Full name or Name (original name))")
    if "email" not in columns:
        missing.append("an email address (Email, Email address or User email)")
    if "join" not in columns and "duration" not in columns:
        missing.append("a join time (Join time or First join) or a duration (Duration, "
                       "Duration (minutes) or In-meeting duration)")
    return missing


def _find_table(text: str, matching: Matching) -> tuple[str, int, dict[str, int], list[str]]:
    """The delimiter, header row number, columns and headings of the participant table."""
    best: list[str] = []
    best_columns: dict[str, int] = {}
    for delimiter in _delimiters(text):
        try:
            rows = list(islice(_reader(text, delimiter), HEADER_SEARCH_ROWS))
        except csv.Error as exc:
            raise _unreadable(exc) from None
        for number, row in enumerate(rows):
            columns = _columns(row, matching)
            if _complete(columns.keys() | matching.values.keys()):
                return delimiter, number, columns, row
            wider = not best and any(cell.strip() for cell in row)
            if len(columns) > len(best_columns) or wider:
                best, best_columns = row, columns
    if matching.columns and best and matching.find(best) is None:
        raise AttendanceRejected(str(missing_column(best, matching)))
    found = ", ".join(f"'{cell.strip()}'" for cell in best if cell.strip())[:400] or "none"
    raise UnknownLayout(
        "This attendance file is in a layout engage does not know: no header row among its "
        f"first {HEADER_SEARCH_ROWS} rows names the columns an attendee list needs. Columns "
        f"found: {found}. Missing: {'; '.join(_missing(best_columns))}. " + SAVE_AS_CSV
    )


TEAMS_HEADINGS = heading_keys("in meeting duration", "participant id (upn)", "first join")
ZOOM_HEADINGS = heading_keys("user email", "duration (minutes)")


def _layout(text: str, header: list[str]) -> str:
    headings = {heading_key(cell) for cell in header}
    if headings & TEAMS_HEADINGS or re.match(
        r"\s*(1\.\s*summary|meeting summary)", text[:200], re.IGNORECASE
    ):
        return "teams"
    if heading_key("name (original name)") in headings or headings >= ZOOM_HEADINGS:
        return "zoom"
    return "generic"


def parse_minutes(raw: str) -> int | None:
    """Minutes from "1h 6m 48s" (Teams), "67" (Zoom), "1:06:48" or "67.5"; None if unclear."""
    value = raw.strip().lower()
    if not value:
        return None
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        pass
    else:
        return round(number) if 0 <= number < 100_000 else None
    teams = TEAMS_DURATION.match(value)
    if teams and any(teams.groups()):
        hours, minutes, seconds = (int(part or 0) for part in teams.groups())
        return round(hours * 60 + minutes + seconds / 60)
    clock = CLOCK_DURATION.match(value)
    if clock:
        hours, minutes, seconds = (int(part or 0) for part in clock.groups())
        return round(hours * 60 + minutes + seconds / 60)
    return None


def clean_email(raw: str) -> str:
    """A usable address in lower case, or "" when the cell holds none (guests, "N/A", names)."""
    from email_validator import EmailNotValidError, validate_email  # not at start-up

    value = raw.strip().strip("<>").strip()
    if "@" not in value:
        return ""
    try:
        address = validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return ""
    return address.lower()[:EMAIL_LIMIT]


def _cell(row: list[str], columns: Mapping[str, int | str], name: str) -> str:
    """A field's value in a row: its cell, or the value the matching gives every row."""
    index = columns.get(name)
    if isinstance(index, str):
        return index
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def candidate_headings(data: bytes) -> list[str]:
    """Every cell of the rows a header row is looked for in, by any delimiter: what a saved
    matching's headings must be among."""
    text = decode_attendance(data)
    cells: dict[str, None] = {}
    for delimiter in _delimiters(text):
        try:
            for row in islice(_reader(text, delimiter), HEADER_SEARCH_ROWS):
                cells.update((cell.strip(), None) for cell in row if cell.strip())
        except csv.Error as exc:
            raise _unreadable(exc) from None
    return list(cells)


def likely_table(data: bytes, samples: int = 20) -> tuple[list[str], list[list[str]]]:
    """The header row a person would take for the list's (the first with two or more cells
    filled in) and the rows under it, for the matching page."""
    text = decode_attendance(data)
    delimiter = _delimiters(text)[0]
    try:
        rows = list(islice(_reader(text, delimiter), HEADER_SEARCH_ROWS + samples))
    except csv.Error as exc:
        raise _unreadable(exc) from None
    for number, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if sum(1 for cell in row if cell.strip()) >= 2:
            return [cell.strip() for cell in row], rows[number + 1:number + 1 + samples]
    raise AttendanceRejected("The file has no row with column headings. " + SAVE_AS_CSV)


def read_attendees(data: bytes, matching: Matching | None = None) -> AttendeeList:
    """Every person in an uploaded attendee list, once each; AttendanceRejected says why not.

    `matching` names the columns of fields whose headings engage does not know, or gives a
    field one value for every row.
    """
    matching = matching or Matching()
    try:
        matching.check(FIELDS)
    except MatchingError as exc:
        raise AttendanceRejected(str(exc)) from None
    text = decode_attendance(data)
    if not text.strip():
        raise AttendanceRejected("The file has no text in it. " + SAVE_AS_CSV)
    delimiter, header_at, found, header = _find_table(text, matching)
    columns: dict[str, int | str] = {**found, **matching.values}
    people: dict[str, Attendee] = {}
    organisers = 0
    try:
        rows = islice(_reader(text, delimiter), header_at + 1, None)
        for row in rows:
            cells = [cell.strip() for cell in row]
            if not any(cells):
                continue
            if SECTION_HEADING.match(cells[0]) and not any(cells[1:]):
                break  # the next section of a Teams report: "3. In-Meeting Activities"
            if _complete(_columns(row)):
                break  # another table's header
            if _cell(row, columns, "role").lower() in ORGANISER_ROLES:
                organisers += 1
                continue
            attendee = _attendee(row, columns)
            if attendee is None:
                continue
            earlier = people.get(attendee.key)
            if earlier is not None:
                # Zoom lists a person once per time they joined: add up their minutes.
                minutes = (earlier.minutes or 0) + (attendee.minutes or 0)
                attendee = Attendee(earlier.name or attendee.name, attendee.email,
                                    minutes if earlier.minutes or attendee.minutes else None)
            people[attendee.key] = attendee
            if len(people) > MAX_ATTENDEES:
                raise AttendanceRejected(
                    f"The file lists more than {MAX_ATTENDEES:,} attendees, more than one "
                    "meeting holds. Check it is the attendance report of a single meeting."
                )
    except csv.Error as exc:
        raise _unreadable(exc) from None
    if not people:
        raise AttendanceRejected(
            f"The file has the columns of an attendee list (row {header_at + 1}) but no "
            "attendees under them. Download the report again after the meeting has ended and "
            "upload it."
        )
    try:
        above = list(islice(_reader(text, delimiter), header_at))
    except csv.Error:
        above = []
    return AttendeeList(_layout(text, header), list(people.values()), organisers,
                        [cell.strip() for cell in header if cell.strip()], read_meeting(above))


def _attendee(row: list[str], columns: Mapping[str, int | str]) -> Attendee | None:
    name = _cell(row, columns, "name")
    if not name:
        name = " ".join(
            part for part in (_cell(row, columns, "first_name"), _cell(row, columns, "last_name"))
            if part
        )
    email = clean_email(_cell(row, columns, "email")) or clean_email(_cell(row, columns, "upn"))
    name = " ".join(name.split())[:NAME_LIMIT]
    if not name and not email:
        return None
    return Attendee(name, email, parse_minutes(_cell(row, columns, "duration")))
