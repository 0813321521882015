"""Unsubscribe links: signed tokens naming an address, and what unsubscribing does.

The token is the credential (itsdangerous, signed with SECRET_KEY, with its own salt): no log-in
and no cookie, so it works from a mail client's one-click POST (RFC 8058) as well as from the
page. It never expires, because old emails keep their links.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from engage.directory.models import SuppressionReason
from engage.messaging.models import EmailEvent
from engage.messaging.suppression import address_key, suppress, suppression_for

SALT = "engage.unsubscribe"


class BadUnsubscribeToken(ValueError):
    """The link was altered, cut short or signed with another key."""


def _serializer(config: Mapping[str, Any]) -> URLSafeSerializer:
    return URLSafeSerializer(config["SECRET_KEY"], salt=SALT)


def make_token(config: Mapping[str, Any], email: str) -> str:
    return str(_serializer(config).dumps({"e": address_key(email)}))


def read_token(config: Mapping[str, Any], token: str) -> str:
    """The address a token names; BadUnsubscribeToken when it is not one of ours."""
    serializers = [_serializer(config)] + [
        URLSafeSerializer(key, salt=SALT) for key in config.get("SECRET_KEY_FALLBACKS") or []
    ]
    for serializer in serializers:
        try:
            data = serializer.loads(token)
        except BadSignature:
            continue
        if isinstance(data, dict) and isinstance(data.get("e"), str) and data["e"]:
            return data["e"]
    raise BadUnsubscribeToken("This unsubscribe link is not valid.")


def unsubscribe_url(config: Mapping[str, Any], email: str) -> str:
    """The public address of the unsubscribe page for `email` (PUBLIC_BASE_URL based)."""
    base = str(config.get("PUBLIC_BASE_URL", "")).rstrip("/")
    return f"{base}/unsubscribe/{make_token(config, email)}"


def is_unsubscribed(session: Session, email: str) -> bool:
    return suppression_for(session, email) is not None


def unsubscribe(session: Session, email: str, *, now: datetime, one_click: bool) -> bool:
    """Suppress the address and log it; False (and nothing logged) when it already was."""
    if not suppress(session, email, SuppressionReason.UNSUBSCRIBED, now=now, source="link"):
        return False
    session.add(EmailEvent(
        event="unsubscribe", occurred_at=now, received_at=now, email=address_key(email),
        source="link", outcome="Unsubscribed" + (" (one-click)" if one_click else ""),
        detail={},
    ))
    return True
