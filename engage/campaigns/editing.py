"""Creating and changing campaigns, their audience rule and their targets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from engage.audit.log import record_event
from engage.campaigns.audience import (
    audience_condition,
    organisations_by_code,
    override_codes,
    set_overrides,
)
from engage.campaigns.errors import CampaignError
from engage.campaigns.models import (
    Campaign,
    CampaignStatus,
    CampaignTarget,
    EngagementTier,
    TargetMeasure,
)
from engage.catalogue.models import Service
from engage.database import DbSession
from engage.directory.models import Locality, Organisation, OrgKind

NAME_LENGTH = 150
MAX_TARGET = 100_000


@dataclass
class CampaignFields:
    """What a person can set on a campaign."""

    name: str
    start_date: date
    end_date: date
    objective: str = ""
    owner_id: int | None = None
    status: CampaignStatus = CampaignStatus.DRAFT
    services: list[Service] = field(default_factory=list)
    kinds: list[OrgKind] = field(default_factory=list)
    locality_ids: list[int] = field(default_factory=list)
    pcns: list[str] = field(default_factory=list)
    include_codes: list[str] = field(default_factory=list)
    exclude_codes: list[str] = field(default_factory=list)


def check_dates(start: date | None, end: date | None) -> None:
    """The one rule about dates: a campaign cannot end before it starts."""
    if start is not None and end is not None and end < start:
        raise CampaignError(
            f"The end date ({end:%-d %B %Y}) is before the start date ({start:%-d %B %Y}). "
            "Enter an end date on or after the start date."
        )


def _check(
    session: DbSession, fields: CampaignFields, campaign_id: int | None
) -> tuple[set[int], set[int]]:
    """Every check before anything changes; returns the ids included and excluded by hand."""
    name = fields.name.strip()
    if not name:
        raise CampaignError("Enter a name for the campaign.")
    if len(name) > NAME_LENGTH:
        raise CampaignError(f"Keep the name to {NAME_LENGTH} characters or fewer.")
    taken = select(Campaign.id).where(func.lower(Campaign.name) == name.lower())
    if campaign_id is not None:
        taken = taken.where(Campaign.id != campaign_id)
    if session.scalar(taken) is not None:
        raise CampaignError(f"There is already a campaign called {name!r}. Choose another name.")
    check_dates(fields.start_date, fields.end_date)
    if fields.locality_ids:
        known = set(session.scalars(select(Locality.id).where(
            Locality.id.in_(fields.locality_ids))))
        if set(fields.locality_ids) - known:
            raise CampaignError("One of the chosen localities no longer exists. Choose again.")
    both = sorted(set(fields.include_codes) & set(fields.exclude_codes))
    if both:
        raise CampaignError(
            f"{', '.join(both)} cannot be both included and excluded: remove it from one list."
        )
    included = organisations_by_code(session, fields.include_codes)
    excluded = organisations_by_code(session, fields.exclude_codes)
    return set(included.values()), set(excluded.values())


def _apply(session: DbSession, campaign: Campaign, fields: CampaignFields,
           overrides: tuple[set[int], set[int]]) -> None:
    campaign.name = fields.name.strip()
    campaign.objective = fields.objective.strip()
    campaign.owner_id = fields.owner_id
    campaign.status = fields.status
    campaign.start_date = fields.start_date
    campaign.end_date = fields.end_date
    campaign.services = list(fields.services)
    # Stored in a fixed order so that an unchanged rule compares equal.
    campaign.audience_kinds = sorted({OrgKind(k).value for k in fields.kinds})
    campaign.audience_locality_ids = sorted(set(fields.locality_ids))
    campaign.audience_pcns = sorted({p.strip() for p in fields.pcns if p.strip()})
    set_overrides(session, campaign, *overrides)


def create_campaign(session: DbSession, fields: CampaignFields, now: datetime) -> Campaign:
    """Add a campaign; nothing is written if any part of it is wrong."""
    overrides = _check(session, fields, None)
    campaign = Campaign(created_at=now, updated_at=now, audience_kinds=[],
                        audience_locality_ids=[], audience_pcns=[])
    session.add(campaign)
    with session.no_autoflush:
        _apply(session, campaign, fields, overrides)
    session.flush()
    return campaign


SNAPSHOT = ("name", "objective", "owner_id", "status", "start_date", "end_date",
            "audience_kinds", "audience_locality_ids", "audience_pcns")
LABELS = {"owner_id": "owner", "start_date": "start date", "end_date": "end date",
          "audience_kinds": "kinds", "audience_locality_ids": "localities",
          "audience_pcns": "PCNs"}


def _snapshot(session: DbSession, campaign: Campaign) -> dict[str, object]:
    values: dict[str, object] = {name: getattr(campaign, name) for name in SNAPSHOT}
    values["services"] = sorted(s.id for s in campaign.services)
    values["included and excluded organisations"] = override_codes(session, campaign)
    return values


def update_campaign(session: DbSession, campaign: Campaign, fields: CampaignFields) -> list[str]:
    """Apply an edit; returns what changed, in words. The audience follows the new rule at once."""
    overrides = _check(session, fields, campaign.id)
    before = _snapshot(session, campaign)
    with session.no_autoflush:
        _apply(session, campaign, fields, overrides)
    session.flush()
    after = _snapshot(session, campaign)
    return [LABELS.get(key, key.replace("_", " ")) for key in after if before[key] != after[key]]


def add_target(
    session: DbSession,
    campaign: Campaign,
    *,
    target_count: int,
    due_date: date,
    locality_id: int | None = None,
    kind: OrgKind | None = None,
    tier: EngagementTier = EngagementTier.ENGAGED,
    measure: TargetMeasure = TargetMeasure.COUNT,
) -> CampaignTarget:
    """A goal: this many (or this percentage of) audience organisations, in a locality or of
    a kind, engaged (or contacted) by a date. A goal the audience cannot meet is refused."""
    if measure is TargetMeasure.PERCENT:
        if not 1 <= target_count <= 100:
            raise CampaignError(
                "Enter the percentage of the audience as a whole number from 1 to 100.")
    elif not 1 <= target_count <= MAX_TARGET:
        raise CampaignError(f"Enter how many organisations to reach: from 1 to {MAX_TARGET:,}.")
    if due_date < campaign.start_date:
        raise CampaignError(
            f"The target date is before the campaign starts ({campaign.start_date:%-d %B %Y}). "
            "Choose a date during the campaign."
        )
    if locality_id is not None and session.get(Locality, locality_id) is None:
        raise CampaignError("That locality no longer exists. Choose another.")
    if measure is TargetMeasure.COUNT:
        audience = target_audience(session, campaign, locality_id, kind)
        if target_count > audience:
            raise CampaignError(
                f"The target is {target_count:,} organisations but only {audience:,} of the "
                f"audience {'are' if audience != 1 else 'is'} in its scope. Enter "
                f"{audience:,} or fewer, or set the target as a percentage of the audience."
            )
    for existing in campaign.targets:
        if (existing.locality_id, existing.kind, existing.due_date, existing.tier) == (
                locality_id, kind.value if kind else None, due_date, tier):
            raise CampaignError(
                "There is already a target for the same organisations, tier and date. Remove "
                "it first to change the number."
            )
    target = CampaignTarget(locality_id=locality_id, kind=kind.value if kind else None,
                            target_count=target_count, due_date=due_date, tier=tier,
                            measure=measure)
    campaign.targets.append(target)
    session.flush()
    return target


def target_audience(session: DbSession, campaign: Campaign, locality_id: int | None,
                    kind: OrgKind | None) -> int:
    """How many audience organisations a target in this locality and of this kind is about."""
    conditions = [audience_condition(campaign)]
    if locality_id is not None:
        conditions.append(Organisation.locality_id == locality_id)
    if kind is not None:
        conditions.append(Organisation.kind == kind)
    return int(session.scalar(select(func.count()).select_from(Organisation)
                              .where(*conditions)) or 0)


def remove_target(session: DbSession, campaign: Campaign, target_id: int,
                  actor: Any = None) -> CampaignTarget:
    """Drop one of the campaign's targets; the audit log keeps what it asked for."""
    target = next((t for t in campaign.targets if t.id == target_id), None)
    if target is None:
        raise CampaignError("That target is not one of this campaign's. Reload the page.")
    record_event(
        session, actor, "campaigns.target_delete",
        f"{campaign.name}: removed the target of {target.target_count} by {target.due_date}",
        target=campaign,
        details={"target_id": target.id, "target_count": target.target_count,
                 "due_date": target.due_date.isoformat(), "tier": target.tier.value,
                 "measure": target.measure.value, "locality_id": target.locality_id,
                 "kind": target.kind})
    campaign.targets.remove(target)
    session.flush()
    return target


def find_campaign(session: DbSession, key: str) -> Campaign | None:
    """A campaign by id or by name (for the command line)."""
    if key.isdigit():
        found = session.get(Campaign, int(key))
        if found is not None:
            return found
    return session.scalar(select(Campaign).where(func.lower(Campaign.name) == key.lower()))
