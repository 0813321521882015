"""The attendance import's fields, as the matching page offers them."""

from __future__ import annotations

from engage.campaigns.attendance.files import FIELDS
from engage.matching_form import ImportFields

LABELS = {
    "name": "Full name", "first_name": "First name", "last_name": "Last name",
    "email": "Email address", "upn": "Teams participant ID (UPN)", "join": "Join time",
    "leave": "Leave time", "duration": "Time in the meeting", "role": "Role (organiser or not)",
}
# The list needs a name, an email and a join time or a duration: which of them is the file's
# to say, so the reading of the file, not the form, names what is missing.
ATTENDANCE_FIELDS = ImportFields(kind="attendance", fields=FIELDS, labels=LABELS, required=(),
                                 givable=())
