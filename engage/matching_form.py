"""The page step where a manager matches a file's columns to an import's fields.

Each upload page (directory CSV, the provider's figures, attendance lists) shows it when the
headings are not all recognised: a select per column of the file (the field it holds, or
"Ignore"), a value for every row for a required field no column holds, and a name to save the
matching under. The form is built from the file's own header, which the server holds (signed
or stored), so the only thing the browser chooses is a field per column number.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_wtf import FlaskForm
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import Length, Optional

from engage.columns import Matching, heading_key
from engage.form_fields import choices
from engage.matchings import MAX_NAME, ImportMatching

IGNORE = ""
MAX_COLUMNS = 200
SAMPLES = 3
UPLOAD_SALT = "engage.matching-upload"
UPLOAD_MAX_AGE_SECONDS = 2 * 60 * 60
# Werkzeug refuses form fields over 500 KB; stay well inside that.
UPLOAD_MAX_CHARS = 400_000


class UploadTooLarge(ValueError):
    """A file too large to carry through the matching page."""


@dataclass(frozen=True)
class ImportFields:
    """What an import can read: its fields in order, their labels, those it needs, and the
    choices for a field whose one value for every row is picked from a list (kind)."""

    kind: str
    fields: Sequence[str]
    labels: Mapping[str, str]
    required: Sequence[str]
    value_choices: Mapping[str, Sequence[tuple[str, str]]] = field(default_factory=dict)
    # Required fields that can take one value for every row (not a code unique to each row);
    # None: all of them.
    givable: Sequence[str] | None = None

    @property
    def given(self) -> Sequence[str]:
        return self.required if self.givable is None else self.givable

    def label(self, name: str) -> str:
        return self.labels.get(name, name.replace("_", " ").capitalize())


@dataclass(frozen=True)
class Column:
    number: int  # from 1, as a person counts
    heading: str
    samples: list[str]


def file_columns(header: Sequence[Any], rows: Sequence[Sequence[Any]]) -> list[Column]:
    """Each column's heading and up to SAMPLES of its non-empty values, from `rows`."""
    columns = []
    for index, heading in enumerate(header[:MAX_COLUMNS]):
        samples: list[str] = []
        for row in rows:
            value = str(row[index]).strip() if index < len(row) and row[index] is not None else ""
            if value and value not in samples:
                samples.append(value[:60])
            if len(samples) == SAMPLES:
                break
        columns.append(Column(index + 1, str(heading or "").strip(), samples))
    return columns


def prefilled(header: Sequence[Any], table: Mapping[str, str], spec: ImportFields,
              saved: ImportMatching | Matching | None) -> dict[str, str]:
    """Form data for the first showing: a matching's choices (saved, or chosen before), else
    the headings the import recognises; an ignored column stays ignored."""
    data: dict[str, str] = {}
    matching = saved.matching if isinstance(saved, ImportMatching) else saved or Matching()
    chosen = {heading_key(h): name for name, h in matching.columns.items()}
    taken: set[str] = set()
    for index, heading in enumerate(header[:MAX_COLUMNS]):
        key = heading_key(heading)
        name = chosen.get(key) or ("" if key in matching.ignored else table.get(key, ""))
        if name in spec.fields and name not in taken:
            data[f"column_{index}"] = name
            taken.add(name)
    for name, value in matching.values.items():
        if name in spec.given and name not in taken:
            data[f"value_{name}"] = value
    return data


