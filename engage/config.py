"""Settings read from the environment, with safe defaults for development.

Every value is parsed and checked here, at start-up, so a typo in a deployment fails
loudly instead of surfacing later as odd behaviour.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from engage.public_address import public_address_warning

DEFAULT_ATTENDANCE_MIN_MINUTES = 10

DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"  # noqa: S105 - refused in production
MIN_SECRET_KEY_LENGTH = 32
# A floor against keys typed by hand ("aaaa...", "changeme" repeated), not a proof of randomness:
# secrets.token_urlsafe(48) clears both by far.
MIN_SECRET_KEY_DISTINCT = 12
MIN_SECRET_KEY_BITS = 128
MAKE_A_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
ENVIRONMENTS = ("development", "production", "test")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


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


def env_rate_limit(env: Mapping[str, str], name: str, default: str) -> str:
    """A Flask-Limiter limit string such as `5 per minute;30 per hour`, checked now."""
    from limits import parse_many

    value = env_str(env, name, default)
    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(
            f"{name} must look like '5 per minute;30 per hour', got {value!r}"
        ) from None
    return value


def env_list(env: Mapping[str, str], name: str) -> list[str]:
    """A comma-separated setting as a list, blanks dropped."""
    return [item.strip() for item in env.get(name, "").split(",") if item.strip()]


def load_settings(
    env: Mapping[str, str] | None = None, instance_path: str = "instance"
) -> dict[str, Any]:
    """Build the Flask config mapping from environment variables."""
    env = os.environ if env is None else env
    default_db = "sqlite:///" + os.path.join(instance_path, "engage.db")
    database_url = normalise_database_url(env_str(env, "DATABASE_URL") or default_db)
    environment = env_str(env, "ENGAGE_ENV") or default_environment(database_url, default_db)
    if environment not in ENVIRONMENTS:
        raise ConfigError(
            f"ENGAGE_ENV must be one of {', '.join(ENVIRONMENTS)}, got {environment!r}"
        )
    production = environment == "production"
    secure_cookies = env_bool(env, "SESSION_COOKIE_SECURE", production)
    max_hours = env_int(env, "SESSION_MAX_HOURS", 12, minimum=1)

    secret_key = env_str(env, "SECRET_KEY") or DEV_SECRET_KEY
    upload_mb = env_int(env, "MAX_UPLOAD_MB", 20, minimum=1)
    login_limit = env_rate_limit(env, "LOGIN_RATE_LIMIT", "5 per minute;30 per hour")
    # Per client address (hashed) on /q/<code>: a staff room scanning a poster together stays
    # far below it; a script walking codes or faking visitors does not.
    scan_limit = env_rate_limit(env, "SCAN_RATE_LIMIT", "60 per minute;600 per hour")
    log_level = env_str(env, "LOG_LEVEL", "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {log_level!r}")
    public_base_url = env_str(env, "PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    if not public_base_url.startswith(("http://", "https://")):
        raise ConfigError(f"PUBLIC_BASE_URL must start with https://, got {public_base_url!r}")

    return {
        "ENGAGE_ENV": environment,
        "SECRET_KEY": secret_key,
        # Old keys still accepted for reading cookies, so a key rotation signs nobody out.
        "SECRET_KEY_FALLBACKS": env_list(env, "SECRET_KEY_FALLBACKS"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PUBLIC_BASE_URL": public_base_url,
        "SENDGRID_API_KEY": env_str(env, "SENDGRID_API_KEY"),
        "SENDGRID_API_HOST": env_str(env, "SENDGRID_API_HOST", "https://api.sendgrid.com"),
        "SENDGRID_WEBHOOK_PUBLIC_KEY": env_str(env, "SENDGRID_WEBHOOK_PUBLIC_KEY"),
        "SENDGRID_TIMEOUT_SECONDS": env_int(env, "SENDGRID_TIMEOUT_SECONDS", 10, minimum=1),
        "SENDGRID_CONCURRENCY": env_int(env, "SENDGRID_CONCURRENCY", 4, minimum=1),
        "SENDGRID_BATCH_SIZE": env_int(env, "SENDGRID_BATCH_SIZE", 50, minimum=1),
        "OUTBOX_MAX_ATTEMPTS": env_int(env, "OUTBOX_MAX_ATTEMPTS", 8, minimum=1),
        "MAX_CONTENT_LENGTH": upload_mb * 1024 * 1024,
        "RATELIMIT_STORAGE_URI": env_str(env, "RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": env_bool(env, "RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        # If Redis goes away, keep limiting per worker rather than failing every log-in.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "LOGIN_RATE_LIMIT": login_limit,
        "SCAN_RATE_LIMIT": scan_limit,
        # Unknown codes stored one row per scan up to this many a UK day, then only counted.
        "SCAN_MISS_DAILY_CAP": env_int(env, "SCAN_MISS_DAILY_CAP", 100, minimum=1),
        # One awareness answer per visitor key and service in this many minutes: a double tap
        # is not counted twice, while a colleague on the same network can answer later.
        "AWARENESS_BURST_MINUTES": env_int(env, "AWARENESS_BURST_MINUTES", 10, minimum=1),
        # Named on the public privacy notice and accessibility statement (an email address or
        # a line of text); the demo shows an example address when they are not set.
        "DATA_PROTECTION_CONTACT": env_str(env, "DATA_PROTECTION_CONTACT"),
        "ACCESSIBILITY_CONTACT": env_str(env, "ACCESSIBILITY_CONTACT"),
        # Minutes in a meeting that count as attending (or half the meeting, if shorter);
        # anyone below is kept as "joined briefly" and not counted.
        "ATTENDANCE_MIN_MINUTES": env_int(env, "ATTENDANCE_MIN_MINUTES",
                                          DEFAULT_ATTENDANCE_MIN_MINUTES, minimum=1),
        # Per account: a growing wait after this many failures in a row, never a lock-out.
        "LOGIN_ACCOUNT_FREE_FAILURES": env_int(env, "LOGIN_ACCOUNT_FREE_FAILURES", 5, minimum=1),
        "LOGIN_ACCOUNT_MAX_WAIT_SECONDS": env_int(env, "LOGIN_ACCOUNT_MAX_WAIT_SECONDS", 120,
                                                  minimum=1),
        "TRUSTED_PROXY_COUNT": env_int(env, "TRUSTED_PROXY_COUNT", 0),
        "SESSION_IDLE_MINUTES": env_int(env, "SESSION_IDLE_MINUTES", 30, minimum=1),
        "SESSION_MAX_HOURS": max_hours,
        # The browser drops the cookie by itself once the absolute lifetime is over.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=max_hours),
        # __Host- makes browsers refuse the cookie unless it is Secure, host-only and path /,
        # so a sibling subdomain cannot plant or overwrite it.
        "SESSION_COOKIE_NAME": "__Host-engage_session" if secure_cookies else "engage_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        # The token lives as long as the session, which expires by itself.
        "WTF_CSRF_TIME_LIMIT": None,
        "SCHEDULER_ENABLED": env_bool(env, "SCHEDULER_ENABLED", False),
        **reminder_settings(env),
        **provider_settings(env),
        **mail_settings(env),
        "DEMO_BANNER": env_bool(env, "DEMO_BANNER", True),
        "LOG_LEVEL": log_level,
        "DEBUG": False,
        "TESTING": environment == "test",
    }


def default_environment(database_url: str, default_db: str) -> str:
    """Without ENGAGE_ENV, only `make run`'s own SQLite file is development.

    Anything else (PostgreSQL, another file) may be a real installation whose operator forgot
    the variable: it then gets production's checks rather than the published development key.
    """
    return "development" if database_url == default_db else "production"


def reminder_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The scheduler's tick, business hours and the weekly digest (see engage/scheduler.py)."""
    start = env_int(env, "BUSINESS_HOURS_START", 9)
    end = env_int(env, "BUSINESS_HOURS_END", 17)
    if not 0 <= start < end <= 23:
        raise ConfigError(
            "BUSINESS_HOURS_START and BUSINESS_HOURS_END are hours of the day (0 to 23), "
            f"start before end; got {start} and {end}"
        )
    weekday = env_int(env, "DIGEST_WEEKDAY", 0)
    hour = env_int(env, "DIGEST_HOUR", 8)
    if weekday > 6 or hour > 23:
        raise ConfigError(
            f"DIGEST_WEEKDAY is 0 (Monday) to 6 and DIGEST_HOUR 0 to 23; got {weekday} and {hour}"
        )
    return {
        "SCHEDULER_TICK_SECONDS": env_int(env, "SCHEDULER_TICK_SECONDS", 60, minimum=1),
        # A row left "sending" this long by a process that died is sent again (scheduler job).
        "OUTBOX_SENDING_TIMEOUT_SECONDS": env_int(env, "OUTBOX_SENDING_TIMEOUT_SECONDS", 600,
                                                  minimum=1),
        "REMINDER_QUEUE_AHEAD_HOURS": env_int(env, "REMINDER_QUEUE_AHEAD_HOURS", 24),
        "BUSINESS_HOURS_START": start,
        "BUSINESS_HOURS_END": end,
        "DIGEST_ENABLED": env_bool(env, "DIGEST_ENABLED", True),
        "DIGEST_WEEKDAY": weekday,
        "DIGEST_HOUR": hour,
        "DIGEST_COLD_DAYS": env_int(env, "DIGEST_COLD_DAYS", 60, minimum=1),
        "DIGEST_RECIPIENTS": env_list(env, "DIGEST_RECIPIENTS"),
    }


