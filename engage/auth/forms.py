"""Log-in and user administration forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from engage.auth.accounts import MIN_PASSWORD_LENGTH
from engage.auth.models import Role

ROLE_CHOICES = [(role.value, role.label) for role in Role]


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
        description=f"At least {MIN_PASSWORD_LENGTH} characters. Ask them to change it.",
        validators=[
            DataRequired("Enter an initial password"),
            Length(min=MIN_PASSWORD_LENGTH, message=f"Use at least {MIN_PASSWORD_LENGTH} characters"),
        ],
    )


class EditUserForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
    active = BooleanField("Account is active (untick to disable and sign them out everywhere)")
    new_password = PasswordField(
        "New password (leave blank to keep the current one)",
        validators=[
            Optional(),
            Length(min=MIN_PASSWORD_LENGTH, message=f"Use at least {MIN_PASSWORD_LENGTH} characters"),
        ],
    )
