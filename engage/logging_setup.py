"""Logging that never carries passwords, session cookies, API keys, email bodies or personal data.

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
# Personal data that a library can quote: a failed statement's values, a constraint's DETAIL
# line (PostgreSQL names the duplicate key's value), a form echoed in an exception.
_PERSONAL = [
    # werkzeug's scrypt:n:r:p$salt$hash and pbkdf2:sha256:n$salt$hash, bcrypt and argon2
    (re.compile(r"\b(?:scrypt|pbkdf2)(?::\w+)*\$[^\s$'\"]+\$[0-9a-fA-F]+"), "[password hash]"),
    (re.compile(r"\$(?:2[abxy]|argon2(?:id|i|d))\$[^\s'\"]+"), "[password hash]"),
    (re.compile(r"[\w.%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"), "[email]"),
    # +44 20 7946 0958, 020 7946 0958, 07700-900123, +44 (0)7700 900123: 9 to 14 more digits
    (re.compile(r"(?<![\w+])(?:\+|0)(?:[\s\-().]{0,2}\d){9,14}(?!\w)"), "[phone]"),
]


def redact(text: str) -> str:
    """`text` with secrets replaced by [redacted], and emails, phones and hashes by a label."""
    for pattern, replacement in (*_SECRETS, *_PERSONAL):
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
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
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
