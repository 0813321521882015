"""The declarative base and column types shared by every feature's models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import TypeAlias

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import DateTime, Enum, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session
from sqlalchemy.types import TypeDecorator

# Named constraints let Alembic drop and alter them by name, which SQLite's batch mode needs.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def value_enum(cls: type[enum.Enum], *, length: int = 30, validate_strings: bool = True) -> Enum:
    """A Python enum stored as its value text in a VARCHAR, the same on SQLite and PostgreSQL."""
    return Enum(cls, native_enum=False, length=length,
                values_callable=lambda e: [m.value for m in e], validate_strings=validate_strings)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC; used as a callable column default."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always gives back an aware UTC datetime.

    SQLite has no time zone type, so a naive value read back from it would be ambiguous;
    this keeps both databases behaving the same.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; engage stores aware UTC times only")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# What logic functions take: a plain Session (scripts, tests) or Flask-SQLAlchemy's
# request-scoped `db.session`, which proxies the same methods.
DbSession: TypeAlias = Session | scoped_session[FlaskSession]