def mail_settings(env: Mapping[str, str]) -> dict[str, str]:
    """Who email comes from and where replies go; a bad address stops start-up, not a send."""
    from_email = env_str(env, "MAIL_FROM", "engage@example.org")
    from_name = env_str(env, "MAIL_FROM_NAME", "Occupational health outreach")
    reply_to = env_str(env, "MAIL_REPLY_TO")
    if not from_name or len(from_name) > 80 or any(c in from_name for c in "\r\n<>\""):
        raise ConfigError("MAIL_FROM_NAME must be 1 to 80 characters with no line breaks, "
                          f"quotes or angle brackets, got {from_name!r}")
    if "MAIL_FROM" in env and not from_email:
        raise ConfigError("MAIL_FROM is empty: set it to a sender verified in SendGrid, "
                          "or unset it")
    for name in ("MAIL_FROM", "MAIL_REPLY_TO"):
        value = env_str(env, name)
        if not value:
            continue
        from email_validator import EmailNotValidError, validate_email  # only when set

        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            raise ConfigError(f"{name} is not an email address, got {value!r}") from None
    return {"MAIL_FROM": from_email, "MAIL_FROM_NAME": from_name, "MAIL_REPLY_TO": reply_to}


def provider_settings(env: Mapping[str, str]) -> dict[str, str]:
    """Who runs the OH service and how to reach them, for the public services page."""
    from engage.contact_values import phone_problem

    name = env_str(env, "PROVIDER_NAME")
    phone = env_str(env, "PROVIDER_PHONE")
    email = env_str(env, "PROVIDER_EMAIL")
    if len(name) > 120:
        raise ConfigError(f"PROVIDER_NAME must be at most 120 characters, got {len(name)}")
    if problem := phone_problem(phone):
        raise ConfigError(f"PROVIDER_PHONE is not a phone number ({problem}), got {phone!r}")
    if email:
        from email_validator import EmailNotValidError, validate_email  # only when set

        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            raise ConfigError(f"PROVIDER_EMAIL is not an email address, got {email!r}") from None
    return {"PROVIDER_NAME": name, "PROVIDER_PHONE": phone, "PROVIDER_EMAIL": email}


