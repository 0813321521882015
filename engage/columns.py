"""Headings of imported files, compared the one way every import compares them.

People's files name a column "ODS code", "ods_code", "ODS-Code" or, in the NHS Business
Services Authority's pharmacy list, "PHARMACY_ODS_CODE_(F-CODE)". A heading's key sets case,
spaces, underscores and punctuation aside, so an import lists each field's spellings once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import click

_NOT_WORD = re.compile(r"[\W_]+")


def heading_key(raw: object) -> str:
    """"PHARMACY_ODS_CODE_(F-CODE)" and "Pharmacy ODS code (F code)" give one key:
    "pharmacy ods code f code"; "&" reads as "and"."""
    text = unicodedata.normalize("NFKC", str(raw or "")).replace("&", " and ")
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


def heading_table(aliases: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Heading key → field, from each field's spellings; one key meaning two fields is a
    mistake in the table, refused at once rather than matched by whichever comes last."""
    table: dict[str, str] = {}
    for name, spellings in aliases.items():
        for spelling in spellings:
            key = heading_key(spelling)
            if table.setdefault(key, name) != name:
                raise ValueError(f"the heading '{spelling}' is listed for both "
                                 f"{table[key]} and {name}")
    return table


def heading_keys(*spellings: str) -> frozenset[str]:
    """A set of headings to test a key against, written as people write them."""
    return frozenset(heading_key(spelling) for spelling in spellings)


@dataclass(frozen=True)
class Matching:
    """A person's answer to "which column holds which field": a column (by its heading) for
    a field, and a value for every row for a field the file does not have (every row of the
    pharmacy list is a community pharmacy)."""

    columns: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, str] = field(default_factory=dict)
    # Heading keys of columns a person chose to ignore: not read even when recognised.
    ignored: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.columns or self.values or self.ignored)

    def check(self, fields: Sequence[str]) -> None:
        """Refuse what no file could fit: a field the import does not have, a field given both
        a column and a value, one column for two fields."""
        for name in [*self.columns, *self.values]:
            if name not in fields:
                raise MatchingError(f"'{name}' is not a field of this import. Its fields are: "
                                    f"{', '.join(fields)}.")
        for name in sorted(self.columns.keys() & self.values.keys()):
            raise MatchingError(f"{name} is given both a column ('{self.columns[name]}') and "
                                f"a value ('{self.values[name]}'): keep one.")
        seen: dict[str, str] = {}
        for name, heading in self.columns.items():
            other = seen.setdefault(heading_key(heading), name)
            if other != name:
                raise MatchingError(f"The column '{heading}' is matched to both {other} and "
                                    f"{name}: match it to one.")

    def find(self, header: Sequence[str]) -> dict[str, int] | None:
        """Field → index of the columns this matching names, or None when `header` lacks one."""
        by_key: dict[str, int] = {}
        for index, heading in enumerate(header):
            by_key.setdefault(heading_key(heading), index)
        found = {name: by_key.get(heading_key(heading), -1)
                 for name, heading in self.columns.items()}
        return None if -1 in found.values() else found


class MatchingError(ValueError):
    """A matching that does not fit the file: the message says which column or field."""


def match_columns(header: Sequence[str], table: Mapping[str, str], fields: Sequence[str],
                  matching: Matching | None = None) -> dict[str, int]:
    """Field → the index of its column: the matching's choices first, then the headings the
    import recognises, in the columns the matching left free.

    Raises MatchingError for a matching that names a field the import does not have or a
    column the file does not have, puts one column in two fields, or gives a field both a
    column and a value; and for two unmatched columns that both mean one field.
    """
    matching = matching or Matching()
    matching.check(fields)
    columns = matching.find(header)
    if columns is None:
        raise missing_column(header, matching)
    claimed = {index: name for name, index in columns.items()}
    for index, heading in enumerate(header):
        key = heading_key(heading)
        recognised = table.get(key)
        if recognised is None or index in claimed or recognised in matching.columns \
                or recognised in matching.values or key in matching.ignored:
            continue
        if recognised in columns:
            raise MatchingError(f"Two columns mean the same thing: "
                                f"'{str(header[columns[recognised]]).strip()}' and "
                                f"'{str(heading).strip()}'. Remove one of "
                                "them, or match one of them to another field, and upload the "
                                "file again.")
        columns[recognised] = index
    return columns


def missing_column(header: Sequence[str], matching: Matching) -> MatchingError:
    """The error for a matching naming a heading `header` does not have."""
    present = {heading_key(cell) for cell in header}
    name, heading = next((name, heading) for name, heading in matching.columns.items()
                         if heading_key(heading) not in present)
    listed = ", ".join(f"'{str(cell).strip()}'" for cell in header if str(cell).strip())
    return MatchingError(f"There is no column '{heading}' in the file (for {name}). "
                         f"Its columns are: {listed or 'none'}.")


def matching_from_options(maps: Sequence[str], sets: Sequence[str]) -> Matching:
    """The matching an operator typed: `--map FIELD=COLUMN` and `--set FIELD=VALUE`; one that
    cannot be read is the command's usage error."""
    try:
        return Matching(_pairs("--map", maps, "FIELD=COLUMN"),
                        _pairs("--set", sets, "FIELD=VALUE"))
    except MatchingError as exc:
        raise click.UsageError(str(exc)) from None


def _pairs(option: str, given: Sequence[str], form: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for text in given:
        name, equals, value = text.partition("=")
        name = name.strip().lower().replace(" ", "_").replace("-", "_")
        if not equals or not name or not value.strip():
            raise MatchingError(f"{option} {text!r} is not {form}: write it as, for example, "
                                f"{option} {form.split('=')[0].lower()}=...")
        if name in pairs:
            raise MatchingError(f"{option} gives {name} twice ('{pairs[name]}' and "
                                f"'{value.strip()}'): keep one.")
        pairs[name] = value.strip()
    return pairs


def matching_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--map` and `--set` for an import command, written once for all of them."""
    command = click.option(
        "--set", "sets", multiple=True, metavar="FIELD=VALUE",
        help="Give a field the file does not have one value for every row, e.g. "
             "--set kind=community_pharmacy. Repeatable.")(command)
    return click.option(
        "--map", "maps", multiple=True, metavar="FIELD=COLUMN",
        help="Read a field from the column with this heading, e.g. "
             "--map code=F_CODE. Repeatable.")(command)
