"""Demo step: example contact details for the pilot's eight services, so each page is complete.

Every number is an Ofcom drama number (01632 960xxx) and every address is on example.org, both
reserved for fiction: nobody is phoned or emailed by mistake. The pages say they are examples
while demo data is loaded.
"""

from __future__ import annotations

from sqlalchemy import select

from engage.catalogue.completeness import has_contact_route
from engage.catalogue.models import Service
from engage.demo.context import DemoContext

FORMS = "https://oh.example.org/refer/"
EXAMPLE_CONTACTS: dict[str, dict[str, str]] = {
    "pre-employment-assessment": {
        "referral_form_url": FORMS + "pre-employment", "email": "new-starters@example.org",
        "phone": "01632 960 101"},
    "performance-and-attendance-management": {
        "referral_form_url": FORMS + "attendance", "email": "oh-referrals@example.org",
        "phone": "01632 960 102"},
    "medical-helpline": {"phone": "01632 960 103"},
    "wellbeing-app": {"website": "https://wellbeing.example.org/"},
    "sharps-line": {"phone": "01632 960 104"},
    "immunisation-programme": {
        "referral_form_url": FORMS + "immunisation", "email": "immunisation@example.org",
        "phone": "01632 960 105"},
    "ill-health-retirement": {
        "referral_form_url": FORMS + "ill-health-retirement", "email": "oh-referrals@example.org",
        "phone": "01632 960 102"},
    "employee-assistance-programme": {
        "phone": "01632 960 106", "website": "https://eap.example.org/"},
}


def example_contacts(ctx: DemoContext) -> str:
    """Fill empty contact details of the seeded services and publish them; edits are kept."""
    filled = 0
    for service in ctx.session.scalars(select(Service).where(Service.seed_key.is_not(None))):
        examples = EXAMPLE_CONTACTS.get(service.seed_key or "", {})
        if has_contact_route(service) or not examples:
            continue
        for name, value in examples.items():
            setattr(service, name, value)
        service.published = True
        filled += 1
    if not filled:
        return "Catalogue contacts: already there."
    return f"Catalogue contacts: example details for {filled} services (marked as examples)."
