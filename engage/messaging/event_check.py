"""Checking each SendGrid event on its own, before anything touches the database.

One odd event (a NUL byte, an `outbox_id` of 10^30, a list where a string belongs) must not
cost the rest of the post: it is skipped and logged by its position and `sg_event_id`, never
its content, and the good events are stored. Values are checked against what the columns
hold on both databases (PostgreSQL refuses NUL in text and integers past its column types).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

# outbox_message.id is an INTEGER: PostgreSQL's int4.
MAX_ROW_ID = 2**31 - 1
# Seconds since 1970 up to the end of year 9999, the last a datetime can hold.
MAX_TIMESTAMP = 253_402_300_799
# Detail values kept as SendGrid sent them (no IP address, no user agent).
DETAIL_FIELDS = ("type", "reason", "status", "sg_machine_open", "bounce_classification",
                 "attempt")
TEXT_FIELDS = ("event", "sg_event_id", "email", "sg_message_id", "url")


class EventProblem(ValueError):
    """Why one event was skipped; the message names fields, never their values."""


@dataclass(frozen=True)
class CheckedEvent:
    """One event's values, of the types and ranges the database takes."""

    index: int
    kind: str
    sg_event_id: str
    occurred_at: datetime | None  # None: SendGrid gave no time, so the time it arrived
    outbox_id: int | None
    email: str
    sg_message_id: str
    detail: dict[str, Any] = field(default_factory=dict)
    machine_open: bool = False
    bounce_type: str = "bounce"


def check_event(index: int, event: Any, *, nul_possible: bool = True) -> CheckedEvent | None:
    """The event's values checked; None when it lacks an id or a kind (ignored, as before).

    Raises EventProblem for values no column can take. `nul_possible=False` skips the NUL
    search when the raw body has no `\\u0000` (strict JSON has no other way to carry one).
    """
    if not isinstance(event, dict):
        raise EventProblem(f"is a JSON {type(event).__name__}, not an object")
    if nul_possible and _has_nul(event):
        raise EventProblem("carries a NUL character")
    for name in TEXT_FIELDS:
        value = event.get(name)
        if value is not None and not isinstance(value, str):
            raise EventProblem(f"has a value for {name} that is not text")
    kind = (event.get("event") or "").strip()
    sg_event_id = (event.get("sg_event_id") or "")[:100]
    if not kind or not sg_event_id:
        return None
    detail = {}
    for name in DETAIL_FIELDS:
        if name in event and _scalar(event[name]):
            value = event[name]
            detail[name] = value[:300] if isinstance(value, str) else value
    url = event.get("url")
    if url:
        try:
            parts = urlsplit(url)
            detail["url"] = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))[:300]
        except ValueError:
            pass  # not a URL: nothing worth keeping
    bounce_type = event.get("type", "bounce")
    return CheckedEvent(
        index=index, kind=kind[:30], sg_event_id=sg_event_id,
        occurred_at=_timestamp(event.get("timestamp")),
        outbox_id=_outbox_id(event.get("outbox_id")),
        email=(event.get("email") or "")[:254].lower(),
        sg_message_id=(event.get("sg_message_id") or "")[:200],
        detail=detail,
        machine_open=event.get("sg_machine_open") in (True, "true", "True", 1),
        bounce_type=bounce_type if isinstance(bounce_type, str) else "",
    )


def safe_id(event: Any) -> str:
    """What a log line may say about a skipped event: its sg_event_id when it is plain text."""
    value = event.get("sg_event_id") if isinstance(event, dict) else None
    if isinstance(value, str) and value.isascii() and value.isprintable() and len(value) <= 100:
        return value
    return "(no usable sg_event_id)"


def _has_nul(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _scalar(value: Any) -> bool:
    if isinstance(value, (bool, str)):
        return True
    if isinstance(value, int):
        return -(2**53) <= value <= 2**53
    return isinstance(value, float) and math.isfinite(value)


def _outbox_id(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise EventProblem("has an outbox_id that is not a whole number")
    if isinstance(value, str):
        if not value.strip().isdigit() or len(value.strip()) > 12:
            raise EventProblem("has an outbox_id that is not a whole number in range")
        value = int(value)
    if not 1 <= value <= MAX_ROW_ID:
        raise EventProblem(f"has an outbox_id outside 1 to {MAX_ROW_ID}")
    return value


def _timestamp(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 12:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise EventProblem("has a timestamp that is not a number of seconds")
    if not (isinstance(value, int) or math.isfinite(value)) or not 0 <= value <= MAX_TIMESTAMP:
        raise EventProblem("has a timestamp outside the years 1970 to 9999")
    return datetime.fromtimestamp(int(value), UTC)
