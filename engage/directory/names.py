"""Organisation names as people read them.

The ODS files publish every name in capitals ("ST. GEORGE'S MEDICAL CENTRE"). Pages, posters
and emails show them in proper case; the stored name stays as published, so imports still
match and exports give back what came in. `titlecase` does the hard parts (small words, "Mc",
hyphens, apostrophes); this module adds what it cannot know: the NHS's own initialisms.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Initialisms that appear in ODS names of practices, pharmacies and services. A word of two or
# more letters with no vowel is kept in capitals too (CCS, CPFT, MSK), except the
# abbreviations below, which are words.
INITIALISMS = frozenset({
    "NHS", "GP", "GPS", "GPSI", "PCN", "HC", "UK", "ICB", "ICS", "CCG", "ENT", "OOH", "IUC",
    "HUC", "ICASH", "CASUS", "PNDIP", "IAPT", "CIC", "LLP", "PLC", "NHSE", "OT", "ID", "DMC",
    "AQP", "UTC", "WIC", "CAMHS", "MIU", "PMS", "GMS", "APMS", "HIV", "ADHD", "TS", "CYP",
    "ICT", "HCT", "NMP", "SAS", "LUCS", "HV",
})
ABBREVIATED_WORDS = {"ST": "St", "DR": "Dr", "LTD": "Ltd", "MR": "Mr", "MRS": "Mrs",
                     "MS": "Ms", "HLTH": "Hlth", "SQ": "Sq", "BLVD": "Blvd", "RD": "Rd"}
_VOWELS = re.compile(r"[AEIOUY]")
_LETTERS = re.compile(r"[^A-Z]")


def _keep_initialisms(word: str, **_: object) -> str | None:
    """titlecase's callback: the word as it should stand, or None to let titlecase decide."""
    bare = _LETTERS.sub("", word.upper())
    if not bare:
        return None
    if bare in ABBREVIATED_WORDS:
        return word.upper().replace(bare, ABBREVIATED_WORDS[bare])
    if bare in INITIALISMS or (len(bare) >= 2 and not _VOWELS.search(bare)):
        return word.upper()
    return None


def is_shouting(name: str) -> bool:
    """True when a name has letters and none of them is lower case, as the ODS files write it."""
    return any(ch.isalpha() for ch in name) and name == name.upper()


@lru_cache(maxsize=4096)
def proper_case(name: str) -> str:
    """"ST. GEORGE'S MEDICAL CENTRE" as "St. George's Medical Centre"; a name that already
    has lower-case letters is someone's own spelling and is returned as it is."""
    from titlecase import titlecase  # not at start-up: names are cased at the first page

    if not is_shouting(name):
        return name
    cased = titlecase(name.lower(), callback=_keep_initialisms)
    # titlecase keeps "a" small inside a title; in a name it is an initial ("DR A SMITH").
    return re.sub(r"(?<= )a(?= )", "A", cased)


def shown_name(name: str, preferred: str | None = None) -> str:
    """The name as people read it: a person's own spelling if set, else the published name in
    proper case (for queries that select the two columns rather than the organisation)."""
    return preferred or proper_case(name)
