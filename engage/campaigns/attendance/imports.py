"""Attendance imports: preview an attendee list against the directory, then record it.

Nothing is written until a manager confirms. The preview travels between the two steps as a
signed, compressed, size-limited token (in a hidden form field: the cookie session holds 4 KB)
that the server checks and that expires; it holds only what the confirmation needs.

Names and email addresses are used to match people to organisations and are never stored:
the ledger gets one row per organisation, with how many people came from it.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import case, select, true
from sqlalchemy.exc import IntegrityError

from engage.audit.log import record_event
from engage.auth.models import User
from engage.campaigns.attendance.files import (
    LAYOUT_LABELS,
    AttendanceRejected,
    Meeting,
    read_attendees,
)
from engage.campaigns.attendance.matching import BY_CONTACT, BY_REGISTRATION, match_attendees
from engage.campaigns.dates import london_to_utc
from engage.campaigns.ledger import Reach, record_reach, void_engagement
from engage.campaigns.models import (
    AttendanceImport,
    Engagement,
    EngagementKind,
    EngagementSource,
    Touchpoint,
    TouchpointStatus,
)
from engage.campaigns.touchpoints import CLOCK_SLACK, still_to_come
from engage.columns import Matching
from engage.config import DEFAULT_ATTENDANCE_MIN_MINUTES
from engage.database import DbSession
from engage.directory.models import Organisation
from engage.timezone import LONDON, uk_day

# How an import's rows are listed: those who came, then brief joiners, then the absent.
KIND_ORDER = {EngagementKind.ATTENDED: 0, EngagementKind.JOINED_BRIEFLY: 1,
              EngagementKind.ABSENT: 2}

# Words that say nothing about which meeting a title names.
SMALL_WORDS = frozenset({"the", "and", "for", "with", "from", "our", "your", "this", "that",
                         "into", "about", "webinar", "meeting", "session"})
# A report dated this many days or fewer from the touchpoint is taken as the same meeting.
DATE_TOLERANCE_DAYS = 1

PREVIEW_SALT = "engage.campaigns.attendance.imports-preview"
PREVIEW_MAX_AGE_SECONDS = 2 * 60 * 60
# Werkzeug refuses form fields over 500 KB; stay well inside that.
PREVIEW_MAX_CHARS = 300_000

__all__ = ["AttendanceRejected", "Preview", "confirm_attendance", "preview_attendance"]


@dataclass
class MatchedOrganisation:
    """An organisation the list matched, how many distinct people, and how they matched."""

    organisation_id: int
    ods_code: str
    name: str  # as people read it
    people: int
    by_contact: int
    by_domain: int
    brief: int = 0  # of `people`, those in the meeting for less than the minimum

    @property
    def attended(self) -> int:
        return self.people - self.brief


@dataclass
class UnmatchedAttendee:
    """Someone a person has to place: name and address are shown to the manager, not stored."""

    name: str
    email: str
    minutes: int | None
    reason: str

    @property
    def label(self) -> str:
        if self.name and self.email:
            return f"{self.name} ({self.email})"
        return self.name or self.email


@dataclass
class Preview:
    """What an upload would record, before anyone confirms it."""

    touchpoint_id: int
    filename: str
    sha256: str
    layout: str
    attendees: int
    organisers: int
    matched: list[MatchedOrganisation] = field(default_factory=list)
    unmatched: list[UnmatchedAttendee] = field(default_factory=list)
    # Minutes that count as attending for this meeting; fewer is "joined briefly".
    min_minutes: int = DEFAULT_ATTENDANCE_MIN_MINUTES
    # The meeting as the report names it, and how it differs from the touchpoint: saving
    # then needs an explicit "yes, this report belongs to this touchpoint".
    meeting_title: str = ""
    meeting_day: str = ""
    mismatches: list[str] = field(default_factory=list)

    def joined_briefly(self, minutes: int | None) -> bool:
        """A person whose time is unknown counts as attending: the list does not say otherwise."""
        return minutes is not None and minutes < self.min_minutes

    @property
    def layout_label(self) -> str:
        return LAYOUT_LABELS.get(self.layout, self.layout)

    @property
    def matched_people(self) -> int:
        return sum(org.people for org in self.matched)

    @property
    def matched_brief(self) -> int:
        return sum(org.brief for org in self.matched)


def attended_minimum(setting: int, meeting_minutes: int | None) -> int:
    """The setting, or half the meeting when that is less (a 15-minute huddle needs 8)."""
    if meeting_minutes and meeting_minutes > 0:
        return max(1, min(setting, -(-meeting_minutes // 2)))
    return setting


def title_words(title: str) -> set[str]:
    return {word for word in re.findall(r"[^\W_]+", title.casefold())
            if len(word) > 2 and word not in SMALL_WORDS}


def _day(value: datetime) -> str:
    return uk_day(value).strftime("%-d %B %Y")


def meeting_mismatches(touchpoint: Touchpoint, meeting: Meeting | None, now: datetime) -> list[str]:
    """How the report's meeting differs from the touchpoint; refuses a meeting still to come."""
    if meeting is None:
        return []
    problems = []
    if meeting.start is not None:
        start = london_to_utc(meeting.start)
        if start > now + CLOCK_SLACK:
            raise AttendanceRejected(
                f"This report is of a meeting on {_day(start)}, which has not happened yet, so "
                "it has no attendance to record. Download the report after the meeting has "
                "ended and upload it then.", status=409,
            )
        when = touchpoint.when
        if when is not None and abs((uk_day(start) - uk_day(when)).days) > \
                DATE_TOLERANCE_DAYS:
            problems.append(f"The report is of a meeting on {_day(start)}, but this touchpoint "
                            f"is on {_day(when)}.")
    if meeting.title and not title_words(meeting.title) & title_words(touchpoint.title):
        problems.append(f"The report's meeting is called \u201c{meeting.title}\u201d, which shares "
                        f"no words with \u201c{touchpoint.title}\u201d.")
    return problems


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_touchpoint(touchpoint: Touchpoint, now: datetime) -> None:
    """A cancelled touchpoint had no audience, and one still to come has had none yet."""
    if touchpoint.status is TouchpointStatus.CANCELLED:
        raise AttendanceRejected(
            "This touchpoint was cancelled, so it has no attendance. Restore it first if it did "
            "take place.", status=409,
        )
    problem = still_to_come(touchpoint, now, "attendance")
    if problem:
        raise AttendanceRejected(problem, status=409)


