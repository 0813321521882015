"""`flask demo load` and `flask demo logins`: what the demo holds; loading again changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from engage.auth.accounts import authenticate
from engage.auth.models import Role, User
from engage.database import utcnow
from engage.demo.loader import load_demo
from engage.demo.people import DEMO_PASSWORD
from engage.directory.models import (
    Contact,
    ContactRole,
    DirectoryImport,
    Locality,
    LocalityRule,
    Organisation,
    OrgKind,
    OrgSource,
    OrgStatus,
)
from engage.extensions import db
from tests.factories import make_organisation


def count(model: Any, *where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def active(kind: OrgKind) -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).where(
        Organisation.kind == kind, Organisation.status == OrgStatus.ACTIVE)))


def snapshot() -> dict[str, int]:
    models = (Organisation, Contact, Locality, LocalityRule, User, DirectoryImport)
    return {model.__name__: count(model) for model in models}


def test_demo_load_builds_the_whole_demo(app, runner, shared_data):
    result = runner.invoke(args=["demo", "load", "--data-dir", str(shared_data)])
    assert result.exit_code == 0, result.output
    assert [loc.name for loc in db.session.scalars(select(Locality).order_by(Locality.name))] == [
        "Cambridge", "Fens", "Huntingdon", "Peterborough"]
    assert len(active(OrgKind.GP_PRACTICE)) == 88
    pharmacies, federations = active(OrgKind.COMMUNITY_PHARMACY), active(OrgKind.GP_FEDERATION)
    assert len(pharmacies) == 65 and len(federations) == 3
    for org in pharmacies + federations:
        assert org.is_demo and org.source is OrgSource.DEMO and org.locality is not None
    assert {org.locality.name for org in pharmacies} == {"Cambridge", "Fens", "Huntingdon",
                                                         "Peterborough"}
    assert all(org.ods_code[0] == "F" and len(org.ods_code) == 5 for org in pharmacies)
    assert "Fenland GP Federation" in {org.name for org in federations}
    practices = active(OrgKind.GP_PRACTICE)
    assert not any(org.is_demo for org in practices)  # real practices, from ODS
    assert all(org.locality is not None and org.pcn for org in practices)


def test_demo_headcounts_total_about_3800(app, runner, shared_data):
    runner.invoke(args=["demo", "load", "--data-dir", str(shared_data)])
    staff = [org.staff_headcount for org in
             active(OrgKind.GP_PRACTICE) + active(OrgKind.COMMUNITY_PHARMACY)]
    assert all(n is not None and n > 0 for n in staff)
    assert sum(staff) == 3800  # type: ignore[arg-type]


def test_demo_contacts_use_example_org_and_the_right_roles(app, runner, shared_data):
    runner.invoke(args=["demo", "load", "--data-dir", str(shared_data)])
    for practice in active(OrgKind.GP_PRACTICE):
        assert {c.role for c in practice.contacts} == {ContactRole.PRACTICE_MANAGER,
                                                       ContactRole.REFERRAL_MANAGER}
    for pharmacy in active(OrgKind.COMMUNITY_PHARMACY):
        assert [c.role for c in pharmacy.contacts] == [ContactRole.PHARMACY_LEAD]
    emails = list(db.session.scalars(select(Contact.email)))
    assert emails and all(email.endswith(".example.org") for email in emails)
    assert count(Contact, Contact.is_demo.is_(False)) == 0


def test_demo_users_can_sign_in_with_the_documented_password(app, runner, shared_data, client):
    runner.invoke(args=["demo", "load", "--data-dir", str(shared_data)])
    for email, role in (("admin@example.org", Role.ADMIN), ("manager@example.org", Role.MANAGER),
                        ("steering@example.org", Role.STEERING)):
        user = authenticate(db.session, email, DEMO_PASSWORD, utcnow())
        assert user is not None and user.role is role
    response = client.post("/login", data={"email": "steering@example.org",
                                           "password": DEMO_PASSWORD})
    assert response.status_code == 302
    page = client.get("/directory/?kind=community_pharmacy").get_data(as_text=True)
    assert "Demo data" in page and 'nhsuk-tag--yellow">Demo</strong>' in page


def test_loading_twice_changes_nothing(app, runner, shared_data):
    first = runner.invoke(args=["demo", "load", "--data-dir", str(shared_data)])
    before = snapshot()
    edited = db.session.scalar(select(Organisation).where(Organisation.ods_code == "D81001"))
    edited.staff_headcount = 99
    db.session.commit()
    second = runner.invoke(args=["demo", "load", "--data-dir", str(shared_data)])
    assert second.exit_code == 0 and first.output != second.output
    assert all("already" in line for line in second.output.strip().splitlines()), second.output
    assert snapshot() == before
    db.session.refresh(edited)
    assert edited.staff_headcount == 99  # an edit made since is never overwritten


def test_if_empty_does_nothing_when_the_directory_has_organisations(app, runner, shared_data):
    make_organisation()
    db.session.commit()
    result = runner.invoke(args=["demo", "load", "--if-empty", "--data-dir", str(shared_data)])
    assert result.exit_code == 0 and "already has organisations" in result.output
    assert count(Organisation) == 1 and count(User) == 0


def test_if_empty_loads_an_empty_installation(app, runner, shared_data):
    result = runner.invoke(args=["demo", "load", "--if-empty", "--data-dir", str(shared_data)])
    assert result.exit_code == 0 and count(Organisation) > 150


def test_missing_ods_file_is_reported_and_the_rest_still_loads(app, runner, tmp_path):
    result = runner.invoke(args=["demo", "load", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0
    assert f"NOT LOADED. The ODS file epraccur-06H.csv is not at {tmp_path}" in result.output
    assert len(active(OrgKind.GP_PRACTICE)) == 0
    assert len(active(OrgKind.COMMUNITY_PHARMACY)) == 65 and count(User) == 3


def test_default_data_dir_is_shared_data_beside_the_repository(app, shared_data):
    from engage.demo.loader import default_data_dir

    repo = Path(app.root_path).parent
    assert default_data_dir(repo).resolve() == shared_data.resolve()


def test_generated_data_is_the_same_every_time(app, shared_data):
    load_demo(db.session, now=utcnow(), data_dir=shared_data)
    first = sorted(db.session.execute(select(Organisation.ods_code, Organisation.name,
                                             Organisation.postcode, Organisation.staff_headcount,
                                             Organisation.pcn)).all())
    emails = sorted(db.session.scalars(select(Contact.email)))
    db.session.rollback()
    load_demo(db.session, now=utcnow(), data_dir=shared_data)
    assert sorted(db.session.execute(select(Organisation.ods_code, Organisation.name,
                                            Organisation.postcode, Organisation.staff_headcount,
                                            Organisation.pcn)).all()) == first
    assert sorted(db.session.scalars(select(Contact.email))) == emails


def test_logins_prints_the_address_and_the_accounts(app, runner, tmp_path):
    before = runner.invoke(args=["demo", "logins"])
    assert "not set up yet" in before.output
    runner.invoke(args=["demo", "load", "--data-dir", str(tmp_path)])
    result = runner.invoke(args=["demo", "logins"])
    assert result.exit_code == 0
    assert "http://127.0.0.1:5000" in result.output
    for email in ("admin@example.org", "manager@example.org", "steering@example.org"):
        assert email in result.output
    assert DEMO_PASSWORD in result.output