def secret_key_problem(key: str) -> str:
    """Why `key` cannot sign production cookies, or "" when it can."""
    if key == DEV_SECRET_KEY:
        return "is not set, or is the published development key"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"is shorter than {MIN_SECRET_KEY_LENGTH} characters" if key else "is not set"
    distinct = len(set(key))
    if distinct < MIN_SECRET_KEY_DISTINCT:
        return (f"uses only {distinct} different characters (at least "
                f"{MIN_SECRET_KEY_DISTINCT} needed)")
    bits = estimated_bits(key)
    if bits < MIN_SECRET_KEY_BITS:
        return f"looks guessable (about {bits:.0f} bits, at least {MIN_SECRET_KEY_BITS} needed)"
    return ""


def estimated_bits(key: str) -> float:
    """Shannon entropy of the key's own character frequencies, times its length."""
    counts = Counter(key).values()
    return -sum(n * math.log2(n / len(key)) for n in counts)


def check_secret_keys(config: Mapping[str, Any], env: Mapping[str, str]) -> None:
    """The same check for the signing key and every fallback: any of them can forge a cookie."""
    keys = [("SECRET_KEY", str(config.get("SECRET_KEY") or ""))]
    fallbacks = list(config.get("SECRET_KEY_FALLBACKS") or [])
    keys += [(f"SECRET_KEY_FALLBACKS entry {n} (of {len(fallbacks)})", str(key))
             for n, key in enumerate(fallbacks, start=1)]
    for name, key in keys:
        problem = secret_key_problem(key)
        if problem:
            why = ""
            if not env_str(env, "ENGAGE_ENV"):
                why = (" (engage runs as production because ENGAGE_ENV is not set and "
                       "DATABASE_URL is not the local development SQLite file; set "
                       "ENGAGE_ENV=development if this is not a real installation)")
            raise ConfigError(
                f"{name} {problem}: production needs a random key of at least "
                f"{MIN_SECRET_KEY_LENGTH} characters; make one with {MAKE_A_KEY}{why}"
            )


