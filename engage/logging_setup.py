"""Logging that never carries passwords, session cookies, API keys or email bodies.

What engage logs is chosen with care (ids rather than bodies, never a password); the redaction
filter is the safety net for what libraries log: request lines, headers, exception messages.
"""

from __future__ import annotations

import logging
import re
import sys

from flask import Flask

from engage.config import production_warnings

_SECRET_WORDS = r"password|passwd|secret|token|api[_-]?key|csrf_token|signature"  # noqa: S105
_SECRETS = [
    # key=value in query strings and form bodies
    (re.compile(rf"(?i)({_SECRET_WORDS})=([^&\s]+)"), r"\1=[redacted]"),
    # "key": "value" and key: 'value' in reprs and JSON
    (re.compile(rf"(?i)({_SECRET_WORDS})(['\"]?\s*[:=]\s*['\"])([^'\"]+)"), r"\1\2[redacted]"),
    # SendGrid API keys: SG.<id>.<secret>
    (re.compile(r"SG\.[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}"), "SG.[redacted]"),
    # Whole cookie headers, then any session cookie written out on its own
    (re.compile(r"(?im)^(\s*(?:set-)?cookie:\s*)(.+)$"), r"\1[redacted]"),
    (re.compile(r"(?i)([\w\-]*session)=([^;\s]+)"), r"\1=[redacted]"),
    (re.compile(r"(?i)(authorization:\s*(?:bearer|basic|token)\s+)(\S+)"), r"\1[redacted]"),
    # Unsubscribe links: the path token is the credential (access logs, referrers)
    (re.compile(r"(/unsubscribe/)[^\s?#\"']+"), r"\1[redacted]"),
]


def redact(text: str) -> str:
    """`text` with anything that looks like a secret replaced by [redacted]."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Scrubs secrets from every record, whoever logged it (werkzeug, sendgrid, ours)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logged as it is, not dropped
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        if record.exc_info and not record.exc_text:
            # Exception messages can quote secrets too; format once here, redacted.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install_redaction(handler: logging.Handler) -> None:
    """Add the redaction filter to a handler once."""
    if not any(isinstance(f, RedactingFilter) for f in handler.filters):
        handler.addFilter(RedactingFilter())


def configure_logging(app: Flask) -> None:
    """One stream handler on the root logger, and redaction on every handler already there."""
    level = getattr(logging, app.config["LOG_LEVEL"], logging.INFO)
    root = logging.getLogger()
    if not any(getattr(h, "_engage", False) for h in root.handlers):
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        stream._engage = True  # type: ignore[attr-defined]
        root.addHandler(stream)
    root.setLevel(level)
    # gunicorn's own loggers do not propagate to the root: scrub their output too.
    for logger in (root, logging.getLogger("gunicorn.error"), logging.getLogger("gunicorn.access")):
        for handler in logger.handlers:
            install_redaction(handler)
    for warning in production_warnings(app.config):
        logging.getLogger("engage").warning(warning)
