"""Forms of the insights pages: the shared filters (GET, no CSRF), planning, snapshots."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from engage.campaigns.forms import DATETIME_FORMAT, set_choices
from engage.campaigns.models import Campaign, Channel
from engage.catalogue.models import Service
from engage.database import DbSession
from engage.directory.forms import choices
from engage.directory.models import Locality
from engage.form_fields import DayField, LocalTimeField
from engage.insights.filters import InsightFilters
from engage.insights.snapshots import TITLE_LENGTH


class FilterForm(FlaskForm):
    """Period, campaign, service and locality; read from (and written to) the URL."""

    class Meta:
        csrf = False

    start = DayField("From")
    end = DayField("To")
    campaign = SelectField("Campaign", default="")
    service = SelectField("Service", default="")
    locality = SelectField("Locality", default="")


def filter_form(session: DbSession, filters: InsightFilters) -> FilterForm:
    """The filter form showing `filters` (after any bad values fell back to defaults)."""
    form = FilterForm(formdata=None)
    if filters.period_chosen:  # a default period stays empty, so a campaign brings its dates
        form.start.data = filters.start
        form.end.data = filters.end
    for field, model, order, value, every in (
        (form.campaign, Campaign, Campaign.start_date.desc(), filters.campaign_id,
         "Every campaign"),
        (form.service, Service, Service.sort_order, filters.service_id, "Every service"),
        (form.locality, Locality, Locality.name, filters.locality_id, "Every locality"),
    ):
        rows = session.execute(select(model.id, model.name).order_by(order)).all()
        set_choices(field, [("", every), *rows])
        field.data = "" if value is None else str(value)
    return form


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PlanForm(FlaskForm):
    """A planned touchpoint (a practice visit, by default) for chosen cold organisations."""

    org = MultiCheckboxField("Organisations", coerce=int,
                             validators=[InputRequired("Choose at least one organisation")])
    title = StringField("Title", validators=[DataRequired("Enter a title for the touchpoint"),
                                             Length(max=200)])
    channel = SelectField("Channel", default=Channel.PRACTICE_VISIT.value,
                          choices=choices([(c.value, c.label) for c in Channel]))
    planned_at = LocalTimeField("Planned date and time", format=DATETIME_FORMAT,
                                    validators=[InputRequired("Enter when it is planned")],
                                    description="UK time.")
    campaign_id = SelectField("Campaign", default="")

    def set_campaigns(self, session: DbSession) -> None:
        rows: list[tuple[Any, str]] = [("", "Not part of a campaign")]
        rows += session.execute(select(Campaign.id, Campaign.name)
                                .order_by(Campaign.start_date.desc())).all()
        set_choices(self.campaign_id, rows)


class SnapshotForm(FlaskForm):
    title = StringField("Title of the snapshot",
                        validators=[DataRequired("Enter a title for the snapshot"),
                                    Length(max=TITLE_LENGTH)],
                        description="For example: Steering group, 14 March 2022")
