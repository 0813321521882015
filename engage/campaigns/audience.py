"""A campaign's audience: a rule over the directory, evaluated afresh each time."""

from __future__ import annotations

from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.orm import Session

from engage.campaigns.models import AudienceOverride, Campaign
from engage.directory.models import Organisation, OrgStatus


def audience_ids_query(campaign: Campaign) -> Select[tuple[int]]:
    """SELECT of the ids of organisations the campaign targets now.

    Active organisations matching every non-empty part of the rule (kinds, localities, PCNs),
    plus explicit inclusions, less explicit exclusions.
    """
    conditions = [Organisation.status == OrgStatus.ACTIVE]
    if campaign.audience_kinds:
        conditions.append(Organisation.kind.in_(campaign.audience_kinds))
    if campaign.audience_locality_ids:
        conditions.append(Organisation.locality_id.in_(campaign.audience_locality_ids))
    if campaign.audience_pcns:
        conditions.append(Organisation.pcn.in_(campaign.audience_pcns))
    included = select(AudienceOverride.organisation_id).where(
        AudienceOverride.campaign_id == campaign.id, AudienceOverride.include.is_(True)
    )
    excluded = select(AudienceOverride.organisation_id).where(
        AudienceOverride.campaign_id == campaign.id, AudienceOverride.include.is_(False)
    )
    if campaign.id is None:
        included = included.where(false())
        excluded = excluded.where(false())
    return select(Organisation.id).where(
        or_(and_(*conditions), Organisation.id.in_(included)),
        Organisation.id.not_in(excluded),
    )


def audience_organisations(session: Session, campaign: Campaign) -> list[Organisation]:
    ids = audience_ids_query(campaign).scalar_subquery()
    return list(
        session.scalars(
            select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)
        )
    )


def audience_size(session: Session, campaign: Campaign) -> int:
    from sqlalchemy import func

    return (
        session.scalar(select(func.count()).select_from(audience_ids_query(campaign).subquery()))
        or 0
    )


def set_overrides(
    session: Session, campaign: Campaign, include_ids: set[int], exclude_ids: set[int]
) -> None:
    """Replace the explicit inclusions and exclusions; an organisation cannot be in both."""
    both = include_ids & exclude_ids
    if both:
        raise ValueError("An organisation cannot be both included and excluded; choose one.")
    campaign.overrides = [
        AudienceOverride(organisation_id=i, include=True) for i in sorted(include_ids)
    ] + [AudienceOverride(organisation_id=i, include=False) for i in sorted(exclude_ids)]
    session.flush()
