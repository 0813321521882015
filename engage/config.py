"""Settings read from the environment, with safe defaults for development.

Every value is parsed and checked here, at start-up, so a typo in a deployment fails
loudly instead of surfacing later as odd behaviour.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"  # noqa: S105 - refused in production
ENVIRONMENTS = ("development", "production", "test")


class ConfigError(RuntimeError):
    """A setting is missing or has a value engage cannot use."""


def env_str(env: Mapping[str, str], name: str, default: str = "") -> str:
    return env.get(name, default).strip()


def env_int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def normalise_database_url(url: str) -> str:
    """Point plain postgres URLs at psycopg 3, the driver engage installs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_settings(env: Mapping[str, str] | None = None, instance_path: str = "instance") -> dict[str, Any]:
    """Build the Flask config mapping from environment variables."""
    env = os.environ if env is None else env
    environment = env_str(env, "ENGAGE_ENV", "development")
    if environment not in ENVIRONMENTS:
        raise ConfigError(f"ENGAGE_ENV must be one of {', '.join(ENVIRONMENTS)}, got {environment!r}")
    production = environment == "production"

    default_db = "sqlite:///" + os.path.join(instance_path, "engage.db")
    database_url = normalise_database_url(env_str(env, "DATABASE_URL") or default_db)

    secret_key = env_str(env, "SECRET_KEY") or DEV_SECRET_KEY
    upload_mb = env_int(env, "MAX_UPLOAD_MB", 20, minimum=1)

    return {
        "ENGAGE_ENV": environment,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PUBLIC_BASE_URL": env_str(env, "PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "SENDGRID_API_KEY": env_str(env, "SENDGRID_API_KEY"),
        "SENDGRID_API_HOST": env_str(env, "SENDGRID_API_HOST", "https://api.sendgrid.com"),
        "SENDGRID_WEBHOOK_PUBLIC_KEY": env_str(env, "SENDGRID_WEBHOOK_PUBLIC_KEY"),
        "MAIL_FROM": env_str(env, "MAIL_FROM", "engage@example.org"),
        "MAX_CONTENT_LENGTH": upload_mb * 1024 * 1024,
        "RATELIMIT_STORAGE_URI": env_str(env, "RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": env_bool(env, "RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": env_str(env, "LOGIN_RATE_LIMIT", "5 per minute;30 per hour"),
        "TRUSTED_PROXY_COUNT": env_int(env, "TRUSTED_PROXY_COUNT", 0),
        "SESSION_IDLE_MINUTES": env_int(env, "SESSION_IDLE_MINUTES", 30, minimum=1),
        "SESSION_MAX_HOURS": env_int(env, "SESSION_MAX_HOURS", 12, minimum=1),
        "SESSION_COOKIE_NAME": "engage_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env_bool(env, "SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_SECURE": env_bool(env, "SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session, which expires itself
        "SCHEDULER_ENABLED": env_bool(env, "SCHEDULER_ENABLED", False),
        "DEMO_BANNER": env_bool(env, "DEMO_BANNER", True),
        "LOG_LEVEL": env_str(env, "LOG_LEVEL", "INFO").upper(),
        "DEBUG": False,
        "TESTING": environment == "test",
    }


def check_production_safety(config: Mapping[str, Any]) -> None:
    """Refuse to serve production with development secrets or debug switched on."""
    if config.get("ENGAGE_ENV") != "production":
        return
    key = config.get("SECRET_KEY") or ""
    if key == DEV_SECRET_KEY or len(key) < 32:
        raise ConfigError(
            "SECRET_KEY must be set to a random value of at least 32 characters in production "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    if config.get("DEBUG"):
        raise ConfigError("DEBUG must be off in production")
