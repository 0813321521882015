"""Campaign, target, touchpoint, reach and void forms. They check input; they never write."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from engage.campaigns.audience import parse_codes
from engage.campaigns.ledger import MAX_PEOPLE, VOID_REASON_LENGTH
from engage.campaigns.models import (
    CHOOSABLE_TIER_KINDS,
    MANUAL_KINDS,
    CampaignStatus,
    Channel,
    EngagementKind,
    EngagementTier,
    TargetMeasure,
)
from engage.campaigns.progress import Show
from engage.campaigns.reach import Who
from engage.directory.forms import choices
from engage.directory.models import OrgKind
from engage.form_fields import DayField, LocalTimeField
from engage.request_values import MAX_PAGE

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
KIND_CHOICES = [(kind.value, kind.label) for kind in OrgKind]
NOBODY = ""


class MultiCheckboxField(SelectMultipleField):
    """A set of checkboxes (NHS.UK pattern) for choosing several options."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _codes(field: Field) -> None:
    codes = parse_codes(field.data or "")
    bad = [code for code in codes if not code.isalnum() or len(code) > 12]
    if bad:
        raise ValidationError(
            f"{', '.join(bad[:5])} {'is not an ODS code' if len(bad) == 1 else 'are not ODS codes'}"
            ": use letters and digits only, like D81001, separated by commas or new lines"
        )


class CampaignForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter the campaign's name"),
                                           Length(max=150)])
    objective = TextAreaField("Objective", description="What the campaign is for, in a sentence "
                              "or two.", validators=[Optional(), Length(max=5000)])
    owner_id = SelectField("Owner", default=NOBODY)
    status = RadioField("Status", choices=choices([(s.value, s.label) for s in CampaignStatus]),
                        default=CampaignStatus.DRAFT.value)
    start_date = DayField("Start date", validators=[InputRequired("Enter the start date")])
    end_date = DayField("End date", validators=[InputRequired("Enter the end date")])
    services = MultiCheckboxField("Services it promotes", coerce=int)
    kinds = MultiCheckboxField("Kinds of organisation", choices=choices(KIND_CHOICES),
                               description="Leave all unticked for every kind.")
    localities = MultiCheckboxField("Localities", coerce=int,
                                    description="Leave all unticked for every locality.")
    pcns = MultiCheckboxField("Primary care networks",
                              description="Leave all unticked for every PCN.")
    include_codes = TextAreaField(
        "Also include these organisations", validators=[Optional(), Length(max=20000)],
        description="ODS codes, separated by commas or new lines: organisations outside the "
                    "rule above that should be in the audience.")
    exclude_codes = TextAreaField(
        "Leave out these organisations", validators=[Optional(), Length(max=20000)],
        description="ODS codes of organisations the rule matches but the campaign should not "
                    "count.")

    def validate_end_date(self, field: DayField) -> None:
        start = self.start_date.data
        if start is not None and field.data is not None and field.data < start:
            raise ValidationError("The end date must be the same as or after the start date")

    def validate_include_codes(self, field: TextAreaField) -> None:
        _codes(field)

    def validate_exclude_codes(self, field: TextAreaField) -> None:
        _codes(field)


class TargetForm(FlaskForm):
    locality_id = SelectField("In the locality", default="")
    kind = SelectField("Of the kind", default="",
                       choices=choices([("", "Any kind"), *KIND_CHOICES]))
    tier = RadioField("Count organisations", default=EngagementTier.ENGAGED.value,
                      choices=choices([(t.value, f"{t.label}: {t.hint}")
                                       for t in (EngagementTier.ENGAGED,
                                                 EngagementTier.CONTACTED)]))
    measure = RadioField("The target is", default=TargetMeasure.COUNT.value,
                         choices=choices([(m.value, m.label) for m in TargetMeasure]))
    target_count = IntegerField(
        "Number (or percentage) to reach",
        description="A number of organisations no larger than the audience, or a percentage "
                    "from 1 to 100.",
        validators=[InputRequired("Enter how many organisations to reach"),
                    NumberRange(min=1, max=100_000, message="Enter a whole number from 1 to "
                                                             "100,000")])
    due_date = DayField("By", validators=[InputRequired("Enter the date to reach them by")])