class MatchingForm(FlaskForm):
    """One select per column, one value per required field, and an optional name to save."""

    payload = HiddenField()
    save_as = StringField("Save this matching as (optional)",
                          validators=[Optional(), Length(max=MAX_NAME)],
                          filters=[lambda value: " ".join(value.split()) if value else value],
                          description="A name, such as 'Pharmacy list', to offer this matching "
                                      "again for a file with the same headings.")
    columns: list[Column] = []  # noqa: RUF012 - set per subclass by build
    spec: ImportFields

    @classmethod
    def build(cls, spec: ImportFields, columns: list[Column], **kwargs: Any) -> MatchingForm:
        fields = choices([(IGNORE, "Ignore"), *((name, spec.label(name))
                                                for name in spec.fields)])
        attrs: dict[str, Any] = {"columns": columns, "spec": spec}
        for column in columns:
            attrs[f"column_{column.number - 1}"] = SelectField(
                f"Column {column.number}: {column.heading or '(no heading)'}", choices=fields,
                default=IGNORE)
        for name in spec.given:
            label = f"{spec.label(name)} for every row"
            if name in spec.value_choices:
                attrs[f"value_{name}"] = SelectField(
                    label, choices=choices([("", "None: a column holds it"),
                                             *spec.value_choices[name]]),
                    default="")
            else:
                attrs[f"value_{name}"] = StringField(label, validators=[Length(max=200)])
        return type("MatchingFormFor", (cls,), attrs)(**kwargs)  # type: ignore[no-any-return]

    def column_fields(self) -> list[Any]:
        return [self[f"column_{c.number - 1}"] for c in self.columns]

    def value_fields(self) -> list[Any]:
        return [self[f"value_{name}"] for name in self.spec.given]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        keys: dict[str, int] = {}
        for column in self.columns:
            keys.setdefault(heading_key(column.heading), column.number)
        held: dict[str, Column] = {}
        for column, select in zip(self.columns, self.column_fields(), strict=True):
            name = select.data or IGNORE
            if name == IGNORE:
                continue
            key = heading_key(column.heading)
            if not key:
                select.errors.append(f"Column {column.number} has no heading: give it one in "
                                     "the file, or ignore it.")
                valid = False
            elif keys[key] != column.number:
                select.errors.append(f"Column {column.number} has the same heading as column "
                                     f"{keys[key]}: rename one of them in the file, or ignore "
                                     "this one.")
                valid = False
            elif name in held:
                select.errors.append(f"Columns {held[name].number} ('{held[name].heading}') and "
                                     f"{column.number} ('{column.heading}') are both matched to "
                                     f"{self.spec.label(name)}: match one of them.")
                valid = False
            else:
                held[name] = column
        for name in self.spec.required:
            if name not in held and name not in self.spec.given:
                self.payload.errors.append(f"Choose the column that holds "
                                           f"{self.spec.label(name)}.")
                valid = False
        for name, box in zip(self.spec.given, self.value_fields(), strict=True):
            value = (box.data or "").strip()
            if name in held and value:
                box.errors.append(f"Column {held[name].number} holds {self.spec.label(name)}: "
                                  "leave this empty, or set that column to Ignore.")
                valid = False
            elif name not in held and not value:
                box.errors.append(f"Choose the column that holds {self.spec.label(name)}, or "
                                  "give one value for every row.")
                valid = False
        return valid

    def matching(self) -> Matching:
        """The matching chosen, by heading (after `validate`)."""
        columns = {select.data: column.heading
                   for column, select in zip(self.columns, self.column_fields(), strict=True)
                   if select.data}
        values = {name: (box.data or "").strip()
                  for name, box in zip(self.spec.given, self.value_fields(), strict=True)
                  if (box.data or "").strip()}
        ignored = frozenset(key for column, select in
                            zip(self.columns, self.column_fields(), strict=True)
                            if not select.data and (key := heading_key(column.heading)))
        return Matching(columns, values, ignored - {heading_key(h) for h in columns.values()})


def _serializer(secret_keys: list[str]) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_keys, salt=UPLOAD_SALT)


def seal_upload(data: bytes, filename: str, secret_keys: list[str]) -> str:
    """The upload as a signed, compressed token for a hidden field; UploadTooLarge if it would
    not fit in one."""
    packed = base64.b64encode(zlib.compress(data, 6)).decode("ascii")
    if len(packed) > UPLOAD_MAX_CHARS:
        raise UploadTooLarge(filename)
    return _serializer(secret_keys).dumps({"f": filename[:255], "d": packed})


def open_upload(token: str, secret_keys: list[str]) -> tuple[bytes, str] | None:
    """The upload a token carries, or None when it was changed, expired or is not one."""
    if not token or len(token) > UPLOAD_MAX_CHARS * 2:
        return None
    try:
        found = _serializer(secret_keys).loads(token, max_age=UPLOAD_MAX_AGE_SECONDS)
        data = zlib.decompress(base64.b64decode(found["d"]))
        return data, str(found["f"])
    except (BadSignature, SignatureExpired, KeyError, TypeError, ValueError, zlib.error):
        return None
