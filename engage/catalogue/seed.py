"""The pilot's eight services, the starting catalogue of a new installation."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from engage.catalogue.models import AccessRoute, Audience, Service
from engage.database import DbSession


@dataclass(frozen=True)
class DefaultService:
    key: str
    name: str
    summary: str
    audience: Audience
    routes: list[AccessRoute] = field(default_factory=list)
    hours: str = ""
    phone: str = ""
    attributable: bool = True
    description: str = ""


DEFAULT_SERVICES: list[DefaultService] = [
    DefaultService(
        "pre-employment-assessment",
        "Pre-Employment Assessment",
        "Health screening for new starters before they take up a post.",
        Audience.MANAGERS_ONLY,
        [AccessRoute.MANAGER_REFERRAL],
        "Monday to Friday, 9am to 5pm",
        description="Managers send a pre-placement screening request for each new starter. The "
        "occupational health team checks fitness for the role and advises on any adjustments.",
    ),
    DefaultService(
        "performance-and-attendance-management",
        "Performance and Attendance Management",
        "Advice for managers on sickness absence, adjustments and a safe return to work.",
        Audience.MANAGERS_ONLY,
        [AccessRoute.MANAGER_REFERRAL],
        "Monday to Friday, 9am to 5pm",
        description="A manager refers a member of staff (with their consent) for an occupational "
        "health assessment and a report with practical recommendations.",
    ),
    DefaultService(
        "medical-helpline",
        "Medical Helpline",
        "A telephone line where managers can talk through a health issue affecting work.",
        Audience.MANAGERS_ONLY,
        [AccessRoute.PHONE_LINE],
        "Monday to Friday, 9am to 5pm",
        attributable=False,
        description="Managers can call for advice before deciding whether to make a referral.",
    ),
    DefaultService(
        "wellbeing-app",
        "Wellbeing App",
        "An app with wellbeing resources, self-help programmes and support.",
        Audience.STAFF_AND_FAMILY,
        [AccessRoute.APP, AccessRoute.SELF_REFERRAL],
        "Any time",
        description="Staff download the app and register with their work details.",
    ),
    DefaultService(
        "sharps-line",
        "24/7 Sharps Line",
        "Urgent advice after a needlestick or sharps injury, day or night.",
        Audience.ALL_STAFF,
        [AccessRoute.PHONE_LINE, AccessRoute.SELF_REFERRAL],
        "24 hours a day, 7 days a week",
        attributable=False,
        description="Call straight away after a sharps or splash injury. Wash the wound, "
        "encourage bleeding, do not suck it, and then call.",
    ),
    DefaultService(
        "immunisation-programme",
        "Immunisation Programme",
        "Vaccinations and immunity checks that staff need for their role.",
        Audience.ALL_STAFF,
        [AccessRoute.SELF_REFERRAL, AccessRoute.MANAGER_REFERRAL],
        "Monday to Friday, 9am to 5pm",
    ),
    DefaultService(
        "ill-health-retirement",
        "Ill Health Retirement",
        "Assessment and advice when a member of staff may need to retire on health grounds.",
        Audience.MANAGERS_ONLY,
        [AccessRoute.MANAGER_REFERRAL],
        "Monday to Friday, 9am to 5pm",
    ),
    DefaultService(
        "employee-assistance-programme",
        "Employee Assistance Programme",
        "Confidential counselling, legal and financial advice for staff and their families.",
        Audience.STAFF_AND_FAMILY,
        [AccessRoute.PHONE_LINE, AccessRoute.SELF_REFERRAL],
        "24 hours a day, 7 days a week",
        attributable=False,
    ),
]


def seed_catalogue(session: DbSession) -> int:
    """Create any default service not yet present; never touch one that exists.

    A service is recognised by its seed key, or by its name if a manager created it by hand,
    so a manager's edits (and retirements) survive seeding again.
    """
    existing = session.execute(select(Service.seed_key, Service.name, Service.slug)).all()
    keys = {key for key, _, _ in existing if key}
    names = {name.casefold() for _, name, _ in existing}
    slugs = {slug for _, _, slug in existing}
    created = 0
    for order, default in enumerate(DEFAULT_SERVICES, start=1):
        if default.key in keys or default.name.casefold() in names:
            continue
        slug, n = default.key, 2
        while slug in slugs:  # a manager's own service already has this address
            slug, n = f"{default.key}-{n}", n + 1
        slugs.add(slug)
        session.add(
            Service(
                seed_key=default.key,
                slug=slug,
                name=default.name,
                summary=default.summary,
                description=default.description,
                audience=default.audience,
                access_routes=[route.value for route in default.routes],
                hours=default.hours,
                phone=default.phone,
                attributable_to_organisation=default.attributable,
                sort_order=order * 10,
            )
        )
        created += 1
    session.flush()
    return created
