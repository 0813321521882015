"""Logging that never carries passwords, session cookies, API keys or email bodies."""

from __future__ import annotations

import logging
import re

from flask import Flask

_SECRETS = [
    (re.compile(r"(?i)(password|passwd|secret|token|api[_-]?key|csrf_token)=([^&\s]+)"), r"\1=[redacted]"),
    (re.compile(r"(?i)(password|secret|token|api[_-]?key)(['\"]?\s*[:=]\s*['\"])([^'\"]+)"), r"\1\2[redacted]"),
    (re.compile(r"SG\.[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}"), "SG.[redacted]"),
    (re.compile(r"(?i)(engage_session|session)=([^;\s]+)"), r"\1=[redacted]"),
    (re.compile(r"(?i)(authorization:\s*bearer\s+)(\S+)"), r"\1[redacted]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Scrubs secrets from every record, whoever logged it (werkzeug, sendgrid, ours)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


def configure_logging(app: Flask) -> None:
    level = getattr(logging, app.config["LOG_LEVEL"], logging.INFO)
    root = logging.getLogger()
    if not any(isinstance(f, RedactingFilter) for h in root.handlers for f in h.filters):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
    root.setLevel(level)
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
