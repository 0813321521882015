"""Checking that a post to /webhooks/sendgrid really comes from SendGrid, and is fresh.

SendGrid signs `timestamp + raw body` with ECDSA P-256 / SHA-256; the `sendgrid` library's
`EventWebhook` helper checks it with the public key from SENDGRID_WEBHOOK_PUBLIC_KEY. The raw
body is used exactly as received: re-serialised JSON would not match the signature.
"""

from __future__ import annotations

import binascii
import json
from datetime import datetime, timedelta
from typing import Any

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
MAX_AGE = timedelta(minutes=5)
# SendGrid posts a batch every 30 seconds or when it reaches 768 KB, a few thousand events at
# most; 50,000 is far above anything it sends and still a post handled in seconds (bench).
MAX_EVENTS = 50_000
# An event is an object of scalars, a list of categories and a few small objects: depth 4
# (array, event, object, value) at most. Anything deeper is not SendGrid's.
MAX_DEPTH = 8


class WebhookRejected(Exception):
    """The post is not signed by SendGrid, or too old: answered 403, nothing read."""


class WebhookMalformed(Exception):
    """Signed, but not the JSON array of events SendGrid sends: answered 400."""


class WebhookTooLarge(WebhookMalformed):
    """Signed, but more events than one post may carry: answered 413."""


def verify(raw_body: bytes, signature: str | None, timestamp: str | None, *, public_key: str,
           now: datetime) -> None:
    """Raise WebhookRejected unless the signature and timestamp are good."""
    from cryptography.exceptions import InvalidSignature
    from sendgrid.helpers.eventwebhook import EventWebhook

    if not signature or not timestamp:
        raise WebhookRejected("The request is not signed.")
    try:
        sent_at = int(timestamp.strip())
    except ValueError:
        raise WebhookRejected("The signature timestamp is not a number.") from None
    age = now.timestamp() - sent_at
    if age > MAX_AGE.total_seconds() or age < -MAX_AGE.total_seconds():
        raise WebhookRejected("The signature timestamp is more than five minutes out.")
    try:
        binascii.a2b_base64(signature.encode("ascii"), strict_mode=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise WebhookRejected("The signature is not valid base64.") from None
    try:
        payload = raw_body.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookRejected("The body is not UTF-8, so it cannot carry a valid signature.") \
            from None
    try:
        helper = EventWebhook(public_key)
        good = helper.verify_signature(payload, signature, timestamp)
    except (InvalidSignature, ValueError, TypeError, binascii.Error):
        good = False
    if not good:
        raise WebhookRejected("The signature does not match.")


def parse_events(raw_body: bytes) -> list[Any]:
    """The events in a signed body; WebhookMalformed when it is not a JSON array.

    Items that are not objects are kept for the event check to skip one by one; the body as
    a whole is refused only when it is not an array, nests deeper than MAX_DEPTH or carries
    more than MAX_EVENTS items.
    """
    try:
        data = json.loads(raw_body)
    except RecursionError:
        raise WebhookMalformed(_too_deep()) from None
    except (ValueError, UnicodeDecodeError):
        raise WebhookMalformed("The body is not valid JSON.") from None
    if not isinstance(data, list):
        raise WebhookMalformed("The body must be a JSON array of event objects.")
    if len(data) > MAX_EVENTS:
        raise WebhookTooLarge(f"The body carries {len(data):,} events; at most {MAX_EVENTS:,} "
                              f"may come in one post. Send them in smaller posts.")
    if _depth_exceeds(data, MAX_DEPTH):
        raise WebhookMalformed(_too_deep())
    return data


def _too_deep() -> str:
    return (f"The body nests JSON more than {MAX_DEPTH} levels deep; SendGrid's events are "
            f"flat objects.")


def _depth_exceeds(data: list[Any], limit: int) -> bool:
    """Whether any value sits deeper than `limit` levels (the array itself is level 1)."""
    stack: list[tuple[Any, int]] = [(item, 2) for item in data
                                    if isinstance(item, (dict, list))]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, (dict, list)))
    return False
