"""The public pages: register for an event, the confirmation, and cancelling a place.

No sign-in and no cookie: the form carries a signed token (which event, when given out) that
also refuses forms sent back faster than a person fills them in, a honeypot field catches
bots that fill in everything, and POSTs are rate limited per (hashed) client address.
"""

from __future__ import annotations

import logging

from flask import current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engage.auth.access import Access, access
from engage.database import utcnow
from engage.extensions import csrf, db, limiter
from engage.links import throttle
from engage.registration import settings as terms
from engage.registration import signup, tokens
from engage.registration.blueprint import bp
from engage.registration.errors import (
    AlreadyRegistered,
    EventFull,
    NotAPerson,
    RegistrationClosed,
    UnknownOrganisation,
)
from engage.registration.forms import RegisterForm, ResendForm
from engage.registration.models import RegistrationSettings, RegistrationStatus
from engage.registration.organisations import organisation_for
from engage.transactions import saving

log = logging.getLogger(__name__)

Page = str | tuple[str, int]
# Per client address (hashed): a practice's staff registering together stay well inside it.
REGISTRATION_LIMIT = "20 per minute;200 per hour"


def _limit_key() -> str:
    """A keyed hash of the client address, so the limiter's store never holds an address."""
    return throttle.address_key(current_app.config["SECRET_KEY"], request.remote_addr,
                                "registration")


def mailing() -> signup.Mailing:
    return signup.app_mailing()


def _event(code: str) -> RegistrationSettings | None:
    return terms.settings_by_code(db.session, code)


def _missing() -> tuple[str, int]:
    return render_template("registration/missing.html"), 404


def _closed(settings: RegistrationSettings, reason: str) -> tuple[str, int]:
    return render_template("registration/closed.html", event=settings, reason=reason), 410


def _form_page(settings: RegistrationSettings, form: RegisterForm, status: int = 200,
               problem: str | None = None) -> tuple[str, int]:
    """The form, with a fresh token each time it is shown (what was typed is kept)."""
    now = utcnow()
    form.token.data = tokens.form_token(current_app.config["SECRET_KEY"],
                                        settings.touchpoint_id, now)
    form.website.data = ""
    full = not signup.has_room(db.session, settings)
    return render_template("registration/register.html", event=settings, form=form,
                           full=full, problem=problem), status


@bp.get("/register/<code>")
@access(Access.PUBLIC)
def register_page(code: str) -> Page:
    """The event's registration page (the short link on invitations and posters comes here)."""
    settings = _event(code)
    if settings is None:
        return _missing()
    reason = terms.why_closed(settings, utcnow())
    if reason is not None:
        return _closed(settings, reason)
    if not settings.waiting_list and not signup.has_room(db.session, settings):
        return render_template("registration/full.html", event=settings)
    return _form_page(settings, RegisterForm(formdata=None))


@bp.post("/register/<code>")
@access(Access.PUBLIC)
@csrf.exempt
@limiter.limit(REGISTRATION_LIMIT, key_func=_limit_key)
def register(code: str) -> Page | Response:
    """Take a registration: a place, a waiting-list place, or a clear refusal."""
    settings = _event(code)
    if settings is None:
        return _missing()
    now = utcnow()
    reason = terms.why_closed(settings, now)
    if reason is not None:
        return _closed(settings, reason)
    form = RegisterForm()
    try:
        if (form.website.data or "").strip():
            raise NotAPerson(tokens.TOO_FAST)
        tokens.check_form_token(current_app.config["SECRET_KEY"], form.token.data or "",
                                settings.touchpoint_id, now,
                                current_app.config.get("REGISTRATION_MIN_FILL", tokens.MIN_FILL))
    except NotAPerson as refused:
        log.info("registration refused for touchpoint %s: not a person", settings.touchpoint_id)
        return _form_page(settings, form, 400, problem=str(refused))
    if not form.validate():
        return _form_page(settings, form, 400)
    try:
        organisation = organisation_for(db.session, form.organisation.data or "",
                                        form.email.data or "")
    except UnknownOrganisation as exc:
        form.organisation.errors = [str(exc)]
        return _form_page(settings, form, 400)
    applicant = signup.Applicant(" ".join((form.name.data or "").split()), form.email.data or "",
                                 organisation, " ".join((form.role.data or "").split()))
    with saving(RegistrationClosed, AlreadyRegistered, EventFull) as saved:
        registration = signup.register(db.session, settings, applicant, mailing=mailing(),
                                       now=now)
    if isinstance(saved.refused, AlreadyRegistered):
        return _already(settings, form.email.data or "")
    if isinstance(saved.refused, EventFull):
        return render_template("registration/full.html", event=settings), 409
    if isinstance(saved.refused, RegistrationClosed):
        return _closed(settings, saved.error)
    return redirect(url_for("registration.thanks", code=code,
                            status=registration.status.value), 303)


