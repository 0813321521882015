"""Sends: the group an outbox message belongs to, for its report and the outbox's grouping.

A send reference is a short text stored on every message of the send (`OutboxMessage.send_ref`)
and on the tracked links made for it (`ShortLink.send_ref`):

- `bulletin:<id>`: one bulletin or newsletter;
- `rule:<id>`: every message a reminder, follow-up or nudge rule has made;
- `digest`: the managers' weekly digest (internal);
- `registration:<touchpoint id>`: confirmations and reminders to an event's registrants.

Test sends carry the reference of what they test, with `is_test` set, and count nowhere.
"""

from __future__ import annotations

DIGEST = "digest"


def bulletin_ref(bulletin_id: int) -> str:
    return f"bulletin:{bulletin_id}"


def rule_ref(rule_id: int) -> str:
    return f"rule:{rule_id}"


def registration_ref(touchpoint_id: int) -> str:
    return f"registration:{touchpoint_id}"


def ref_from_key(idempotency_key: str) -> str | None:
    """The send of a message queued before sends were recorded, read from its key."""
    head, _, rest = idempotency_key.partition(":")
    number = rest.partition(":")[0]
    if head == "bulletin" and number.isdigit():
        return bulletin_ref(int(number))
    if head in ("reminder", "follow_up", "nudge") and number.isdigit():
        return rule_ref(int(number))
    if head == "digest":
        return DIGEST
    return None
