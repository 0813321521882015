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


class WebhookRejected(Exception):
    """The post is not signed by SendGrid, or too old: answered 403, nothing read."""


class WebhookMalformed(Exception):
    """Signed, but not the JSON array of events SendGrid sends: answered 400."""


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


def parse_events(raw_body: bytes) -> list[dict[str, Any]]:
    """The events in a signed body; WebhookMalformed when it is not a JSON array of objects."""
    try:
        data = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookMalformed("The body is not valid JSON.") from None
    if not isinstance(data, list) or not all(isinstance(e, dict) for e in data):
        raise WebhookMalformed("The body must be a JSON array of event objects.")
    return data
