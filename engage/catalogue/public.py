"""What the public service pages say about a service, in plain words."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from engage.catalogue.completeness import (
    is_manager_referred,
    is_public,
    lines,
    public_clause,
)
from engage.catalogue.models import AccessRoute, Audience, Service
from engage.database import DbSession
from engage.directory.models import Locality, Organisation, OrgStatus

WHO = {
    Audience.MANAGERS_ONLY: "Practice and pharmacy managers. You refer the staff you manage, "
                            "with their agreement.",
    Audience.ALL_STAFF: "Everyone who works in the practice or pharmacy, clinical or not.",
    Audience.STAFF_AND_FAMILY: "Everyone who works in the practice or pharmacy, and their "
                               "families.",
}
HOW = {
    AccessRoute.MANAGER_REFERRAL: "Ask your manager to refer you: they send the referral, "
                                  "with your agreement.",
    AccessRoute.SELF_REFERRAL: "Refer yourself: you do not need to ask your manager first.",
    AccessRoute.PHONE_LINE: "Phone the number on this page.",
    AccessRoute.APP: "Download the app and register with your work details.",
}
# Said to a manager when the service has not written its own steps.
REFERRAL_NEXT = ("The occupational health team contacts the member of staff to arrange an "
                 "appointment, and sends you advice they have seen first.")
NEXT = {
    AccessRoute.SELF_REFERRAL: "The occupational health team contacts you to talk about what "
                               "you need. What you tell them is confidential.",
    AccessRoute.PHONE_LINE: "An adviser answers, talks it through with you and tells you what "
                            "to do next.",
    AccessRoute.APP: "You can use the app straight away, at any time.",
}


@dataclass(frozen=True)
class PublicService:
    service: Service
    who: str
    how: list[str]  # for staff reaching it themselves
    next_steps: list[str]
    tel: str | None  # the phone number as a tel: URI, or None
    refer: bool  # a manager refers: show "How to refer"
    have_ready: list[str]
    after_referral: list[str]


@dataclass(frozen=True)
class Provider:
    """Who runs the services and a general contact; `example` when it is the demo's."""

    name: str
    phone: str
    email: str
    example: bool

    @property
    def tel(self) -> str | None:
        return tel_uri(self.phone)


# Shown only with demo data loaded and no provider set, marked as an example on the page:
# a reserved domain and an Ofcom drama number, so nobody is called by mistake.
EXAMPLE_PROVIDER = Provider(name="Example Occupational Health Service",
                            phone="01632 960 000", email="oh@example.org", example=True)


def provider(config: Mapping[str, Any], demo: bool) -> Provider | None:
    """The provider from the settings; the marked example in a demo that set none."""
    name, phone, email = (str(config.get(key) or "") for key in
                          ("PROVIDER_NAME", "PROVIDER_PHONE", "PROVIDER_EMAIL"))
    if name or phone or email:
        return Provider(name=name, phone=phone, email=email, example=False)
    return EXAMPLE_PROVIDER if demo else None


def area_served(session: DbSession) -> list[str]:
    """The localities with an open organisation, or else the commissioners in the directory."""
    active = Organisation.status == OrgStatus.ACTIVE
    names = list(session.scalars(
        select(Locality.name).join(Organisation, Organisation.locality_id == Locality.id)
        .where(active).distinct().order_by(Locality.name)))
    if names:
        return names
    return list(session.scalars(
        select(Organisation.commissioner).where(active, Organisation.commissioner != "")
        .distinct().order_by(Organisation.commissioner)))


def tel_uri(phone: str) -> str | None:
    """`tel:` form of a written number: digits and a leading plus only."""
    digits = re.sub(r"[^\d+]", "", phone or "")
    digits = digits[0] + digits[1:].replace("+", "") if digits else ""
    return f"tel:{digits}" if len(digits.lstrip("+")) >= 3 else None


def describe(service: Service) -> PublicService:
    """The page's words: for staff who reach it themselves, and for a manager who refers."""
    staff_routes = [route for route in service.routes if route != AccessRoute.MANAGER_REFERRAL]
    refer = is_manager_referred(service)
    how = [HOW[route] for route in staff_routes]
    if refer and service.audience != Audience.MANAGERS_ONLY:
        how.append(HOW[AccessRoute.MANAGER_REFERRAL])
    return PublicService(
        service=service,
        who=WHO.get(service.audience, ""),
        how=how,
        next_steps=[NEXT[route] for route in staff_routes],
        tel=tel_uri(service.phone),
        refer=refer,
        have_ready=lines(service.what_to_have_ready),
        after_referral=lines(service.what_happens_next) or [REFERRAL_NEXT],
    )


def for_managers(service: Service) -> bool:
    """Listed under "For managers" rather than "For you"."""
    return service.audience == Audience.MANAGERS_ONLY


def offered_services(session: DbSession) -> list[Service]:
    """What the public list shows: published, offered and with a way to reach it."""
    return list(session.scalars(
        select(Service).where(public_clause()).order_by(Service.sort_order, Service.name)
    ))


def grouped_services(session: DbSession) -> tuple[list[Service], list[Service]]:
    """(for staff, for managers), each in catalogue order."""
    services = offered_services(session)
    return ([s for s in services if not for_managers(s)], [s for s in services if for_managers(s)])


def public_service_by_slug(session: DbSession, slug: str) -> Service | None:
    """A service the public may see by its address (retired ones too: they answer 410)."""
    service = service_by_slug(session, slug)
    if service is None or (not service.retired and not is_public(service)):
        return None
    return service


def service_by_slug(session: DbSession, slug: str) -> Service | None:
    if len(slug) > 80:
        return None
    return session.scalar(select(Service).where(Service.slug == slug))
