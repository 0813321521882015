"""The service edit form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from engage.catalogue.completeness import (
    ADD_A_CONTACT_ROUTE,
    CONTACT_FIELDS,
)
from engage.catalogue.models import AccessRoute, Audience
from engage.contact_values import phone_problem, web_address_problem
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
    phone = StringField(
        "Phone number",
        description="For referrals or for staff to call, for example 01632 960 123.",
        validators=[Optional(), Length(max=40)],
    )
    email = EmailField(
        "Email address",
        description="Where referrals or questions go.",
        validators=[Optional(), Length(max=254), Email("Enter a valid email address")],
    )
    website = StringField(
        "Website", validators=[Optional(), Length(max=300)],
    )
    hours = StringField(
        "Opening hours", description="For example: Monday to Friday, 9am to 5pm.",
        validators=[Optional(), Length(max=200)],
    )
    referral_form_url = StringField(
        "Referral form (web address)",
        description="For services a manager refers to: where the referral form is.",
        validators=[Optional(), Length(max=300)],
    )
    what_to_have_ready = TextAreaField(
        "What the manager should have ready",
        description="One item a line, for example: the employee's consent to the referral.",
        validators=[Optional(), Length(max=2000)],
    )
    what_happens_next = TextAreaField(
        "What happens after a referral",
        description="One step a line, written to the manager.",
        validators=[Optional(), Length(max=2000)],
    )
    attributable_to_organisation = BooleanField(
        "Uptake can be put down to a practice or pharmacy (untick for area-wide lines)",
        default=True,
    )
    published = BooleanField(
        "Show on the public pages",
        description="Untick to keep it as a draft that only managers see.",
        default=True,
    )

    def validate_phone(self, field: Field) -> None:
        if problem := phone_problem(field.data or ""):
            raise ValidationError(problem)

    def validate_website(self, field: Field) -> None:
        if problem := web_address_problem(field.data or ""):
            raise ValidationError(problem)

    def validate_referral_form_url(self, field: Field) -> None:
        if problem := web_address_problem(field.data or ""):
            raise ValidationError(problem)

    def validate_published(self, field: Field) -> None:
        """A public page must say how to reach the service."""
        if field.data and not any((getattr(self, name).data or "").strip()
                                  for name in CONTACT_FIELDS):
            raise ValidationError(ADD_A_CONTACT_ROUTE)