def earlier_import(session: DbSession, touchpoint_id: int, digest: str) -> AttendanceImport | None:
    return session.scalar(
        select(AttendanceImport).where(
            AttendanceImport.touchpoint_id == touchpoint_id, AttendanceImport.sha256 == digest
        )
    )


def _refuse_duplicate(session: DbSession, touchpoint: Touchpoint, digest: str) -> None:
    earlier = earlier_import(session, touchpoint.id, digest)
    if earlier is None:
        return
    who = session.get(User, earlier.user_id) if earlier.user_id else None
    by = f" by {who.email}" if who is not None else ""
    when = earlier.at.astimezone(LONDON).strftime("%-d %B %Y")
    raise AttendanceRejected(
        f"This file was already imported for this touchpoint on {when}{by} "
        f"({earlier.filename or 'unnamed file'}): its {earlier.attendees} attendees are counted "
        "once, and uploading it again would count them twice. To add people it missed, upload "
        "a different report or log them by hand.", status=409,
    )


def preview_attendance(
    session: DbSession,
    touchpoint: Touchpoint,
    data: bytes,
    filename: str,
    *,
    now: datetime,
    min_minutes: int = DEFAULT_ATTENDANCE_MIN_MINUTES,
    columns: Matching | None = None,
) -> Preview:
    """Read an attendee list and match it to the directory, writing nothing.

    `min_minutes` is the ATTENDANCE_MIN_MINUTES setting; half the meeting applies if less.
    `columns` matches the file's columns to fields where its headings are not known.
    """
    check_touchpoint(touchpoint, now)
    digest = file_digest(data)
    _refuse_duplicate(session, touchpoint, digest)
    listed = read_attendees(data, columns)
    mismatches = meeting_mismatches(touchpoint, listed.meeting, now)
    matching = match_attendees(session, listed.attendees, touchpoint.id)
    meeting_minutes = listed.meeting.minutes if listed.meeting else None
    minimum = attended_minimum(min_minutes, touchpoint.duration_minutes or meeting_minutes)
    minutes = {attendee.key: attendee.minutes for attendee in listed.attendees}
    people: Counter[int] = Counter()
    brief: Counter[int] = Counter()
    how: dict[int, Counter[str]] = {}
    for key, match in matching.matched.items():
        people[match.organisation_id] += 1
        how.setdefault(match.organisation_id, Counter())[match.how] += 1
        stayed = minutes[key]
        if stayed is not None and stayed < minimum:
            brief[match.organisation_id] += 1
    orgs = {
        org.id: org
        for org in session.scalars(select(Organisation).where(Organisation.id.in_(list(people))))
    }
    # A registrant's own address is as exact as a contact's: both count as "by address".
    exact = {org_id: how[org_id][BY_CONTACT] + how[org_id][BY_REGISTRATION] for org_id in people}
    matched = [
        MatchedOrganisation(org_id, orgs[org_id].ods_code, orgs[org_id].display_name, count,
                            exact[org_id], count - exact[org_id], brief[org_id])
        for org_id, count in people.items()
    ]
    matched.sort(key=lambda m: (m.name.casefold(), m.ods_code))
    unmatched = [UnmatchedAttendee(a.name, a.email, a.minutes, reason)
                 for a, reason in matching.unmatched]
    return Preview(touchpoint.id, filename[:255], digest, listed.layout, len(listed.attendees),
                   listed.organisers, matched, unmatched, min_minutes=minimum,
                   meeting_title=listed.meeting.title if listed.meeting else "",
                   meeting_day=_day(london_to_utc(listed.meeting.start))
                   if listed.meeting and listed.meeting.start else "",
                   mismatches=mismatches)