def _already(settings: RegistrationSettings, email: str) -> tuple[str, int]:
    """Say the address is registered, and offer the confirmation again: nothing else about it."""
    form = ResendForm(formdata=None, email=email, token=tokens.form_token(
        current_app.config["SECRET_KEY"], settings.touchpoint_id, utcnow()))
    return render_template("registration/already.html", event=settings, form=form), 409


@bp.post("/register/<code>/resend")
@access(Access.PUBLIC)
@csrf.exempt
@limiter.limit(REGISTRATION_LIMIT, key_func=_limit_key)
def resend(code: str) -> Page:
    """Send the confirmation again, to the registered address only; the answer is the same
    whether or not the address is registered, so it tells nobody who is."""
    settings = _event(code)
    if settings is None:
        return _missing()
    form = ResendForm()
    try:
        tokens.check_form_token(current_app.config["SECRET_KEY"], form.token.data or "",
                                settings.touchpoint_id, utcnow(), min_fill=tokens.NO_WAIT)
    except NotAPerson as refused:
        return render_template("registration/resent.html", event=settings,
                               problem=str(refused)), 400
    registration = signup.find_by_email(db.session, settings.touchpoint_id, form.email.data or "")
    if registration is not None and registration.status is not RegistrationStatus.CANCELLED:
        with saving():
            signup.resend(db.session, registration, mailing=mailing(), now=utcnow())
    return render_template("registration/resent.html", event=settings)


@bp.get("/register/<code>/done/<status>")
@access(Access.PUBLIC)
def thanks(code: str, status: str) -> Page:
    """The confirmation page: the same for everyone with that outcome, so it holds no details."""
    settings = _event(code)
    if settings is None or status not in (RegistrationStatus.REGISTERED.value,
                                          RegistrationStatus.WAITING.value):
        return _missing()
    return render_template("registration/thanks.html", event=settings,
                           waiting=status == RegistrationStatus.WAITING.value)


# --- cancelling: the token in the email's link is the credential --------------------------------


@bp.get("/register/cancel/<token>")
@access(Access.PUBLIC)
def cancel_page(token: str) -> Page:
    """Ask to confirm: a GET changes nothing (mail scanners follow links)."""
    registration = signup.registration_by_token(db.session, current_app.config["SECRET_KEY"],
                                                token)
    if registration is None:
        return _missing()
    return render_template("registration/cancel.html", registration=registration, token=token,
                           done=registration.status is RegistrationStatus.CANCELLED,
                           registration_code=_code_of(registration.touchpoint_id))


@bp.post("/register/cancel/<token>")
@access(Access.PUBLIC)
@csrf.exempt
@limiter.limit(REGISTRATION_LIMIT, key_func=_limit_key)
def cancel(token: str) -> Page:
    """Give the place up; the first on the waiting list, if any, moves up and is told."""
    registration = signup.registration_by_token(db.session, current_app.config["SECRET_KEY"],
                                                token)
    if registration is None:
        return _missing()
    already = registration.status is RegistrationStatus.CANCELLED
    with saving():
        signup.cancel(db.session, registration, mailing=mailing(), now=utcnow())
    return render_template("registration/cancel.html", registration=registration, token=token,
                           done=True, just_now=not already,
                           registration_code=_code_of(registration.touchpoint_id))


def _code_of(touchpoint_id: int) -> str | None:
    settings = terms.settings_of(db.session, touchpoint_id)
    return settings.code if settings is not None else None


@bp.errorhandler(429)
def too_many(_error: Exception) -> tuple[str, int]:
    return render_template("registration/too_many.html"), 429
