"""`flask catalogue seed`: the pilot's eight services, added once, never overwriting edits."""

from __future__ import annotations

from sqlalchemy import func, select

from engage.catalogue.models import AccessRoute, Audience, Service
from engage.catalogue.seed import DEFAULT_SERVICES, seed_catalogue
from engage.extensions import db
from tests.factories import make_service

PILOT_EIGHT = [
    "Pre-Employment Assessment", "Performance and Attendance Management", "Medical Helpline",
    "Wellbeing App", "24/7 Sharps Line", "Immunisation Programme", "Ill Health Retirement",
    "Employee Assistance Programme",
]


def names() -> list[str]:
    return list(db.session.scalars(select(Service.name).order_by(Service.sort_order)))


def test_a_new_installation_gets_the_pilots_eight_services(app):
    assert seed_catalogue(db.session) == 8
    db.session.commit()
    assert names() == PILOT_EIGHT
    helpline = db.session.scalar(select(Service).where(Service.seed_key == "medical-helpline"))
    assert helpline is not None
    assert helpline.audience is Audience.MANAGERS_ONLY
    assert helpline.routes == [AccessRoute.PHONE_LINE]
    assert not helpline.attributable_to_organisation  # an area-wide line


def test_seeding_twice_adds_nothing(app):
    seed_catalogue(db.session)
    db.session.commit()
    assert seed_catalogue(db.session) == 0
    assert db.session.scalar(select(func.count()).select_from(Service)) == 8


def test_a_managers_edits_and_retirements_survive_seeding_again(app):
    seed_catalogue(db.session)
    app_service = db.session.scalar(select(Service).where(Service.seed_key == "wellbeing-app"))
    app_service.name = "Staff Wellbeing App"
    app_service.summary = "Our own words."
    sharps = db.session.scalar(select(Service).where(Service.seed_key == "sharps-line"))
    sharps.retired = True
    db.session.commit()
    assert seed_catalogue(db.session) == 0
    db.session.commit()
    assert "Staff Wellbeing App" in names() and "Wellbeing App" not in names()
    assert db.session.get(Service, app_service.id).summary == "Our own words."
    assert db.session.get(Service, sharps.id).retired


def test_a_service_a_manager_added_by_hand_with_a_default_name_is_not_duplicated(app):
    make_service(name="medical helpline", slug="our-helpline")
    db.session.commit()
    assert seed_catalogue(db.session) == 7
    assert db.session.scalar(select(func.count()).select_from(Service)) == 8


def test_a_taken_address_gets_another(app):
    make_service(name="Something else", slug="wellbeing-app")
    db.session.commit()
    seed_catalogue(db.session)
    db.session.commit()
    seeded = db.session.scalar(select(Service).where(Service.seed_key == "wellbeing-app"))
    assert seeded.slug == "wellbeing-app-2"


def test_the_command_seeds_and_says_what_it_did(app, runner):
    result = runner.invoke(args=["catalogue", "seed"])
    assert result.exit_code == 0, result.output
    assert "8 added, 8 services in all" in result.output
    again = runner.invoke(args=["catalogue", "seed"])
    assert "0 added, 8 services in all" in again.output


def test_the_list_command_prints_csv(app, runner):
    runner.invoke(args=["catalogue", "seed"])
    result = runner.invoke(args=["catalogue", "list"])
    lines = result.output.splitlines()
    assert lines[0] == "slug,name,audience,retired"
    assert len(lines) == 1 + len(DEFAULT_SERVICES)
    assert "medical-helpline,Medical Helpline,managers_only,no" in lines


def test_the_demo_loader_seeds_the_catalogue(app, shared_data):
    from engage.database import utcnow
    from engage.demo.loader import load_demo

    report = load_demo(db.session, now=utcnow(), data_dir=shared_data)
    assert "Catalogue: added 8 services." in report
    assert names() == PILOT_EIGHT