# --- carrying the preview to the confirmation ---------------------------------------------------


def _serializer(secret_keys: Sequence[str]) -> URLSafeTimedSerializer:
    # itsdangerous signs with the last key and accepts any: old keys keep working after rotation.
    return URLSafeTimedSerializer(list(secret_keys), salt=PREVIEW_SALT)


def seal_preview(preview: Preview, secret_keys: Sequence[str]) -> str:
    """The preview as a signed, compressed token for a hidden form field."""
    token = _serializer(secret_keys).dumps(asdict(preview))
    if len(token) > PREVIEW_MAX_CHARS:
        raise AttendanceRejected(
            f"This list has too many people engage cannot place ({len(preview.unmatched):,}) to "
            "check in one page. Add the organisations' contacts to the directory so more "
            "attendees match by email, or split the list, and upload it again."
        )
    return token


def open_preview(
    token: str, secret_keys: Sequence[str], touchpoint_id: int, *, max_age: int | None = None
) -> Preview:
    """The preview a confirmation form carried; AttendanceRejected if it was altered or is old."""
    age = PREVIEW_MAX_AGE_SECONDS if max_age is None else max_age
    if not token or len(token) > PREVIEW_MAX_CHARS:
        raise AttendanceRejected("The preview is missing. Upload the attendance file again.")
    try:
        raw: dict[str, Any] = _serializer(secret_keys).loads(token, max_age=age)
    except SignatureExpired:
        raise AttendanceRejected(
            f"The preview is more than {age // 3600 or 1} hours old, so it was not saved (the "
            "directory may have changed since). Upload the attendance file again."
        ) from None
    except BadSignature:
        raise AttendanceRejected(
            "The preview could not be checked (it was changed, or made by another "
            "installation), so nothing was saved. Upload the attendance file again."
        ) from None
    try:
        preview = Preview(**{
            **raw,
            "matched": [MatchedOrganisation(**m) for m in raw["matched"]],
            "unmatched": [UnmatchedAttendee(**u) for u in raw["unmatched"]],
        })
    except (TypeError, KeyError):  # signed by an older version of engage
        raise AttendanceRejected(
            "The preview was made by an earlier version of engage. Upload the attendance file "
            "again."
        ) from None
    if preview.touchpoint_id != touchpoint_id:
        raise AttendanceRejected(
            "This preview belongs to another touchpoint. Upload the attendance file from this "
            "touchpoint's page."
        )
    return preview


# --- what the touchpoint already holds ----------------------------------------------------------


