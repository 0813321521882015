"""What a send reference means to a person: a checked reference, and a title for it.

A reference from a URL is hostile input: `parse_ref` accepts only the shapes of
`engage.messaging.sends` with an id in range, so anything else is a 404 before any query.
Titles for many sends (the outbox's list) take one query per kind of send, not one per send.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from engage.campaigns.models import Campaign, Touchpoint
from engage.database import DbSession
from engage.messaging import sends
from engage.reminders.models import Bulletin, ReminderRule, RuleKind

MAX_ID = 2**31 - 1
_REF = re.compile(r"(bulletin|rule|registration):([1-9][0-9]{0,9})")
KIND_NAMES = {"bulletin": "Bulletin", "rule": "Reminder rule", "digest": "Weekly digest",
              "registration": "Registration emails"}


@dataclass(frozen=True)
class SendRef:
    kind: str  # "bulletin", "rule", "digest" or "registration"
    number: int | None

    @property
    def ref(self) -> str:
        return self.kind if self.number is None else f"{self.kind}:{self.number}"


def parse_ref(raw: str) -> SendRef | None:
    """The reference when `raw` is a well-formed one, else None."""
    if raw == sends.DIGEST:
        return SendRef("digest", None)
    match = _REF.fullmatch(raw)
    if match is None or int(match.group(2)) > MAX_ID:
        return None
    return SendRef(match.group(1), int(match.group(2)))


def _rule_title(rule: ReminderRule, campaign_names: dict[int, str]) -> str:
    what = "Reminder" if rule.kind is RuleKind.REMINDER else rule.kind.label
    title = f"{what}, {rule.describe().lower()}"
    if rule.touchpoint is not None:
        return f"{title}: {rule.touchpoint.title}"
    if rule.campaign_id is not None and rule.campaign_id in campaign_names:
        return f"{title}: {campaign_names[rule.campaign_id]}"
    return title


def titles(session: DbSession, refs: Iterable[str]) -> dict[str, str]:
    """A human title for each reference (what is gone is named by its number)."""
    parsed = {ref: p for ref in set(refs) if (p := parse_ref(ref)) is not None}
    numbers: dict[str, set[int]] = {}
    for p in parsed.values():
        if p.number is not None:
            numbers.setdefault(p.kind, set()).add(p.number)
    found: dict[tuple[str, int], str] = {}
    if numbers.get("bulletin"):
        for id_, subject in session.execute(select(Bulletin.id, Bulletin.subject).where(
                Bulletin.id.in_(numbers["bulletin"]))):
            found[("bulletin", id_)] = f"Bulletin: {subject}"
    if numbers.get("rule"):
        rules = list(session.scalars(select(ReminderRule).where(
            ReminderRule.id.in_(numbers["rule"]))))
        campaign_ids = {r.campaign_id for r in rules if r.campaign_id is not None}
        names = {id_: name for id_, name in session.execute(select(
            Campaign.id, Campaign.name).where(Campaign.id.in_(campaign_ids)))}
        touchpoints = {r.touchpoint_id for r in rules if r.touchpoint_id is not None}
        if touchpoints:  # load them in one query rather than one per rule
            list(session.scalars(select(Touchpoint).where(Touchpoint.id.in_(touchpoints))))
        for rule in rules:
            found[("rule", rule.id)] = _rule_title(rule, names)
    if numbers.get("registration"):
        for id_, title in session.execute(select(Touchpoint.id, Touchpoint.title).where(
                Touchpoint.id.in_(numbers["registration"]))):
            found[("registration", id_)] = f"Registration emails: {title}"
    result = {}
    for ref, p in parsed.items():
        if p.number is None:
            result[ref] = KIND_NAMES[p.kind]
        else:
            result[ref] = found.get((p.kind, p.number),
                                    f"{KIND_NAMES[p.kind]} {p.number} (since deleted)")
    return result


def exists(session: DbSession, ref: SendRef) -> bool:
    """Whether the send's subject is on record (a bulletin, rule or touchpoint)."""
    model = {"bulletin": Bulletin, "rule": ReminderRule, "registration": Touchpoint}.get(ref.kind)
    if model is None:
        return True
    return session.get(model, ref.number) is not None
