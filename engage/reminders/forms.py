"""Reminder rule, nudge, bulletin and scheduling forms. They check input; they never write."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from engage.campaigns.forms import MultiCheckboxField
from engage.campaigns.models import Channel
from engage.directory.forms import choices
from engage.directory.models import ContactRole, OrgKind
from engage.form_fields import LocalTimeField
from engage.reminders.models import OffsetUnit, RuleKind
from engage.reminders.rules import MAX_DAYS, MESSAGE_LENGTH

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
BUSINESS_HOURS_LABEL = "Only in business hours on working days (not weekends or bank holidays)"


class RuleForm(FlaskForm):
    kind = RadioField("What to send", default=RuleKind.REMINDER.value, choices=choices([
        (RuleKind.REMINDER.value, "A reminder before it, to everyone invited"),
        (RuleKind.FOLLOW_UP_ATTENDED.value, "A follow-up after it, to those who attended"),
        (RuleKind.FOLLOW_UP_ABSENT.value, "A follow-up after it, to those invited who did not "
                                          "attend"),
    ]))
    offset_amount = IntegerField(
        "How long before (reminder) or after (follow-up)", default=1,
        validators=[InputRequired("Enter a whole number, such as 1"),
                    NumberRange(min=0, max=1440, message="Enter a number from 0 to 1440")])
    offset_unit = SelectField("Unit", default=OffsetUnit.DAYS.value, choices=choices([
        (OffsetUnit.DAYS.value, "days (same UK clock time)"),
        (OffsetUnit.HOURS.value, "hours"),
    ]))
    business_hours = BooleanField(BUSINESS_HOURS_LABEL)
    message = TextAreaField("A note to add to the email (optional)",
                            validators=[Length(max=MESSAGE_LENGTH)])


class NudgeForm(FlaskForm):
    quiet_days = IntegerField(
        "Days without engagement before a nudge", default=30,
        validators=[InputRequired("Enter a number of days, such as 30"),
                    NumberRange(min=1, max=MAX_DAYS,
                                message=f"Enter a number of days from 1 to {MAX_DAYS}")])
    period_days = IntegerField(
        "At most one nudge every (days)", default=30,
        validators=[InputRequired("Enter a number of days, such as 30"),
                    NumberRange(min=1, max=MAX_DAYS,
                                message=f"Enter a number of days from 1 to {MAX_DAYS}")])
    business_hours = BooleanField(BUSINESS_HOURS_LABEL, default=True)
    message = TextAreaField("A note to add to the email (optional)",
                            validators=[Length(max=MESSAGE_LENGTH)])


CHANNEL_CHOICES = [
    (Channel.EMAIL_BULLETIN.value, Channel.EMAIL_BULLETIN.label),
    (Channel.NEWSLETTER.value, Channel.NEWSLETTER.label),
]
ROLE_CHOICES = [(role.value, role.label) for role in ContactRole]
KIND_CHOICES = [(kind.value, kind.plural) for kind in OrgKind]


# A bulletin and a saved template ask the same three things; each form makes its own fields
# (in its own order on the page and in its error summary).
def _channel_field() -> RadioField:
    return RadioField("Kind", default=Channel.EMAIL_BULLETIN.value,
                      choices=choices(CHANNEL_CHOICES))


def _subject_field() -> StringField:
    return StringField("Subject line", validators=[
        DataRequired("Enter a subject line"), Length(max=200)])


def _body_field() -> TextAreaField:
    return TextAreaField("The bulletin", validators=[
        DataRequired("Write the bulletin: the body is empty"), Length(max=50_000)])


class BulletinForm(FlaskForm):
    channel = _channel_field()
    subject = _subject_field()
    body_markdown = _body_field()
    localities = MultiCheckboxField("Localities", coerce=int,
                                    description="Leave all unticked for the campaign's audience "
                                                "in every locality.")
    kinds = MultiCheckboxField("Kinds of organisation", choices=choices(KIND_CHOICES),
                               description="Leave all unticked for every kind in the campaign's "
                                           "audience.")
    roles = MultiCheckboxField("Who at each organisation", choices=choices(ROLE_CHOICES),
                               description="Leave all unticked for every contact.")


class TestSendForm(FlaskForm):
    to = RadioField("Send a test to", default="me", choices=choices([
        ("me", "Me"), ("others", "These addresses")]))
    addresses = TextAreaField(
        "Or send a test to these addresses", validators=[Length(max=2000)],
        description="Up to 5, separated by commas or new lines.")


class TemplateForm(FlaskForm):
    name = StringField("Template name", validators=[
        DataRequired("Enter a name for the template"), Length(max=120)],
        description="For you to find it by, such as 'Monthly pharmacy newsletter'.")
    channel = _channel_field()
    subject = _subject_field()
    body_markdown = _body_field()


class SaveAsTemplateForm(FlaskForm):
    name = StringField("Template name", validators=[
        DataRequired("Enter a name for the template"), Length(max=120)],
        description="For you to find it by, such as 'Monthly pharmacy newsletter'.")


class ScheduleForm(FlaskForm):
    send_at = LocalTimeField(
        "Send at", format=DATETIME_FORMAT,
        validators=[InputRequired("Enter the date and time to send it, such as "
                                  "2026-12-01 09:00")],
        description="UK time.")


class ConfirmForm(FlaskForm):
    """A button and its CSRF token (remove a rule, cancel a bulletin)."""