def _live_orgs(session: DbSession, touchpoint_id: int, kind: EngagementKind) -> set[int]:
    return set(session.scalars(
        select(Engagement.organisation_id).where(
            Engagement.touchpoint_id == touchpoint_id,
            Engagement.kind == kind,
            Engagement.counted == true(),
            Engagement.voided_at.is_(None),
        )
    ))


def invited_not_attending(
    session: DbSession, touchpoint_id: int, attending: set[int]
) -> list[Organisation]:
    """Invited organisations that neither this list nor an earlier one shows anyone from."""
    absent = (_live_orgs(session, touchpoint_id, EngagementKind.INVITED)
              - _live_orgs(session, touchpoint_id, EngagementKind.ATTENDED) - attending)
    if not absent:
        return []
    return list(session.scalars(
        select(Organisation).where(Organisation.id.in_(absent))
        .order_by(Organisation.sort_key, Organisation.ods_code)
    ))


def already_attended(session: DbSession, touchpoint_id: int, org_ids: set[int]) -> set[int]:
    """Those of `org_ids` the touchpoint already records as attending (earlier imports, logs)."""
    return _live_orgs(session, touchpoint_id, EngagementKind.ATTENDED) & org_ids


# --- confirming ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a confirmed import recorded."""

    record: AttendanceImport
    attended: dict[int, int]
    absent: list[int]
    voided_absences: int
    brief: dict[int, int] = field(default_factory=dict)


def _people_by_org(
    preview: Preview, assignments: Mapping[int, int | None]
) -> tuple[dict[int, int], dict[int, int]]:
    """{organisation: people who attended} and {organisation: people who joined briefly}."""
    missing = [u.label for i, u in enumerate(preview.unmatched) if i not in assignments]
    if missing:
        shown = "; ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10
                                           else "")
        raise AttendanceRejected(
            f"Choose an organisation for every attendee engage could not place, or say they are "
            f"not from a practice or pharmacy. Still to place: {shown}."
        )
    people = Counter({m.organisation_id: m.attended for m in preview.matched})
    brief = Counter({m.organisation_id: m.brief for m in preview.matched})
    for index, org_id in assignments.items():
        if org_id is not None and 0 <= index < len(preview.unmatched):
            if preview.joined_briefly(preview.unmatched[index].minutes):
                brief[org_id] += 1
            else:
                people[org_id] += 1
    return +people, +brief


