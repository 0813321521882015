"""Two people asking for the last place at the same moment: one gets it, one waits."""

from __future__ import annotations

import threading

import pytest

from engage.database import utcnow
from engage.directory.models import Organisation
from engage.extensions import db
from engage.registration.models import RegistrationSettings, RegistrationStatus
from engage.registration.signup import Applicant, register
from tests.factories import make_organisation
from tests.registration.support import MAILING, make_event


@pytest.mark.real_commits  # each thread commits on its own connection
def test_two_registrations_for_the_last_place_cannot_both_get_it(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time; the row lock is PostgreSQL's")
    event = make_event(capacity=1)
    org = make_organisation()
    db.session.commit()
    touchpoint_id, org_id = event.touchpoint_id, org.id
    ready = threading.Barrier(2)
    statuses: list[RegistrationStatus] = []
    failures: list[BaseException] = []

    def ask(email: str) -> None:
        try:
            with app.app_context():
                settings = db.session.get(RegistrationSettings, touchpoint_id)
                organisation = db.session.get(Organisation, org_id)
                assert settings is not None and organisation is not None
                ready.wait(timeout=30)
                made = register(db.session, settings,
                                Applicant("Sam", email, organisation, "Nurse"),
                                mailing=MAILING, now=utcnow())
                statuses.append(made.status)
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)

    threads = [threading.Thread(target=ask, args=(f"p{n}@example.org",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert sorted(statuses) == [RegistrationStatus.REGISTERED, RegistrationStatus.WAITING]
