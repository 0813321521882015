"""The two tokens of the registration pages.

The form token is signed: it names the event and when the form was given out, so a form sent
back sooner than a person can fill it in (a bot) is refused, with no captcha and no cookie.
The cancel token is an HMAC of the registration's id and its random nonce under the app's
secret: unguessable, re-made for every email that needs it, and never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

from engage.registration.errors import NotAPerson

FORM_SALT = "registration-form"
CANCEL_SALT = b"registration-cancel:"
# A person cannot read the page and fill in four fields faster than this.
MIN_FILL = timedelta(seconds=3)
NO_WAIT = timedelta(0)  # a one-button form (send the confirmation again)
# A form left open longer than this is given out again (the person loses nothing typed).
MAX_AGE = timedelta(hours=24)
TOO_FAST = ("We could not take this registration. Check your details and send the form "
            "again.")
_CANCEL = re.compile(r"([0-9]{1,12})-([A-Za-z0-9_-]{20,64})")


def form_token(secret: str, touchpoint_id: int, now: datetime) -> str:
    """The hidden field that says which event's form this is and when it was given out."""
    return URLSafeSerializer(secret, salt=FORM_SALT).dumps([touchpoint_id, int(now.timestamp())])


def check_form_token(secret: str, token: str, touchpoint_id: int, now: datetime,
                     min_fill: timedelta = MIN_FILL) -> None:
    """Raise NotAPerson (with a neutral message) unless the form is ours and took a human time."""
    try:
        event_id, issued = URLSafeSerializer(secret, salt=FORM_SALT).loads(token[:200])
        issued_at = datetime.fromtimestamp(int(issued), UTC)
    except (BadSignature, TypeError, ValueError, OverflowError, OSError) as exc:
        raise NotAPerson(TOO_FAST) from exc
    if event_id != touchpoint_id or not min_fill <= now - issued_at <= MAX_AGE:
        raise NotAPerson(TOO_FAST)


def cancel_token(secret: str, registration_id: int, nonce: str) -> str:
    mac = hmac.new(secret.encode("utf-8"), CANCEL_SALT + f"{registration_id}:{nonce}".encode(),
                   hashlib.sha256).hexdigest()[:40]
    return f"{registration_id}-{mac}"


def cancel_id(token: str) -> int | None:
    """The registration id a well-formed cancel token names (still to be checked), or None."""
    found = _CANCEL.fullmatch(token)
    return int(found.group(1)) if found else None


def cancel_token_matches(secret: str, token: str, registration_id: int, nonce: str) -> bool:
    return hmac.compare_digest(cancel_token(secret, registration_id, nonce), token)
