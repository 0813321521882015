"""Log-in and user administration forms."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from engage.auth.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from engage.auth.models import Role

try:  # WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice
    from wtforms.fields.choices import SelectChoice

    ROLE_CHOICES: list[Any] = [SelectChoice(value=role.value, label=role.label) for role in Role]
except ImportError:  # pragma: no cover - WTForms 3.2
    ROLE_CHOICES = [(role.value, role.label) for role in Role]

PASSWORD_HINT = (
    f"At least {MIN_PASSWORD_LENGTH} characters. Three or four unrelated words work well."
)


def _new_password_length() -> Length:
    return Length(
        min=MIN_PASSWORD_LENGTH,
        max=MAX_PASSWORD_LENGTH,
        message=f"Use between {MIN_PASSWORD_LENGTH} and {MAX_PASSWORD_LENGTH} characters",
    )


class LoginForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password")])
    next = HiddenField()


class NewUserForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[DataRequired("Enter an email address"), Email("Enter a valid email address")],
    )
    name = StringField("Full name", validators=[Optional(), Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.MANAGER.value)
    password = PasswordField(
        "Initial password",
        description=PASSWORD_HINT + " Ask them to change it when they first sign in.",
        validators=[DataRequired("Enter an initial password"), _new_password_length()],
    )


class EditUserForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
    active = BooleanField("Account is active (untick to disable and sign them out everywhere)")
    new_password = PasswordField(
        "New password (leave blank to keep the current one)",
        validators=[Optional(), _new_password_length()],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password")]
    )
    new_password = PasswordField(
        "New password",
        description=PASSWORD_HINT,
        validators=[DataRequired("Enter a new password"), _new_password_length()],
    )
    confirm_password = PasswordField(
        "New password again",
        validators=[
            DataRequired("Enter the new password again"),
            EqualTo("new_password", message="The two new passwords are not the same"),
        ],
    )
