"""Making and retiring short links, singly or as a campaign's poster pack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from engage.campaigns.audience import audience_organisations
from engage.campaigns.models import Touchpoint
from engage.catalogue.models import Service
from engage.database import DbSession
from engage.directory.models import Organisation
from engage.links.codes import new_code
from engage.links.models import Medium, ShortLink

MESSAGE_LENGTH = 200
_ATTEMPTS = 20


class LinkError(ValueError):
    """A link that cannot be made or changed, with a message for the person asking."""


def short_url(base_url: str, code: str) -> str:
    """The address printed on posters and encoded in the QR code."""
    return f"{base_url.rstrip('/')}/q/{code}"


def own_page_target(target: str | None) -> str | None:
    """Where a link without a service goes when it names one of our own pages by path (an
    event's registration page, say); None otherwise, so no link can send anyone off-site."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return None


def _unused_code(session: DbSession, taken: set[str]) -> str:
    for _ in range(_ATTEMPTS):
        code = new_code()
        if code in taken:
            continue
        if session.scalar(select(ShortLink.id).where(ShortLink.code == code)) is None:
            taken.add(code)
            return code
    raise LinkError("Could not find an unused code. Try again.")  # pragma: no cover


def create_link(
    session: DbSession,
    *,
    service: Service | None,
    organisation: Organisation | None = None,
    touchpoint: Touchpoint | None = None,
    medium: Medium = Medium.QR,
    message: str = "",
    user_id: int | None = None,
    now: datetime,
) -> ShortLink:
    """A new link with a fresh random code; the unique index is the final word on clashes."""
    message = " ".join(message.split())
    if len(message) > MESSAGE_LENGTH:
        raise LinkError(f"Keep the poster message to {MESSAGE_LENGTH} characters or fewer.")
    if service is not None and service.retired:
        raise LinkError(f"{service.name} is retired: links can only point at services on offer.")
    link = ShortLink(
        code=_unused_code(session, set()),
        service=service,
        organisation=organisation,
        touchpoint=touchpoint,
        medium=medium,
        message=message,
        created_by_id=user_id,
        created_at=now,
    )
    session.add(link)
    session.flush()
    return link


def retire_link(link: ShortLink, now: datetime) -> None:
    """A retired code answers with the friendly 404 (and counts as a miss); history stays."""
    if link.retired_at is None:
        link.retired_at = now


def restore_link(link: ShortLink) -> None:
    link.retired_at = None


@dataclass(frozen=True)
class PackResult:
    created: int
    existing: int


def make_poster_pack(
    session: DbSession,
    touchpoint: Touchpoint,
    service: Service | None,
    *,
    message: str = "",
    user_id: int | None = None,
    now: datetime,
) -> PackResult:
    """One QR link per organisation in the touchpoint's campaign audience, for this service.

    Organisations that already have a live QR link of this touchpoint for the service keep it
    (a poster already on a wall keeps working), so making the pack twice adds nobody twice.
    """
    if touchpoint.campaign is None:
        raise LinkError("This touchpoint is not part of a campaign, so it has no audience to "
                        "make posters for. Add it to a campaign first.")
    if len(" ".join(message.split())) > MESSAGE_LENGTH:
        raise LinkError(f"Keep the poster message to {MESSAGE_LENGTH} characters or fewer.")
    if service is not None and service.retired:
        raise LinkError(f"{service.name} is retired: links can only point at services on offer.")
    organisations = audience_organisations(session, touchpoint.campaign)
    if not organisations:
        raise LinkError("The campaign's audience is empty: no active organisation matches it.")
    have = set(session.scalars(
        select(ShortLink.organisation_id).where(
            ShortLink.touchpoint_id == touchpoint.id,
            ShortLink.service_id == service.id if service else ShortLink.service_id.is_(None),
            ShortLink.medium == Medium.QR,
            ShortLink.retired_at.is_(None),
            ShortLink.organisation_id.is_not(None),
        )
    ))
    taken: set[str] = set()
    created = 0
    for organisation in organisations:
        if organisation.id in have:
            continue
        session.add(ShortLink(
            code=_unused_code(session, taken), service=service, organisation=organisation,
            touchpoint=touchpoint, medium=Medium.QR, message=" ".join(message.split()),
            created_by_id=user_id, created_at=now,
        ))
        created += 1
    session.flush()
    return PackResult(created=created, existing=len(have))


def pack_links(session: DbSession, touchpoint_id: int) -> list[ShortLink]:
    """A touchpoint's live printed links for organisations, in organisation name order."""
    return list(session.scalars(
        select(ShortLink)
        .join(Organisation, Organisation.id == ShortLink.organisation_id)
        .where(ShortLink.touchpoint_id == touchpoint_id, ShortLink.medium == Medium.QR,
               ShortLink.retired_at.is_(None))
        .order_by(Organisation.sort_key, Organisation.ods_code, ShortLink.id)
    ))
