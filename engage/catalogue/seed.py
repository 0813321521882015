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
    have_ready: tuple[str, ...] = ()  # for a manager referring: one item a line on the page
    after_referral: tuple[str, ...] = ()


# What every manager referral needs first.
REFERRAL_READY = (
    "The member of staff's agreement to the referral: they see what you send",
    "Their job title, working hours and main tasks",
)

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
        have_ready=(
            "The new starter's name, job title and start date",
            "Their email address or phone number, so the team can send them a confidential "
            "health questionnaire",
            "The tasks that matter for health, for example exposure-prone procedures or night "
            "work",
        ),
        after_referral=(
            "The team sends the new starter a confidential health questionnaire.",
            "Most people are cleared from the questionnaire; some are offered a phone or "
            "face-to-face appointment.",
            "You receive the outcome: fit for the role, or fit with adjustments for you to put in "
            "place. You do not see their health details.",
        ),
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
        have_ready=REFERRAL_READY + (
            "The reason for the referral: absence dates, or the health problem affecting work",
            "The questions you want occupational health to answer",
        ),
        after_referral=(
            "The team offers the member of staff an appointment by phone, video or in person.",
            "You receive a report with practical recommendations. The member of staff sees it "
            "first.",
            "Use the report to agree adjustments or a return-to-work plan with them.",
        ),
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
        have_ready=(
            "The member of staff's job title and the tasks they do",
            "Any vaccination records they have",
        ),
        after_referral=(
            "The team checks which vaccinations or blood tests they need and books them.",
        ),
    ),
    DefaultService(
        "ill-health-retirement",
        "Ill Health Retirement",
        "Assessment and advice when a member of staff may need to retire on health grounds.",
        Audience.MANAGERS_ONLY,
        [AccessRoute.MANAGER_REFERRAL],
        "Monday to Friday, 9am to 5pm",
        have_ready=REFERRAL_READY + (
            "Their pension scheme, for example the NHS Pension Scheme",
            "Their sickness absence record and the adjustments already tried",
        ),
        after_referral=(
            "An occupational health doctor assesses them and, with their consent, may ask their "
            "GP or specialist for a report.",
            "The doctor completes the medical parts of the pension scheme's application.",
            "You and the member of staff are told the outcome.",
        ),
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
    so a manager's edits (and retirements) survive seeding again. New ones are drafts: only
    the installation knows its own numbers and forms, and a page without them helps nobody.
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
                what_to_have_ready="\n".join(default.have_ready),
                what_happens_next="\n".join(default.after_referral),
                published=False,
                attributable_to_organisation=default.attributable,
                sort_order=order * 10,
            )
        )
        created += 1
    session.flush()
    return created
