"""Headings of imported files, compared the one way every import compares them.

People's files name a column "ODS code", "ods_code", "ODS-Code" or, in the NHS Business
Services Authority's pharmacy list, "PHARMACY_ODS_CODE_(F-CODE)". A heading's key sets case,
spaces, underscores and punctuation aside, so an import lists each field's spellings once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

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
    for field, spellings in aliases.items():
        for spelling in spellings:
            key = heading_key(spelling)
            if table.setdefault(key, field) != field:
                raise ValueError(f"the heading '{spelling}' is listed for both "
                                 f"{table[key]} and {field}")
    return table


def heading_keys(*spellings: str) -> frozenset[str]:
    """A set of headings to test a key against, written as people write them."""
    return frozenset(heading_key(spelling) for spelling in spellings)
