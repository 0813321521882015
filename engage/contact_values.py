"""Checks for the contact details people will tap: phone numbers and web addresses.

Plain functions with no imports from engage, so settings (engage/config.py) and the catalogue's
form share one idea of a sane number or link.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Spaces, brackets, dots and dashes as people write them; a plus only in front.
PHONE_CHARACTERS = re.compile(r"\+?[0-9][0-9 ()./-]*")
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 3, 15  # 111 to the international maximum (E.164)


def phone_problem(phone: str) -> str:
    """Why a written phone number cannot be dialled, or "" when it looks like one."""
    text = phone.strip()
    if not text:
        return ""
    if not PHONE_CHARACTERS.fullmatch(text):
        return "Enter a phone number using only digits and spaces, for example 01632 960 123"
    digits = sum(ch.isdigit() for ch in text)
    if not MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS:
        return (f"Enter a phone number of {MIN_PHONE_DIGITS} to {MAX_PHONE_DIGITS} digits, "
                "for example 01632 960 123")
    return ""


def web_address_problem(url: str) -> str:
    """Why a typed address cannot be a link on a public page, or "" when it can."""
    text = url.strip()
    if not text:
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if (parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname
            or any(ch.isspace() for ch in text)):
        return "Enter a full web address starting with https://, for example https://example.org/refer"
    return ""
