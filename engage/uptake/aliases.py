"""Names the provider uses for catalogue services, mapped once and remembered."""

from __future__ import annotations

from sqlalchemy import select

from engage.catalogue.models import Service
from engage.database import DbSession
from engage.uptake.columns import norm
from engage.uptake.errors import UptakeRejected
from engage.uptake.models import ServiceAlias

ALIAS_LENGTH = 120  # ServiceAlias.alias


def find_service(session: DbSession, key: str) -> Service:
    """A catalogue service by id, slug or name (any case); UptakeRejected if there is none."""
    key = key.strip()
    service = None
    if key.isdigit():
        service = session.get(Service, int(key))
    if service is None:
        wanted = norm(key)
        for candidate in session.scalars(select(Service)):
            if wanted in (norm(candidate.slug), norm(candidate.name)):
                service = candidate
                break
    if service is None:
        raise UptakeRejected(f"There is no service called {key!r} in the catalogue. "
                             "`flask catalogue list` or the Catalogue page shows them.")
    return service


def remember_alias(
    session: DbSession, alias: str, service: Service, *, by: str = ""
) -> ServiceAlias:
    """Map the provider's name `alias` to `service` (changing an earlier mapping of it)."""
    key = norm(alias)
    if not key:
        raise UptakeRejected("The provider's service name is empty.")
    if len(key) > ALIAS_LENGTH:
        raise UptakeRejected(f"A service name can be at most {ALIAS_LENGTH} characters long.")
    if key in (norm(service.name), norm(service.slug)):
        raise UptakeRejected(f"'{alias}' is already the service's own name.")
    existing = session.scalar(select(ServiceAlias).where(ServiceAlias.alias == key))
    if existing is None:
        existing = ServiceAlias(alias=key, service_id=service.id, created_by=by)
        session.add(existing)
    else:
        existing.service_id = service.id
        existing.created_by = by
    session.flush()
    return existing


def aliases(session: DbSession) -> list[ServiceAlias]:
    return list(session.scalars(select(ServiceAlias).order_by(ServiceAlias.alias)))
