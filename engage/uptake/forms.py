"""Uptake import forms: the upload, re-reading with another sheet or date order, mapping
service names, and the confirmation."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import Length, Optional

from engage.uptake.dates import DATE_ORDERS
from engage.uptake.importer import ADD, REPLACE

FILE_TYPES = ["csv", "txt", "tsv", "xlsx", "xlsm"]
NOT_MAPPED = ""


class UploadForm(FlaskForm):
    file = FileField("The provider's referral figures", validators=[
        FileRequired("Choose the provider's file to upload"),
        FileAllowed(FILE_TYPES, "Upload a CSV file (.csv, .txt or .tsv) or an Excel workbook "
                                "(.xlsx)")])
    sheet = StringField("Sheet (Excel only)", validators=[Optional(), Length(max=100)],
                        description="Leave empty to read the first sheet.")
    date_order = RadioField("Dates like 06/07/2022 are written", default="auto",
                            choices=list(DATE_ORDERS.items()))


class RecheckForm(FlaskForm):
    sheet = SelectField("Sheet", validators=[Optional()], choices=[])
    date_order = RadioField("Dates like 06/07/2022 are written",
                            choices=list(DATE_ORDERS.items()))


class ConfirmForm(FlaskForm):
    mode = RadioField(
        "Earlier figures for these months and services",
        validators=[Optional()],
        choices=[(REPLACE, "Replace them with this file's figures (the provider re-issued "
                           "these months)"),
                 (ADD, "Add this file's figures to them (the file holds only referrals not "
                       "sent before)")])


class AliasForm(FlaskForm):
    """One service choice per name the catalogue does not know; built per preview."""

    names: list[str] = []  # noqa: RUF012 - set per subclass by for_names

    @classmethod
    def for_names(cls, names: list[str], services: list[tuple[str, str]], **kwargs: Any
                  ) -> AliasForm:
        fields: dict[str, Any] = {"names": names}
        for index, name in enumerate(names):
            fields[f"service_{index}"] = SelectField(
                f"'{name}' means", choices=[(NOT_MAPPED, "Choose a service"), *services],
                default=NOT_MAPPED)
        return type("AliasFormFor", (cls,), fields)(**kwargs)  # type: ignore[no-any-return]

    def choices_made(self) -> list[tuple[str, int]]:
        """(provider's name, service id) for each name given a service."""
        return [(name, int(self[f"service_{i}"].data)) for i, name in enumerate(self.names)
                if self[f"service_{i}"].data not in (None, NOT_MAPPED)]
