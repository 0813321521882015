"""The service edit form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Email, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from engage.catalogue.models import AccessRoute, Audience
from engage.directory.forms import choices


class MultiCheckboxField(SelectMultipleField):
    """A set of checkboxes (NHS.UK pattern) for choosing several options."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ServiceForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter the service name"), Length(max=120)])
    summary = StringField(
        "One-line summary",
        description="Shown in lists and on posters.",
        validators=[Optional(), Length(max=300)],
    )
    description = TextAreaField(
        "Description",
        description="Markdown. What it is, who can use it and what happens next.",
        validators=[Optional(), Length(max=20000)],
    )
    audience = SelectField("Who can use it",
                           choices=choices([(a.value, a.label) for a in Audience]))
    access_routes = MultiCheckboxField(
        "How to access it",
        choices=choices([(r.value, r.label) for r in AccessRoute]),
        validators=[DataRequired("Choose at least one way to access the service")],
    )
    phone = StringField("Phone number", validators=[Optional(), Length(max=40)])
    email = EmailField(
        "Email address", validators=[Optional(), Email("Enter a valid email address")]
    )
    website = StringField(
        "Website",
        validators=[Optional(), URL(message="Enter a full web address starting with https://")],
    )
    hours = StringField("Opening hours", validators=[Optional(), Length(max=200)])
    attributable_to_organisation = BooleanField(
        "Uptake can be put down to a practice or pharmacy (untick for area-wide lines)",
        default=True,
    )
