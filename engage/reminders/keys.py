"""Idempotency keys: the rule, the occasion and the recipient, so nothing is queued twice.

A reminder's key holds the touchpoint's start time: when the touchpoint moves, the old row is
withdrawn and the new time has a new key. A withdrawn row gives its key up (the key gets a
`~withdrawn.<id>` suffix), so a touchpoint moved back to its first time, or cancelled and
restored, is reminded again; a row that was sent keeps its key for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

WITHDRAWN_MARK = "~withdrawn."


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


def reminder_key(rule_id: int, starts_at: datetime, contact_id: int | str) -> str:
    """`contact_id` is a contact's id, or `r<id>` for a registrant who is not a contact."""
    return f"reminder:{rule_id}:{stamp(starts_at)}:{contact_id}"


def follow_up_key(rule_id: int, contact_id: int) -> str:
    return f"follow_up:{rule_id}:{contact_id}"


def nudge_key(rule_id: int, organisation_id: int, period: int, contact_id: int) -> str:
    return f"nudge:{rule_id}:{organisation_id}:{period}:{contact_id}"


def nudge_prefix(rule_id: int, organisation_id: int) -> str:
    return f"nudge:{rule_id}:{organisation_id}:"


def digest_key(week: str, user_id: int) -> str:
    return f"digest:{week}:{user_id}"


def bulletin_key(bulletin_id: int, contact_id: int) -> str:
    return f"bulletin:{bulletin_id}:{contact_id}"


def withdrawn_key(key: str, message_id: int) -> str:
    return f"{key}{WITHDRAWN_MARK}{message_id}"


@dataclass(frozen=True)
class RuleKey:
    """What a reminder or follow-up key says: its rule, and for reminders the start stamp."""

    kind: str
    rule_id: int
    stamp: str | None


def parse_rule_key(key: str) -> RuleKey | None:
    parts = key.split(WITHDRAWN_MARK)[0].split(":")
    try:
        if parts[0] == "reminder" and len(parts) == 4:
            return RuleKey("reminder", int(parts[1]), parts[2])
        if parts[0] == "follow_up" and len(parts) == 3:
            return RuleKey("follow_up", int(parts[1]), None)
    except ValueError:
        return None
    return None
