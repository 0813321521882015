"""`flask demo load`: the demo installation, built by steps in order.

Each step adds what is missing and reports what it did, so loading twice changes nothing.
Later features add their own steps to STEPS (campaigns, touchpoints, engagement ...).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from engage.database import DbSession
from engage.demo import catalogue as demo_catalogue
from engage.demo import directory, outreach, people
from engage.demo import links as demo_links
from engage.demo import reminders as demo_reminders
from engage.demo import uptake as demo_uptake
from engage.demo.context import DemoContext
from engage.directory.models import Organisation

Step = Callable[[DemoContext], str]
STEPS: tuple[Step, ...] = (
    outreach.catalogue,
    demo_catalogue.example_contacts,
    directory.localities_and_rules,
    directory.gp_practices,
    directory.pharmacies_and_federations,
    directory.primary_care_networks,
    directory.staff_headcounts,
    directory.contacts,
    people.demo_users,
    outreach.launch_campaign,
    demo_links.poster_scans,
    demo_uptake.referral_figures,
    demo_reminders.winter_campaign,
)


def default_data_dir(repo_root: Path) -> Path:
    """The shared reference data beside the project: ../shared/data from the repository."""
    return repo_root.parent / "shared" / "data"


def directory_is_empty(session: DbSession) -> bool:
    return not session.scalar(select(func.count()).select_from(Organisation))


def load_demo(session: DbSession, *, now: datetime, data_dir: Path) -> list[str]:
    """Run every step in one transaction (the caller commits); returns what each step did."""
    ctx = DemoContext(session=session, now=now, data_dir=data_dir)
    report = []
    for step in STEPS:
        report.append(step(ctx))
        session.flush()
    return report