def check_production_safety(
    config: Mapping[str, Any], env: Mapping[str, str] | None = None
) -> None:
    """Refuse to serve production with development or weak secrets, debug or insecure cookies."""
    if config.get("ENGAGE_ENV") != "production":
        return
    env = os.environ if env is None else env
    check_secret_keys(config, env)
    # `flask run --debug` reads FLASK_DEBUG itself and would serve the interactive debugger.
    if config.get("DEBUG") or env_bool(env, "FLASK_DEBUG", False):
        raise ConfigError("Debug mode must be off in production: unset FLASK_DEBUG")
    if not config.get("SESSION_COOKIE_SECURE"):
        raise ConfigError(
            "SESSION_COOKIE_SECURE cannot be false in production: serve engage over HTTPS"
        )


def production_warnings(config: Mapping[str, Any]) -> list[str]:
    """Settings that work but are probably a mistake in production; logged at start-up."""
    if config.get("ENGAGE_ENV") != "production":
        return []
    warnings = []
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        warnings.append("DATABASE_URL is not set: using SQLite; production should use PostgreSQL")
    if config.get("RATELIMIT_STORAGE_URI", "").startswith("memory://"):
        warnings.append(
            "RATELIMIT_STORAGE_URI is memory://: each worker counts log-in failures on its own; "
            "use redis:// when running several workers"
        )
    address = public_address_warning(config.get("PUBLIC_BASE_URL", ""), production=True)
    if address:
        warnings.append(address)
    for name in ("DATA_PROTECTION_CONTACT", "ACCESSIBILITY_CONTACT"):
        if not config.get(name):
            warnings.append(f"{name} is not set: the public privacy notice and accessibility "
                            "statement name no one to contact")
    return warnings
