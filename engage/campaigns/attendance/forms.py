"""Attendance import forms: the upload, and the confirmation that places unmatched attendees."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, Length

from engage.campaigns.attendance.imports import UnmatchedAttendee
from engage.campaigns.attendance.matching import OrganisationNotFound, find_organisation
from engage.extensions import db

DATALIST_ID = "attendance-organisations"


class AttendanceUploadForm(FlaskForm):
    file = FileField("The attendance report or attendee list",
                     validators=[FileRequired("Choose the attendance file to upload")])
    match_columns = BooleanField("Let me choose which column holds which field")


class AttendanceConfirmForm(FlaskForm):
    """The signed preview, and one organisation (or "not from one") per unmatched attendee.

    Built per preview by `for_preview`, with fields `organisation_<n>` and `not_from_<n>`, so
    each error links to its own box in the error summary.
    """

    payload = HiddenField(validators=[DataRequired("The preview is missing. Upload the file "
                                                   "again.")])
    rest_not_from = BooleanField(
        "Everyone I leave without an organisation is not from a GP practice, federation or "
        "pharmacy"
    )

    # Asked only when the report's meeting differs from the touchpoint (date or title).
    same_meeting = BooleanField("Yes, this report belongs to this touchpoint")

    count: int = 0
    people: list[str] = []  # noqa: RUF012 - set per subclass by for_preview
    mismatched: bool = False

    @classmethod
    def for_preview(
        cls, unmatched: list[UnmatchedAttendee], *, mismatched: bool = False, **kwargs: Any
    ) -> AttendanceConfirmForm:
        """A form class with a pair of fields for each attendee engage could not place."""
        fields: dict[str, Any] = {"count": len(unmatched), "mismatched": mismatched,
                                  "people": [person.label for person in unmatched]}
        for index in range(len(unmatched)):
            # Each pair sits in a fieldset whose legend names the person.
            fields[f"organisation_{index}"] = StringField(
                "Organisation (ODS code or name)",
                validators=[Length(max=260)],
                render_kw={"list": DATALIST_ID, "spellcheck": "false"},
            )
            fields[f"not_from_{index}"] = BooleanField(
                "Not from a GP practice, federation or pharmacy"
            )
        form_class = type("AttendanceConfirmFormFor", (cls,), fields)
        return form_class(**kwargs)  # type: ignore[no-any-return]

    def pairs(self) -> list[tuple[StringField, BooleanField]]:
        return [(self[f"organisation_{i}"], self[f"not_from_{i}"]) for i in range(self.count)]

    def validate(self, extra_validators: Any = None) -> bool:
        """Each attendee gets exactly one answer; a typed organisation must exist, and only one."""
        valid = super().validate(extra_validators)
        self.assignments: dict[int, int | None] = {}
        for index, (organisation, not_from) in enumerate(self.pairs()):
            typed = (organisation.data or "").strip()
            person = self.people[index]
            if typed and not_from.data:
                organisation.errors = [*organisation.errors, f"{person}: enter an organisation or "
                                       "tick that they are not from one, not both"]
            elif typed:
                try:
                    self.assignments[index] = find_organisation(db.session, typed).id
                except OrganisationNotFound as exc:
                    organisation.errors = [*organisation.errors, f"{person}: {exc}"]
            elif not_from.data or self.rest_not_from.data:
                self.assignments[index] = None
            else:
                organisation.errors = [
                    *organisation.errors,
                    f"Enter an organisation for {person}, or tick that they are not from a "
                    "practice or pharmacy",
                ]
        if self.mismatched and not self.same_meeting.data:
            self.same_meeting.errors = [
                *self.same_meeting.errors,
                "This report may be of another meeting: tick that it belongs to this touchpoint, "
                "or upload the report of this meeting",
            ]
        return (valid and not any(org.errors for org, _ in self.pairs())
                and not self.same_meeting.errors)
