"""Creating users, checking passwords, changing roles and ending sessions."""

from __future__ import annotations

from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from engage.auth.models import Role, User

MIN_PASSWORD_LENGTH = 12
# Checked against when the email is unknown, so a miss costs the same time as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password-used-for-timing")


class AccountError(ValueError):
    """A user account request that cannot be carried out, with a message for the person."""


def normalise_email(raw: str) -> str:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(f"{raw!r} is not a valid email address: {exc}") from None


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(session: Session, email: str, password: str, role: Role, name: str = "") -> User:
    address = normalise_email(email)
    if find_user(session, address) is not None:
        raise AccountError(f"A user with the email {address} already exists.")
    check_password_strength(password)
    user = User(
        email=address, name=name.strip(), role=role, password_hash=generate_password_hash(password)
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str, now: datetime) -> User | None:
    """The active user with this email and password, or None; same cost either way."""
    user = find_user(session, email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    user.last_login_at = now
    return user


def end_all_sessions(user: User) -> None:
    """Invalidate every session cookie the user holds, on every device."""
    user.session_version += 1


def set_password(user: User, password: str) -> None:
    check_password_strength(password)
    user.password_hash = generate_password_hash(password)
    end_all_sessions(user)


def change_role(session: Session, user: User, role: Role) -> None:
    if user.role is Role.ADMIN and role is not Role.ADMIN:
        _keep_one_admin(session, user)
    user.role = role
    end_all_sessions(user)


def set_active(session: Session, user: User, active: bool) -> None:
    if not active and user.role is Role.ADMIN:
        _keep_one_admin(session, user)
    user.active = active
    end_all_sessions(user)


def _keep_one_admin(session: Session, leaving: User) -> None:
    others = session.scalar(
        select(func.count(User.id)).where(
            User.role == Role.ADMIN, User.active.is_(True), User.id != leaving.id
        )
    )
    if not others:
        raise AccountError("engage needs at least one active administrator; add another first.")
