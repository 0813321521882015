"""Unsubscribe links: signed opaque tokens, and what unsubscribing does.

The token is the credential: no log-in and no cookie, so it works from a mail client's
one-click POST (RFC 8058) as well as from the page. It is a random id (`unsubscribe_token`,
one per address, kept for good) signed with SECRET_KEY under its own salt, so a link names
nobody: an access log, a forwarded email or a proxy sees 22 random characters and a
signature. It never expires, because old emails keep their links.

Legacy: links sent before December 2026 carry the address itself, signed (salt
`engage.unsubscribe`, payload `{"e": address}`). They are still accepted, never made.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engage.database import DbSession
from engage.directory.models import SuppressionReason
from engage.messaging.bulk import bulk_insert
from engage.messaging.models import EmailEvent, UnsubscribeToken
from engage.messaging.suppression import address_key, suppress, suppression_for

SALT = "engage.unsubscribe.id"
_URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")
LEGACY_SALT = "engage.unsubscribe"


class BadUnsubscribeToken(ValueError):
    """The link was altered, cut short or signed with another key."""


def _serializers(config: Mapping[str, Any], salt: str) -> list[URLSafeSerializer]:
    keys = [config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or [])]
    return [URLSafeSerializer(key, salt=salt) for key in keys]


def token_id_for(session: DbSession, email: str, *, now: datetime) -> str:
    """The address's random id, made (in a savepoint, once per address) on first use."""
    key = address_key(email)
    existing = session.scalar(select(UnsubscribeToken.token).where(UnsubscribeToken.email == key))
    if existing is not None:
        return existing
    token = secrets.token_urlsafe(16)
    try:
        with session.begin_nested():
            session.add(UnsubscribeToken(token=token, email=key, created_at=now))
    except IntegrityError:  # made meanwhile by another transaction: use that one
        return session.scalars(
            select(UnsubscribeToken.token).where(UnsubscribeToken.email == key)).one()
    return token


def token_ids_for(session: DbSession, emails: Iterable[str], *, now: datetime) -> dict[str, str]:
    """`token_id_for` for many addresses: the random id of each (by address key), made in bulk."""
    keys = sorted({address_key(e) for e in emails if e.strip()})
    found: dict[str, str] = {}
    for start in range(0, len(keys), 5000):
        part = keys[start:start + 5000]
        found.update(session.execute(select(UnsubscribeToken.email, UnsubscribeToken.token)
                                     .where(UnsubscribeToken.email.in_(part))).all())
    missing: list[dict[str, Any]] = [
        {"token": secrets.token_urlsafe(16), "email": k, "created_at": now}
        for k in keys if k not in found]
    if missing:
        try:
            with session.begin_nested():
                bulk_insert(session, UnsubscribeToken.__table__, missing)
        except IntegrityError:  # some made meanwhile by another transaction: one by one
            for row in missing:
                found[str(row["email"])] = token_id_for(session, str(row["email"]), now=now)
        else:
            found.update((str(row["email"]), str(row["token"])) for row in missing)
    return found


def url_maker(session: DbSession, config: Mapping[str, Any], token_ids: Mapping[str, str], *,
              now: datetime) -> Callable[[str], str]:
    """The unsubscribe URL of each address, from ids made beforehand (`token_ids_for`)."""
    base = f"{str(config.get('PUBLIC_BASE_URL', '')).rstrip('/')}/unsubscribe/"
    serializer = _serializers(config, SALT)[0]
    # What serializer.dumps does for a token id, done directly with the key derived once: the
    # library derives it, tries zlib and encodes JSON for every link, 20 times slower. The
    # first link of each batch is checked against the library's own and, were they ever to
    # differ (a new itsdangerous), the library makes them all.
    signer = serializer.make_signer()
    keyed = hmac.new(signer.derive_key(), digestmod=signer.digest_method)
    checked: list[bool] = []

    def fast(token_id: str) -> str:
        payload = base64.urlsafe_b64encode(f'"{token_id}"'.encode()).rstrip(b"=")
        mac = keyed.copy()
        mac.update(payload)
        return (payload + b"." + base64.urlsafe_b64encode(mac.digest()).rstrip(b"=")).decode()

    def dumps(token_id: str) -> str:
        if not checked:
            checked.append(fast(token_id) == serializer.dumps(token_id))
        if checked[0] and _URL_SAFE.fullmatch(token_id):
            return fast(token_id)
        return str(serializer.dumps(token_id))

    def url(email: str) -> str:
        token_id = token_ids.get(address_key(email))
        if token_id is None:  # not made beforehand: make it now
            token_id = token_id_for(session, email, now=now)
        return base + dumps(token_id)

    return url


def make_token(config: Mapping[str, Any], token_id: str) -> str:
    return str(_serializers(config, SALT)[0].dumps(token_id))


def read_token(session: DbSession, config: Mapping[str, Any], token: str) -> str:
    """The address a token stands for; BadUnsubscribeToken when it is not one of ours."""
    for serializer in _serializers(config, SALT):
        try:
            token_id = serializer.loads(token)
        except BadSignature:
            continue
        if isinstance(token_id, str) and token_id:
            email = session.scalar(
                select(UnsubscribeToken.email).where(UnsubscribeToken.token == token_id))
            if email:
                return email
        break
    for serializer in _serializers(config, LEGACY_SALT):
        try:
            data = serializer.loads(token)
        except BadSignature:
            continue
        if isinstance(data, dict) and isinstance(data.get("e"), str) and data["e"]:
            return data["e"]
    raise BadUnsubscribeToken("This unsubscribe link is not valid.")


def unsubscribe_url(session: DbSession, config: Mapping[str, Any], email: str, *,
                    now: datetime) -> str:
    """The public address of the unsubscribe page for `email` (PUBLIC_BASE_URL based)."""
    base = str(config.get("PUBLIC_BASE_URL", "")).rstrip("/")
    return f"{base}/unsubscribe/{make_token(config, token_id_for(session, email, now=now))}"


def is_unsubscribed(session: DbSession, email: str) -> bool:
    return suppression_for(session, email) is not None


def unsubscribe(session: DbSession, email: str, *, now: datetime, one_click: bool) -> bool:
    """Suppress the address and log it; False (and nothing logged) when it already was."""
    if not suppress(session, email, SuppressionReason.UNSUBSCRIBED, now=now, source="link"):
        return False
    session.add(EmailEvent(
        event="unsubscribe", occurred_at=now, received_at=now, email=address_key(email),
        source="link", outcome="Unsubscribed" + (" (one-click)" if one_click else ""),
        detail={},
    ))
    return True
