"""The public registration form and the manager's registration settings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from engage.form_fields import LocalTimeField
from engage.registration.settings import MAX_CAPACITY
from engage.registration.signup import NAME_LENGTH, ROLE_LENGTH

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class PublicForm(FlaskForm):
    """A form on a public page: no session cookie, so no CSRF token; the signed form token and
    the rate limit guard it instead (as the awareness question does)."""

    class Meta:
        csrf = False


class RegisterForm(PublicForm):
    name = StringField("Full name", validators=[
        DataRequired("Enter your full name"),
        Length(max=NAME_LENGTH, message=f"Keep your name to {NAME_LENGTH} characters or fewer")])
    email = StringField(
        "Work email address",
        description="We send the joining details and the calendar invitation here.",
        validators=[DataRequired("Enter your work email address"),
                    Length(max=254, message="Enter an email address of 254 characters or fewer")])
    organisation = StringField(
        "Your practice, pharmacy or organisation",
        description="Its ODS code (for example D81001 or FA123), its name or its postcode. "
                    "Leave it blank if we already email you about occupational health at this "
                    "address.",
        validators=[Optional(), Length(max=200, message="Enter 200 characters or fewer")])
    role = StringField(
        "Your role", description="For example practice manager, practice nurse or pharmacist.",
        validators=[DataRequired("Enter your role"),
                    Length(max=ROLE_LENGTH,
                           message=f"Keep your role to {ROLE_LENGTH} characters or fewer")])
    # The honeypot: hidden from people and assistive technology, so only a bot fills it in.
    website = StringField("Leave this empty")
    token = HiddenField()

    def validate_email(self, field: StringField) -> None:
        from email_validator import EmailNotValidError, validate_email

        try:
            field.data = validate_email((field.data or "").strip(),
                                        check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise ValidationError(
                "Enter an email address in the correct format, like name@example.nhs.net "
                f"({str(exc).rstrip('.')}).") from exc


class ResendForm(PublicForm):
    email = HiddenField()
    token = HiddenField()


class SettingsForm(FlaskForm):
    is_open = BooleanField("Take registrations")
    capacity = IntegerField(
        "Number of places",
        description="Leave it empty for no limit.",
        validators=[Optional(), NumberRange(
            min=1, max=MAX_CAPACITY,
            message=f"Enter a whole number of places from 1 to {MAX_CAPACITY:,}")])
    waiting_list = BooleanField("Keep a waiting list when it is full",
                                description="People on it move up, in order, when someone "
                                            "cancels, and are told by email.")
    closes_at = LocalTimeField(
        "Registration closes", format=DATETIME_FORMAT, validators=[Optional()],
        description="UK time. Leave it empty to close at the start.")
