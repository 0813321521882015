"""Who the public statements name as a contact, from the settings.

A setting holds an email address (shown as a link) or a line of text (a phone number, a
postal address). When it is empty the demo shows an example, marked as one, so the page reads
as it will when finished; anywhere else the page says plainly that no contact is set yet, and
production warns at start-up (`config.production_warnings`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EXAMPLES = {
    "DATA_PROTECTION_CONTACT": "dataprotection@example.org",
    "ACCESSIBILITY_CONTACT": "accessibility@example.org",
}
_EMAIL = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+")


@dataclass(frozen=True)
class Contact:
    text: str  # empty when no contact is set and this is not the demo
    email: str | None  # set when `text` is an email address, for a mailto: link
    example: bool = False


def contact(setting: str, value: str, *, demo: bool) -> Contact:
    """The contact a statement names for `setting` (one of EXAMPLES)."""
    text = value.strip()
    example = False
    if not text and demo:
        text, example = EXAMPLES[setting], True
    email = text if _EMAIL.fullmatch(text) else None
    return Contact(text=text, email=email, example=example)
