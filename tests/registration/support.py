"""Helpers for the registration tests: an event open for registration, and the public form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engage.campaigns.models import Channel, Touchpoint
from engage.database import utcnow
from engage.directory.models import Organisation
from engage.extensions import db
from engage.messaging.models import OutboxMessage
from engage.registration import settings as terms
from engage.registration.models import Registration, RegistrationSettings
from engage.registration.signup import Applicant, Mailing, register
from engage.registration.tokens import form_token
from tests.factories import make_organisation, make_touchpoint

SECRET = "test-secret-key-that-is-long-enough-0123456789"
MAILING = Mailing("https://engage.test", SECRET,
                  lambda token: f"https://engage.test/register/cancel/{token}")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def soon() -> datetime:
    """A start time ahead of the real clock: the public pages use it."""
    return (utcnow() + timedelta(days=10)).replace(second=0, microsecond=0)


def make_event(capacity: int | None = None, waiting_list: bool = True,
               planned_at: datetime | None = None, now: datetime | None = None,
               **overrides: Any) -> RegistrationSettings:
    values: dict[str, Any] = {"channel": Channel.WEBINAR, "duration_minutes": 60,
                              "location": "https://teams.example/join/abc"}
    values.update(overrides)
    touchpoint = make_touchpoint(planned_at=planned_at or soon(), **values)
    return terms.save_terms(db.session, touchpoint,
                            terms.Terms(capacity=capacity, waiting_list=waiting_list),
                            page_path=lambda code: f"/register/{code}", user_id=None,
                            now=now or utcnow())


def applicant(email: str = "sam.jones@example-surgery.nhs.uk",
              organisation: Organisation | None = None, name: str = "Sam Jones") -> Applicant:
    return Applicant(name, email, organisation or make_organisation(), "Practice nurse")


def sign_up(settings: RegistrationSettings, email: str, now: datetime | None = None,
            organisation: Organisation | None = None) -> Registration:
    return register(db.session, settings, applicant(email, organisation), mailing=MAILING,
                    now=now or utcnow())


def form(app: Flask, settings: RegistrationSettings, **fields: str) -> dict[str, str]:
    """A filled-in form whose token was given out a minute ago (a person's pace)."""
    data = {"name": "Sam Jones", "email": "sam.jones@example-surgery.nhs.uk",
            "organisation": "", "role": "Practice nurse", "website": "",
            "token": form_token(app.config["SECRET_KEY"], settings.touchpoint_id,
                                utcnow() - timedelta(minutes=1))}
    data.update(fields)
    return data


def post(client: FlaskClient, app: Flask, settings: RegistrationSettings, **fields: str) -> Any:
    return client.post(f"/register/{settings.code}", data=form(app, settings, **fields))


def messages(template: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if template:
        query = query.where(OutboxMessage.template == template)
    return list(db.session.scalars(query))


def registrations(touchpoint: Touchpoint | int) -> list[Registration]:
    db.session.expire_all()
    touchpoint_id = touchpoint if isinstance(touchpoint, int) else touchpoint.id
    return list(db.session.scalars(select(Registration).where(
        Registration.touchpoint_id == touchpoint_id).order_by(Registration.id)))
