"""Telling visitors apart for one day without being able to trace anyone.

A visitor key is an HMAC of the client address and the coarse family of its device (iOS,
Android or other: `devices.device_family`) under a salt that belongs to one UK day. Not the
whole user agent: a client that sent a new one with every request made a new "person" each
time (7,021 in a day from one address in a probe); now one address makes at most three
visitors a day for a link, while an iPhone and an Android phone behind one practice's address
stay two. The salt lives in the database (so every gunicorn worker makes the same key) and is
deleted as soon as a later day's salt is made; once it is gone, nobody (us included) can work
out which address a key came from, or link one day's visitor to the next day's. The address
itself is used for this one computation and never stored.

The day is the UK (Europe/London) day, so "unique visitors on 3 March" means the same day a
manager in the UK means, and matches the days the scan statistics are grouped by.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import weakref
from datetime import date

from sqlalchemy import Engine, delete, select

from engage.database import DbSession
from engage.links.models import VisitorSalt
from engage.links.upsert import insert_ignoring_conflicts

KEY_LENGTH = 32  # hex characters: 128 bits of the HMAC, plenty to keep a day's visitors apart

# Each worker keeps the current day's salt after its first look-up; only one day is ever held.
_cache: dict[str, tuple[date, bytes]] = {}
_lock = threading.Lock()
# The URL's text, worked out once per engine (rendering it costs more than the cache look-up).
_engine_keys: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def _engine_key(engine: Engine) -> str:
    key = _engine_keys.get(engine)
    if key is None:
        key = _engine_keys[engine] = str(engine.url)
    return key


def cached_salt(engine: Engine, day: date) -> bytes | None:
    """This process's copy of `day`'s salt, or None until `salt_for` has been asked for it."""
    return _cached(_engine_key(engine), day)


def _cached(key: str, day: date) -> bytes | None:
    with _lock:
        cached = _cache.get(key)
    if cached is not None and cached[0] == day:
        return cached[1]
    return None


def salt_for(session: DbSession, day: date) -> bytes:
    """The salt of `day`, made if it does not exist yet (older days' salts are then deleted).

    Two workers may race to make it: the insert ignores a conflict and both read back the one
    that won, so they agree.
    """
    key = _engine_key(session.get_bind().engine)
    cached = _cached(key, day)
    if cached is not None:
        return cached
    salt = session.scalar(select(VisitorSalt.salt).where(VisitorSalt.day == day))
    if salt is None:
        insert_ignoring_conflicts(
            session, VisitorSalt, [{"day": day, "salt": secrets.token_hex(32)}], ["day"]
        )
        session.execute(delete(VisitorSalt).where(VisitorSalt.day < day))
        salt = session.scalars(select(VisitorSalt.salt).where(VisitorSalt.day == day)).one()
    value = bytes.fromhex(salt)
    with _lock:
        _cache[key] = (day, value)
    return value


def forget_cached_salts() -> None:
    """Drop the per-process copy (tests that empty the database between runs call this)."""
    with _lock:
        _cache.clear()


def visitor_key(salt: bytes, address: str | None, family: str) -> str:
    """The day's key for a visitor: the same address and device family give the same key that
    day (`family` from `devices.device_family`, never the raw user agent)."""
    message = f"{address or ''}\n{family}".encode()
    return hmac.new(salt, message, hashlib.sha256).hexdigest()[:KEY_LENGTH]
