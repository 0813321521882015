"""Forms for making short links and poster packs."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from engage.directory.forms import choices
from engage.links.models import Medium
from engage.links.shortlinks import MESSAGE_LENGTH

LIST = "__list__"  # the choice for "the list of services" rather than one service


class LinkForm(FlaskForm):
    service = SelectField("Page it opens", validators=[DataRequired("Choose the page it opens")])
    organisation = StringField(
        "Organisation (ODS code)",
        description="Optional. The practice or pharmacy this poster is for, so its scans count "
                    "for them, for example A81001. Leave blank for a poster anyone may see.",
        validators=[Optional(), Length(max=12)],
    )
    medium = RadioField(
        "Where it will appear",
        # Email links are made only by a send (engage.messaging.tracking), with their target.
        choices=choices([(m.value, m.label) for m in Medium if m is not Medium.EMAIL]),
        default=Medium.QR.value,
        validators=[DataRequired("Choose where it will appear")],
    )
    message = StringField(
        "One-line message for the poster",
        description="Optional. The service summary is used when blank.",
        validators=[Optional(), Length(max=MESSAGE_LENGTH,
                                       message=f"Keep it to {MESSAGE_LENGTH} characters or fewer")],
    )


class PackForm(FlaskForm):
    service = SelectField("Page the posters open",
                          validators=[DataRequired("Choose the page the posters open")])
    message = StringField(
        "One-line message for the posters",
        description="Optional. The service summary is used when blank.",
        validators=[Optional(), Length(max=MESSAGE_LENGTH,
                                       message=f"Keep it to {MESSAGE_LENGTH} characters or fewer")],
    )
