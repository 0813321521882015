"""Directory forms: the list's filters, organisation and contact edits, imports, locality rules."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from engage.directory.addresses import is_postcode, normalise_postcode
from engage.directory.contacts import normalise_email
from engage.directory.errors import DirectoryError
from engage.directory.models import (
    ContactRole,
    LawfulBasis,
    LocalityRuleKind,
    OrgKind,
    OrgStatus,
)
from engage.form_fields import choices
from engage.request_values import MAX_PAGE

ANY = ""
KIND_CHOICES = [(kind.value, kind.label) for kind in OrgKind]
STATUS_CHOICES = [(status.value, status.label) for status in OrgStatus]


class FilterForm(FlaskForm):
    """The list page's search and filters: a GET form, so it carries no CSRF token."""

    class Meta:
        csrf = False

    q = StringField("Search by name, ODS code or postcode",
                    validators=[Optional(), Length(max=100)])
    kind = SelectField("Kind", choices=choices([(ANY, "Any kind"), *KIND_CHOICES]), default=ANY)
    status = SelectField("Status", choices=choices([(ANY, "Any status"), *STATUS_CHOICES]),
                         default=ANY)
    locality = SelectField("Locality", default=ANY)
    pcn = SelectField("Primary care network", default=ANY)
    page = IntegerField(default=1, validators=[Optional(), NumberRange(min=1, max=MAX_PAGE)])


class OrganisationForm(FlaskForm):
    code = StringField("ODS code", description="Letters and digits, for example FA123.",
                       validators=[DataRequired("Enter the ODS code"), Length(max=12)])
    name = StringField("Name", validators=[DataRequired("Enter the name"), Length(max=200)])
    preferred_name = StringField(
        "Name as people read it",
        validators=[Optional(), Length(max=200, message="Enter 200 characters or fewer")])
    kind = SelectField("Kind", choices=choices(KIND_CHOICES))
    status = SelectField("Status", choices=choices(STATUS_CHOICES), default=OrgStatus.ACTIVE.value)
    address = TextAreaField("Address",
                            description="One line each, with the town on the last line.",
                            validators=[Optional(), Length(max=500)])
    postcode = StringField("Postcode", validators=[Optional(), Length(max=10)])
    phone = StringField("Phone number", validators=[Optional(), Length(max=40)])
    pcn = StringField("Primary care network (PCN)", validators=[Optional(), Length(max=120)])
    staff_headcount = IntegerField(
        "Staff headcount", description="How many people work there, roughly.",
        validators=[Optional(), NumberRange(min=0, max=100_000, message="Enter a whole number "
                                                                        "from 0 to 100,000")],
    )
    locality = SelectField("Locality")

    def validate_postcode(self, field: StringField) -> None:
        if field.data and not is_postcode(normalise_postcode(field.data)):
            raise ValidationError("Enter a UK postcode, like PE13 1JU")


class ContactForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter the contact's name"),
                                           Length(max=120)])
    role = SelectField("Role", choices=choices([(role.value, role.label) for role in ContactRole]))
    email = EmailField("Email address", validators=[Optional(), Length(max=254)])
    phone = StringField("Phone number", validators=[Optional(), Length(max=40)])
    do_not_email = BooleanField("Do not email this person (they asked not to be contacted)")
    lawful_basis = SelectField(
        "Lawful basis for emailing them",
        choices=choices([(basis.value, basis.label) for basis in LawfulBasis]),
        default=LawfulBasis.LEGITIMATE_INTEREST.value,
    )

    def validate_email(self, field: EmailField) -> None:
        if field.data:
            try:
                normalise_email(field.data)
            except DirectoryError as exc:
                raise ValidationError(str(exc)) from None


class OdsImportForm(FlaskForm):
    file = FileField("The epraccur CSV file",
                     validators=[FileRequired("Choose the file to upload")])
    commissioner = StringField(
        "Commissioner code", default="06H",
        description="Only practices commissioned by this code are imported (06H is Cambridgeshire "
                    "and Peterborough). Leave it empty to import the whole file.",
        validators=[Optional(), Length(max=10)],
    )
    other_settings = RadioField(
        "Rows that are not GP practices (walk-in centres, out-of-hours services, prisons ...)",
        choices=choices([("skip", "Skip them"), ("other", "Import them as 'Other'")]),
        default="skip",
    )


class CsvImportForm(FlaskForm):
    file = FileField("The CSV file", validators=[FileRequired("Choose the file to upload")])
    match_columns = BooleanField("Let me choose which column holds which field before "
                                 "importing")


class PharmacyListForm(FlaskForm):
    file = FileField("The consolidated pharmaceutical list (CSV)",
                     validators=[FileRequired("Choose the file to upload")])
    boards = StringField(
        "Health and wellbeing boards", default="Cambridgeshire, Peterborough",
        description="The pharmacies of these boards are imported; separate them with commas.",
        validators=[Optional(), Length(max=300)],
    )
    icb = StringField(
        "Or an ICB code", description="For example QUE. Leave it empty to choose by board.",
        validators=[Optional(), Length(max=10)],
    )

    def board_names(self) -> list[str]:
        return [name.strip() for name in (self.boards.data or "").split(",") if name.strip()]


class LocalityForm(FlaskForm):
    name = StringField("Name of the new locality",
                       validators=[DataRequired("Enter a name"), Length(max=80)])


class LocalityRuleForm(FlaskForm):
    kind = SelectField("The rule matches", choices=choices(
        [(kind.value, kind.label) for kind in LocalityRuleKind]), default="postcode_district")
    values = StringField(
        "Values", description="One or more, separated by commas: PE13, PE14 or PE7 1 or WISBECH",
        validators=[DataRequired("Enter at least one value"), Length(max=500)],
    )
    locality = SelectField("Locality", validators=[DataRequired("Choose a locality")])