def confirm_attendance(
    session: DbSession,
    touchpoint: Touchpoint,
    preview: Preview,
    assignments: Mapping[int, int | None],
    *,
    user_id: int | None,
    now: datetime,
    same_meeting: bool = False,
) -> Outcome:
    """Record a previewed list: the import, attended and invited-but-absent rows, the audit event.

    `assignments` places each unmatched attendee (by position) at an organisation's id, or at
    None for someone not from a practice or pharmacy. A report whose meeting differs from
    the touchpoint (`preview.mismatches`) is saved only with `same_meeting`, the user's word
    that it belongs here. All or nothing; the caller commits.
    """
    check_touchpoint(touchpoint, now)
    if preview.touchpoint_id != touchpoint.id:
        raise AttendanceRejected("This preview belongs to another touchpoint.")
    if preview.mismatches and not same_meeting:
        raise AttendanceRejected(
            "This report may be of another meeting, so nothing was saved. "
            + " ".join(preview.mismatches)
            + " Confirm that it belongs to this touchpoint, or upload the report of this "
            "meeting.", status=409,
        )
    _refuse_duplicate(session, touchpoint, preview.sha256)
    people, brief = _people_by_org(preview, assignments)
    present = set(people) | set(brief)
    known = set(session.scalars(select(Organisation.id).where(Organisation.id.in_(list(present)))))
    if known != present:
        raise AttendanceRejected(
            "An organisation in this preview has since been removed from the directory. Upload "
            "the attendance file again."
        )
    not_from_org = sum(1 for org_id in assignments.values() if org_id is None)
    recorded_absent = _live_orgs(session, touchpoint.id, EngagementKind.ABSENT)
    # Someone who joined briefly was there, so their organisation is not recorded as absent.
    absent = [org.id for org in invited_not_attending(session, touchpoint.id, present)
              if org.id not in recorded_absent]
    record = AttendanceImport(
        touchpoint_id=touchpoint.id, filename=preview.filename, sha256=preview.sha256,
        layout=preview.layout, at=now, user_id=user_id, attendees=preview.attendees,
        organisations_attended=len(people), organisations_absent=len(absent),
        unmatched=not_from_org,
    )
    session.add(record)
    try:
        session.flush()
    except IntegrityError:
        # Another confirmation of the same file won the race; the caller rolls back.
        raise AttendanceRejected(
            "This file was imported for this touchpoint a moment ago, so it was not counted "
            "again.", status=409,
        ) from None
    reaches = [Reach(org_id, EngagementKind.ATTENDED, count, f"{record.id}:{org_id}:attended")
               for org_id, count in sorted(people.items())]
    reaches += [Reach(org_id, EngagementKind.JOINED_BRIEFLY, count,
                      f"{record.id}:{org_id}:brief", counted=False)
                for org_id, count in sorted(brief.items())]
    reaches += [Reach(org_id, EngagementKind.ABSENT, 0, f"{record.id}:{org_id}:absent")
                for org_id in absent]
    record_reach(session, reaches, occurred_at=touchpoint.when or now, channel=touchpoint.channel,
                 touchpoint=touchpoint, source=EngagementSource.ATTENDANCE, user_id=user_id,
                 now=now)
    voided = _void_absences(session, touchpoint.id, set(people), record.id, now)
    actor = session.get(User, user_id) if user_id is not None else None
    briefly = f"{len(brief)} joined briefly (not counted), " if brief else ""
    record_event(
        session, actor, "campaigns.attendance_import",
        f"Imported attendance {preview.filename or '(unnamed file)'} for touchpoint "
        f"'{touchpoint.title}': {preview.attendees} attendees, {len(people)} organisations "
        f"attended, {briefly}{len(absent)} invited and absent, {not_from_org} not from a "
        "practice or pharmacy",
        target=record,
        details={"touchpoint_id": touchpoint.id, "layout": preview.layout,
                 "sha256": preview.sha256, "organisers_left_out": preview.organisers,
                 "earlier_absences_voided": voided, "min_minutes": preview.min_minutes,
                 "confirmed_mismatch": bool(preview.mismatches)},
    )
    session.flush()
    return Outcome(record, people, absent, voided, brief)


def _void_absences(
    session: DbSession, touchpoint_id: int, attended: set[int], import_id: int, now: datetime
) -> int:
    """An earlier list recorded these as absent; this one shows they came (another session)."""
    if not attended:
        return 0
    ids = session.scalars(
        select(Engagement.id).where(
            Engagement.touchpoint_id == touchpoint_id,
            Engagement.kind == EngagementKind.ABSENT,
            Engagement.voided_at.is_(None),
            Engagement.organisation_id.in_(list(attended)),
        )
    ).all()
    return void_engagement(session, ids, f"Attended, according to attendance import {import_id}",
                           now)


# --- reading back ---------------------------------------------------------------------------------


def touchpoint_imports(
    session: DbSession, touchpoint_id: int
) -> list[tuple[AttendanceImport, str]]:
    """A touchpoint's imports, newest first, each with the email of who made it."""
    rows = session.execute(
        select(AttendanceImport, User.email)
        .outerjoin(User, User.id == AttendanceImport.user_id)
        .where(AttendanceImport.touchpoint_id == touchpoint_id)
        .order_by(AttendanceImport.at.desc(), AttendanceImport.id.desc())
    ).all()
    return [(record, email or "") for record, email in rows]


def import_rows(
    session: DbSession, record: AttendanceImport
) -> list[tuple[Engagement, Organisation]]:
    """The ledger rows an import wrote, with their organisations, attended first then absent."""
    rows = session.execute(
        select(Engagement, Organisation)
        .join(Organisation, Organisation.id == Engagement.organisation_id)
        .where(
            Engagement.touchpoint_id == record.touchpoint_id,
            Engagement.source == EngagementSource.ATTENDANCE,
            Engagement.source_ref.like(f"{record.id}:%"),
        )
        .order_by(case(KIND_ORDER, value=Engagement.kind, else_=len(KIND_ORDER)),
                  Organisation.sort_key, Organisation.ods_code)
    ).all()
    return [(engagement, org) for engagement, org in rows]
