"""What the public service pages say about a service, in plain words."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from engage.catalogue.models import AccessRoute, Audience, Service
from engage.database import DbSession

WHO = {
    Audience.MANAGERS_ONLY: "Practice and pharmacy managers, for the staff they manage.",
    Audience.ALL_STAFF: "Everyone who works in the practice or pharmacy, clinical or not.",
    Audience.STAFF_AND_FAMILY: "Everyone who works in the practice or pharmacy, and their "
                               "families.",
}
HOW = {
    AccessRoute.MANAGER_REFERRAL: "Ask your manager to refer you. They send the referral, "
                                  "with your agreement.",
    AccessRoute.SELF_REFERRAL: "Refer yourself: you do not need to ask your manager first.",
    AccessRoute.PHONE_LINE: "Phone the number on this page.",
    AccessRoute.APP: "Download the app and register with your work details.",
}
NEXT = {
    AccessRoute.MANAGER_REFERRAL: "The occupational health team contacts you to arrange an "
                                  "appointment, and sends your manager advice you have seen.",
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
    how: list[str]
    next_steps: list[str]
    tel: str | None  # the phone number as a tel: URI, or None


def tel_uri(phone: str) -> str | None:
    """`tel:` form of a written number: digits and a leading plus only."""
    digits = re.sub(r"[^\d+]", "", phone or "")
    digits = digits[0] + digits[1:].replace("+", "") if digits else ""
    return f"tel:{digits}" if len(digits.lstrip("+")) >= 3 else None


def describe(service: Service) -> PublicService:
    routes = service.routes
    return PublicService(
        service=service,
        who=WHO.get(service.audience, ""),
        how=[HOW[route] for route in routes],
        next_steps=[NEXT[route] for route in routes],
        tel=tel_uri(service.phone),
    )


def offered_services(session: DbSession) -> list[Service]:
    return list(session.scalars(
        select(Service).where(Service.retired.is_(False)).order_by(Service.sort_order, Service.name)
    ))


def service_by_slug(session: DbSession, slug: str) -> Service | None:
    if len(slug) > 80:
        return None
    return session.scalar(select(Service).where(Service.slug == slug))
