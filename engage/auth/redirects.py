"""Where a user may be sent after log-in: only ever a path on this app."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next_path(target: str | None, fallback: str) -> str:
    """`target` if it is a local path, else `fallback`; refuses //host, /\\host and full URLs."""
    if not target:
        return fallback
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return fallback
    if not target.startswith("/") or target.startswith("//"):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target
