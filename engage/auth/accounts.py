"""Creating users, checking passwords, changing roles and ending sessions.

The plain functions (`create_user`, `change_role`, ...) change one thing. The `*_by` functions
are what views and commands call: they also check who is acting and write the audit record, in
the same transaction, so every route into a change leaves the same trail.
"""

from __future__ import annotations

import re
from datetime import datetime

from blinker import Namespace
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from engage.audit.log import record_event
from engage.auth.models import Role, User
from engage.database import DbSession, utcnow

MIN_PASSWORD_LENGTH = 12
# Long enough for any passphrase, short enough that hashing it is never a denial of service.
MAX_PASSWORD_LENGTH = 256
# Words that make a password easy to guess in this setting (ASVS: context-specific words).
CONTEXT_WORDS = ("password", "engage", "nhs", "occupationalhealth", "qwerty", "letmein",
                 "welcome", "admin", "changeme")
# Runs such as 123456789012 or qwertyuiopas, in either direction.
_KEYBOARD_RUNS = "".join(
    run * 30 + run[::-1] * 30 for run in ("0123456789", "qwertyuiop", "asdfghjkl")
)
# Checked against when the email is unknown, so a miss costs the same time as a wrong password.
# Written out rather than made at import (one scrypt, a noticeable part of every start-up); it
# must carry the same method and cost as `generate_password_hash` gives today, which a test checks.
_DUMMY_HASH = (
    "scrypt:32768:8:1$OkONnI1Obv5ptpV9$76bd855e2e153a241a77e4a03ac9c084112ec7cd590c5abb81828d2107"
    "f484f2a4a872567d290537d31b6d51f6f4f034ee7b7acbe20e19d278d6bef0815059b0"
)


# Sent with (user, session=, now=) when an account is disabled, in the same transaction, so a
# feature holding credentials of its own for the user (calendar feed links) revokes them for
# good; auth does not import those features.
account_disabled = Namespace().signal("account-disabled")


class AccountError(ValueError):
    """A user account request that cannot be carried out, with a message for the person.

    `field` names the form field the message belongs to, so a page can show it in place.
    """

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def normalise_email(raw: str) -> str:
    """The canonical, lower-case form of an address, or AccountError saying what is wrong."""
    from email_validator import EmailNotValidError, validate_email  # not at start-up

    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(f"{raw!r} is not a valid email address: {exc}", "email") from None


def check_password_strength(password: str, email: str = "") -> None:
    """Length rules, plus refusing passwords that are only a guessable word and digits."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.", "password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(
            f"The password must be at most {MAX_PASSWORD_LENGTH} characters long.", "password"
        )
    if is_guessable(password, email):
        raise AccountError(
            "That password is too easy to guess. Use three or four unrelated words instead.",
            "password",
        )


def is_guessable(password: str, email: str = "") -> bool:
    """One or two characters repeated, a keyboard run, or a context word (or the email's name)
    repeated and padded with digits and symbols: `Password2024!`, `engageengage`."""
    if len(set(password)) <= 2 or password.lower() in _KEYBOARD_RUNS:
        return True
    letters = re.sub(r"[^a-z]", "", password.lower())
    words = set(CONTEXT_WORDS)
    name = re.sub(r"[^a-z]", "", email.split("@", 1)[0].lower())
    if len(name) >= 4:
        words.add(name)
    return bool(letters) and any(
        letters == word * (len(letters) // len(word)) for word in words
    )


def find_user(session: DbSession, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(session: DbSession, email: str, password: str, role: Role, name: str = "") -> User:
    """Add a user (no audit record: see `add_user_by`)."""
    address = normalise_email(email)
    if find_user(session, address) is not None:
        raise AccountError(f"A user with the email {address} already exists.", "email")
    check_password_strength(password, address)
    user = User(
        email=address, name=name.strip(), role=role, password_hash=generate_password_hash(password)
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: DbSession, email: str, password: str, now: datetime) -> User | None:
    """The active user with this email and password, or None; same cost either way."""
    user = find_user(session, email)
    if user is None or len(password) > MAX_PASSWORD_LENGTH:
        check_password_hash(_DUMMY_HASH, password[:MAX_PASSWORD_LENGTH])
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    user.last_login_at = now
    return user


def end_all_sessions(user: User) -> None:
    """Invalidate every session cookie the user holds, on every device."""
    user.session_version += 1


def set_password(user: User, password: str) -> None:
    """New password; every existing session ends, since one may be the reason for the change."""
    check_password_strength(password, user.email)
    user.password_hash = generate_password_hash(password)
    end_all_sessions(user)


def change_role(session: DbSession, user: User, role: Role) -> None:
    if user.role is Role.ADMIN and role is not Role.ADMIN:
        _keep_one_admin(session, user)
    user.role = role
    end_all_sessions(user)


def set_active(session: DbSession, user: User, active: bool) -> None:
    if not active and user.role is Role.ADMIN:
        _keep_one_admin(session, user)
    user.active = active
    end_all_sessions(user)
    if not active:
        account_disabled.send(user, session=session, now=utcnow())


def _keep_one_admin(session: DbSession, leaving: User) -> None:
    others = session.scalar(
        select(func.count(User.id)).where(
            User.role == Role.ADMIN, User.active.is_(True), User.id != leaving.id
        )
    )
    if not others:
        raise AccountError(
            "engage needs at least one active administrator; add another first.", "role"
        )


# Audited operations: `actor` is the signed-in user, or None for the command line.


def add_user_by(session: DbSession, actor: User | None, email: str, password: str, role: Role,
                name: str = "") -> User:
    """Add a user and record who added them."""
    user = create_user(session, email, password, role, name=name)
    record_event(session, actor, "user.create", f"Added {user.email} as {user.role.label}",
                 target=user, details={"role": user.role.value})
    return user


def update_user_by(session: DbSession, actor: User | None, user: User, role: Role | None = None,
                   active: bool | None = None, new_password: str = "") -> list[str]:
    """Apply the changes an administrator asked for; one audit record per kind of change."""
    changes = []
    if active is False and actor is not None and actor.id == user.id:
        raise AccountError("You cannot disable your own account.", "active")
    if role is not None and role is not user.role:
        old = user.role
        change_role(session, user, role)
        changes.append(f"role {old.value} → {role.value}")
        record_event(session, actor, "user.role", f"{user.email}: role {old.value} → {role.value}",
                     target=user, details={"from": old.value, "to": role.value})
    if active is not None and active != user.active:
        set_active(session, user, active)
        changes.append("enabled" if active else "disabled")
        record_event(session, actor, "user.enable" if active else "user.disable",
                     f"{user.email}: {'enabled' if active else 'disabled'}", target=user)
    if new_password:
        set_password(user, new_password)
        changes.append("password reset")
        record_event(session, actor, "user.password_reset",
                     f"{user.email}: password reset by an administrator", target=user)
    return changes


def change_own_password(session: DbSession, user: User, current: str, new: str) -> None:
    """A user replacing their own password; the current one proves it is them."""
    if not check_password_hash(user.password_hash, current[:MAX_PASSWORD_LENGTH]):
        raise AccountError("Your current password is not right.", "current_password")
    if check_password_hash(user.password_hash, new[:MAX_PASSWORD_LENGTH]):
        raise AccountError(
            "Choose a new password that is different from the current one.", "new_password"
        )
    set_password(user, new)
    record_event(session, user, "user.password_change", f"{user.email} changed their password",
                 target=user)
