"""Short codes: random, short, unique, and easy to read aloud or type from a poster."""

from __future__ import annotations

import secrets

# No 0/O, 1/I/L, U/V pairs or other look-alikes, so a code typed from a poster is typed right.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
LENGTH = 7  # 29**7, about 17 billion codes: guessing a live one is hopeless
MAX_LENGTH = 8
_ALLOWED = frozenset(ALPHABET)


def new_code() -> str:
    """A fresh random code (uniqueness is checked by the caller against the table)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(raw: str) -> str | None:
    """The code as stored, or None when `raw` cannot be a code (too long, odd characters).

    Letters are accepted in either case, since people type what they see in any case.
    """
    code = raw.strip().upper()
    if not code or len(code) > MAX_LENGTH or not set(code) <= _ALLOWED:
        return None
    return code
