"""Whether a service can be shown to the public, and what its page still lacks.

A page that says what a service is but not how to reach it leaves a reader stuck, so a service
with no contact route (phone, email, website or referral form) is never public, whatever a
manager chose: it stays a draft, with the reason, until one is added.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from engage.catalogue.models import AccessRoute, Service

CONTACT_FIELDS = ("phone", "email", "website", "referral_form_url")
NO_CONTACT_ROUTE = "no phone number, email address, website or referral form"
ADD_A_CONTACT_ROUTE = (
    "To publish this service, add a phone number, email address, website or referral form "
    "(or untick \u201cShow on the public pages\u201d to save it as a draft)"
)
def contact_routes(values: Any) -> list[str]:
    """The contact fields that are filled in, on a service or anything with the same names."""
    return [name for name in CONTACT_FIELDS if (getattr(values, name, "") or "").strip()]


def has_contact_route(service: Service) -> bool:
    return bool(contact_routes(service))


def is_public(service: Service) -> bool:
    """Shown on /services: published, offered and reachable."""
    return service.published and not service.retired and has_contact_route(service)


def public_clause() -> ColumnElement[bool]:
    """`is_public` as a query condition, for the public list."""
    return and_(
        Service.published.is_(True),
        Service.retired.is_(False),
        or_(*[getattr(Service, name) != "" for name in CONTACT_FIELDS]),
    )


def draft_reason(service: Service) -> str:
    """Why an offered service is not on the public pages, or "" when it is (or is retired)."""
    if service.retired:
        return ""
    if not has_contact_route(service):
        return f"Not shown to the public: {NO_CONTACT_ROUTE}. Add one to publish it."
    if not service.published:
        return "Not shown to the public: saved as a draft."
    return ""


def is_manager_referred(service: Service) -> bool:
    return AccessRoute.MANAGER_REFERRAL in service.routes


def is_self_service(service: Service) -> bool:
    """Staff can reach it themselves (referring themselves, phoning, using the app)."""
    return any(route != AccessRoute.MANAGER_REFERRAL for route in service.routes)


def missing_details(service: Service) -> list[str]:
    """What the public page lacks, in words a manager can act on; empty when complete."""
    missing = []
    if not has_contact_route(service):
        missing.append(NO_CONTACT_ROUTE)
    if not service.summary.strip():
        missing.append("a one-line summary")
    if is_manager_referred(service):
        if not (service.referral_form_url or service.email or service.phone).strip():
            missing.append("how to refer (a referral form, email or phone)")
        if not service.what_to_have_ready.strip():
            missing.append("what to have ready")
        if not service.what_happens_next.strip():
            missing.append("what happens next")
    if is_self_service(service) and not (service.phone or service.website).strip():
        missing.append("a phone number or website for staff")
    if (service.phone.strip() or AccessRoute.PHONE_LINE in service.routes) and \
            not service.hours.strip():
        missing.append("opening hours")
    return missing


def lines(text: str) -> list[str]:
    """A one-item-a-line field as its items, bullets typed by habit removed."""
    return [line.strip().lstrip("-*\u2022 ").strip() for line in (text or "").splitlines()
            if line.strip().lstrip("-*\u2022 ").strip()]