class TouchpointForm(FlaskForm):
    channel = SelectField("Channel", choices=choices([(c.value, c.label) for c in Channel]))
    title = StringField("Title", validators=[DataRequired("Enter a title for the touchpoint"),
                                             Length(max=200)])
    campaign_id = SelectField("Campaign", default="")
    planned_at = LocalTimeField(
        "Planned date and time", format=DATETIME_FORMAT, validators=[Optional()],
        description="UK time.")
    actual_at = LocalTimeField(
        "Date and time it happened", format=DATETIME_FORMAT, validators=[Optional()],
        description="UK time. Leave empty while it is still planned.")
    duration_minutes = IntegerField(
        "Duration in minutes", validators=[Optional(), NumberRange(
            min=1, max=24 * 60, message="Enter a number of minutes from 1 to 1440")])
    location = StringField("Location or link", validators=[Optional(), Length(max=200)])
    services = MultiCheckboxField("Services it covers", coerce=int)
    owner_id = SelectField("Owner", default=NOBODY)
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])
    confirm_outside = BooleanField("Save it anyway: the date is meant to be outside the "
                                   "campaign's dates")

    def validate(self, extra_validators: Any = None) -> bool:
        """Also: at least one of the two times (each is optional on its own)."""
        valid = super().validate(extra_validators)
        if (self.planned_at.data is None and self.actual_at.data is None
                and not self.planned_at.errors and not self.actual_at.errors):
            self.planned_at.errors = [*self.planned_at.errors,
                                      "Enter when it is planned, or when it happened"]
            return False
        return valid


class MarkDoneForm(FlaskForm):
    actual_at = LocalTimeField(
        "Date and time it happened", format=DATETIME_FORMAT, description="UK time.",
        validators=[InputRequired("Enter when it happened, like 14/03/2022 12:30")])


class CancelForm(FlaskForm):
    reason = StringField("Why is it cancelled? (optional)",
                         validators=[Optional(), Length(max=300)])


class ReachForm(FlaskForm):
    who = RadioField("Who did it reach?", default=Who.CODES.value, choices=choices([
        (Who.CODES.value, "Organisations I name by ODS code"),
        (Who.AUDIENCE.value, "The whole campaign audience"),
        (Who.LOCALITY.value, "Every organisation in a locality"),
    ]))
    codes = TextAreaField(
        "ODS codes", validators=[Optional(), Length(max=100_000)],
        description="Separated by commas, spaces or new lines, like D81001, FA123.")
    locality_id = SelectField("Locality", default="")
    org_kinds = MultiCheckboxField(
        "Only these kinds of organisation", choices=choices(KIND_CHOICES),
        description="For the audience or a locality. Leave all unticked for every kind.")
    kind = SelectField("Kind of contact", choices=choices(
        [(k.value, k.label) for k in MANUAL_KINDS]))
    tier = RadioField(
        "For a phone call or other contact: did they engage?",
        default=EngagementTier.CONTACTED.value,
        description="Invitations, newsletters and posts always count as contacted; "
                    "attendance and visits as engaged.",
        choices=choices([
            (EngagementTier.CONTACTED.value,
             "Contacted: we got in touch (a message left, say) but they did nothing yet"),
            (EngagementTier.ENGAGED.value,
             "Engaged: we spoke to someone, or they answered or replied"),
        ]))
    occurred_at = LocalTimeField(
        "When", format=DATETIME_FORMAT, description="UK time.",
        validators=[InputRequired("Enter when they were reached, like 14/03/2022 12:30")])
    people = IntegerField(
        "People reached at each organisation", default=1,
        description="Enter 0 when it is not known (a newsletter, say).",
        validators=[InputRequired("Enter how many people, or 0 if not known"), NumberRange(
            min=0, max=MAX_PEOPLE, message=f"Enter a whole number from 0 to {MAX_PEOPLE:,}")])
    note = StringField("Note (optional)", validators=[Optional(), Length(max=500)])

    def validate_codes(self, field: TextAreaField) -> None:
        if self.who.data == Who.CODES.value:
            if not parse_codes(field.data or ""):
                raise ValidationError("Enter at least one ODS code, like D81001")
            _codes(field)

    def validate_locality_id(self, field: SelectField) -> None:
        if self.who.data == Who.LOCALITY.value and not field.data:
            raise ValidationError("Choose a locality")

    def contact_kind(self) -> EngagementKind:
        return EngagementKind(self.kind.data)

    def contact_tier(self) -> EngagementTier | None:
        """The tier chosen, for the kinds that let one be chosen; else the kind's own."""
        if self.contact_kind() in CHOOSABLE_TIER_KINDS and self.tier.data:
            return EngagementTier(self.tier.data)
        return None


class VoidForm(FlaskForm):
    reason = StringField(
        "Why does this no longer count?",
        description="For example: recorded against the wrong practice. Kept with the record.",
        validators=[DataRequired("Say why the record is being voided"),
                    Length(max=VOID_REASON_LENGTH)])


class AudienceFilterForm(FlaskForm):
    """The audience list's filters: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    show = SelectField("Show", default="all",
                       choices=choices([(s.value, s.label) for s in Show]))
    locality = SelectField("Locality", default="")
    kind = SelectField("Kind", default="", choices=choices([("", "Any kind"), *KIND_CHOICES]))
    page = IntegerField(default=1, validators=[Optional(), NumberRange(min=1, max=MAX_PAGE)])


def set_choices(field: Any, pairs: list[tuple[Any, str]]) -> None:
    """Fill a select or checkbox field's options (values as text, as the browser sends them)."""
    field.choices = choices([(str(value), label) for value, label in pairs])
