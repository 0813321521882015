"""Adding, changing and retiring services in the catalogue."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from engage.catalogue.completeness import ADD_A_CONTACT_ROUTE, has_contact_route
from engage.catalogue.models import AccessRoute, Audience, Service
from engage.database import DbSession


class CatalogueError(ValueError):
    """A catalogue change that cannot be made, with a message for the person making it."""


def _check_unique_name(session: DbSession, name: str, exclude_id: int | None) -> None:
    query = select(Service.id).where(func.lower(Service.name) == name.strip().lower())
    if exclude_id is not None:
        query = query.where(Service.id != exclude_id)
    if session.scalar(query) is not None:
        raise CatalogueError(
            f"There is already a service called {name.strip()!r}. Choose another name."
        )


def _unique_slug(session: DbSession, name: str, exclude_id: int | None) -> str:
    from slugify import slugify  # with its transliteration tables: only when a name changes

    base = slugify(name, max_length=70) or "service"
    slug, n = base, 2
    while True:
        query = select(Service.id).where(Service.slug == slug)
        if exclude_id is not None:
            query = query.where(Service.id != exclude_id)
        if session.scalar(query) is None:
            return slug
        slug, n = f"{base}-{n}", n + 1


def apply_fields(service: Service, fields: dict[str, Any]) -> None:
    service.name = fields["name"].strip()
    service.summary = (fields.get("summary") or "").strip()
    service.description = fields.get("description") or ""
    service.audience = Audience(fields.get("audience") or Audience.ALL_STAFF)
    service.access_routes = [AccessRoute(r).value for r in fields.get("access_routes") or []]
    service.phone = (fields.get("phone") or "").strip()
    service.email = (fields.get("email") or "").strip()
    service.website = (fields.get("website") or "").strip()
    service.hours = (fields.get("hours") or "").strip()
    service.referral_form_url = (fields.get("referral_form_url") or "").strip()
    service.what_to_have_ready = (fields.get("what_to_have_ready") or "").strip()
    service.what_happens_next = (fields.get("what_happens_next") or "").strip()
    service.attributable_to_organisation = bool(fields.get("attributable_to_organisation", True))
    service.published = bool(fields.get("published", True))
    if service.published and not has_contact_route(service):
        raise CatalogueError(ADD_A_CONTACT_ROUTE)


def create_service(session: DbSession, fields: dict[str, Any]) -> Service:
    _check_unique_name(session, fields["name"], None)
    service = Service(slug=_unique_slug(session, fields["name"], None))
    apply_fields(service, fields)
    service.sort_order = (session.scalar(select(func.max(Service.sort_order))) or 0) + 10
    session.add(service)
    session.flush()
    return service


def update_service(session: DbSession, service: Service, fields: dict[str, Any]) -> list[str]:
    """Apply the edit and say what changed; the slug stays put so printed links keep working."""
    _check_unique_name(session, fields["name"], service.id)
    before = {
        key: getattr(service, key)
        for key in (
            "name",
            "summary",
            "description",
            "audience",
            "access_routes",
            "phone",
            "email",
            "website",
            "hours",
            "referral_form_url",
            "what_to_have_ready",
            "what_happens_next",
            "attributable_to_organisation",
            "published",
        )
    }
    apply_fields(service, fields)
    return [key for key, value in before.items() if getattr(service, key) != value]


def set_retired(service: Service, retired: bool) -> None:
    """Retired services leave campaigns and public lists but keep their history."""
    service.retired = retired


def active_services(session: DbSession) -> list[Service]:
    return list(
        session.scalars(
            select(Service)
            .where(Service.retired.is_(False))
            .order_by(Service.sort_order, Service.name)
        )
    )
