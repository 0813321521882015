"""A campaign's audience: a rule over the directory, evaluated afresh each time it is asked.

The rule is the campaign's kinds, localities and PCNs (an empty list means "any"), plus
organisations included by hand, less those excluded by hand. Only active organisations are
ever in an audience: a practice that closes drops out of every campaign by itself, even one
that was included by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from engage.campaigns.errors import CampaignError
from engage.campaigns.models import AudienceOverride, Campaign
from engage.database import DbSession
from engage.directory.models import Locality, Organisation, OrgKind, OrgStatus


def audience_condition(campaign: Campaign) -> ColumnElement[bool]:
    """The WHERE clause over `organisation` that picks the campaign's audience now."""
    rule: list[ColumnElement[bool]] = []
    if campaign.audience_kinds:
        rule.append(Organisation.kind.in_(campaign.audience_kinds))
    if campaign.audience_locality_ids:
        rule.append(Organisation.locality_id.in_(campaign.audience_locality_ids))
    if campaign.audience_pcns:
        rule.append(Organisation.pcn.in_(campaign.audience_pcns))
    if campaign.id is None:
        return and_(Organisation.status == OrgStatus.ACTIVE, *rule)
    included = select(AudienceOverride.organisation_id).where(
        AudienceOverride.campaign_id == campaign.id, AudienceOverride.include.is_(True)
    )
    excluded = select(AudienceOverride.organisation_id).where(
        AudienceOverride.campaign_id == campaign.id, AudienceOverride.include.is_(False)
    )
    matches_rule = and_(*rule) if rule else None
    chosen = (
        or_(matches_rule, Organisation.id.in_(included)) if matches_rule is not None else None
    )
    conditions = [Organisation.status == OrgStatus.ACTIVE, Organisation.id.not_in(excluded)]
    if chosen is not None:
        conditions.append(chosen)
    return and_(*conditions)


def audience_ids_query(campaign: Campaign) -> Select[Any]:
    """SELECT of the ids of the organisations the campaign targets now."""
    return select(Organisation.id).where(audience_condition(campaign))


def audience_organisations(session: DbSession, campaign: Campaign) -> list[Organisation]:
    """The audience by name (for exports and small audiences; pages paginate instead)."""
    return list(
        session.scalars(
            select(Organisation)
            .where(audience_condition(campaign))
            .order_by(Organisation.sort_key, Organisation.ods_code)
        )
    )


def audience_size(session: DbSession, campaign: Campaign) -> int:
    return session.scalar(
        select(func.count()).select_from(Organisation).where(audience_condition(campaign))
    ) or 0


def parse_codes(text: str) -> list[str]:
    """ODS codes from free text (commas, spaces or new lines between), upper case, no repeats."""
    seen: dict[str, None] = {}
    for code in re.split(r"[\s,;]+", text.upper()):
        if code:
            seen.setdefault(code, None)
    return list(seen)


def organisations_by_code(session: DbSession, codes: Iterable[str]) -> dict[str, int]:
    """{code: organisation id}; raises, naming every code the directory does not hold."""
    wanted = list(dict.fromkeys(codes))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        found.update(session.execute(
            select(Organisation.ods_code, Organisation.id).where(Organisation.ods_code.in_(chunk))
        ).all())
    unknown = [code for code in wanted if code not in found]
    if unknown:
        shown = ", ".join(unknown[:20]) + (f" and {len(unknown) - 20} more" if len(unknown) > 20
                                           else "")
        raise CampaignError(
            f"Not in the directory: {shown}. Check the ODS codes, or add the organisations to "
            "the directory first."
        )
    return found


def set_overrides(
    session: DbSession, campaign: Campaign, include_ids: set[int], exclude_ids: set[int]
) -> None:
    """Replace the explicit inclusions and exclusions; an organisation cannot be in both."""
    both = include_ids & exclude_ids
    if both:
        codes = sorted(session.scalars(
            select(Organisation.ods_code).where(Organisation.id.in_(both))))
        raise CampaignError(
            f"{', '.join(codes)} cannot be both included and excluded: remove it from one list."
        )
    wanted = {(i, True) for i in include_ids} | {(i, False) for i in exclude_ids}
    current = {(o.organisation_id, o.include): o for o in campaign.overrides}
    campaign.overrides = [o for key, o in current.items() if key in wanted] + [
        AudienceOverride(organisation_id=org_id, include=include)
        for org_id, include in sorted(wanted - set(current))
    ]
    session.flush()


def override_codes(session: DbSession, campaign: Campaign) -> tuple[list[str], list[str]]:
    """The ODS codes included and excluded by hand, for showing and editing."""
    if campaign.id is None:
        return [], []
    rows = session.execute(
        select(Organisation.ods_code, AudienceOverride.include)
        .join(AudienceOverride, AudienceOverride.organisation_id == Organisation.id)
        .where(AudienceOverride.campaign_id == campaign.id)
        .order_by(Organisation.ods_code)
    ).all()
    included: list[str] = []
    excluded: list[str] = []
    for code, include in rows:
        (included if include else excluded).append(code)
    return included, excluded


def describe_rule(session: DbSession, campaign: Campaign) -> str:
    """The audience rule in words: 'Active GP practices in Fens and Huntingdon; plus 2 by hand'."""
    kinds = [_lower_first(OrgKind(k).plural) for k in campaign.audience_kinds
             if k in set(OrgKind)]
    parts = ["Active " + (_join(kinds) if kinds else "organisations of every kind")]
    if campaign.audience_locality_ids:
        names = list(session.scalars(
            select(Locality.name).where(Locality.id.in_(campaign.audience_locality_ids))
            .order_by(func.lower(Locality.name), Locality.id)))
        parts.append("in " + (_join(names) if names else "no locality that still exists"))
    if campaign.audience_pcns:
        parts.append("in the " + ("PCN " if len(campaign.audience_pcns) == 1 else "PCNs ")
                     + _join(sorted(campaign.audience_pcns, key=str.casefold)))
    text = " ".join(parts)
    included, excluded = override_codes(session, campaign)
    if included:
        text += f"; plus {len(included)} included by hand"
    if excluded:
        text += f"; less {len(excluded)} excluded by hand"
    return text + "."


def _lower_first(label: str) -> str:
    return label if label.startswith("GP") else label[0].lower() + label[1:]


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

