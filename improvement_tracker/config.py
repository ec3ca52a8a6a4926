"""Every setting comes from the environment, with safe defaults for the embedded mode.

Embedded mode (the default) keeps its SQLite database, secret key and uploads under
``instance/``. Production mode (``APP_ENV=production``) refuses to start unless the
settings that must never be defaulted are given.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the service must not start."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int, env: dict[str, str]) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _embedded_secret_key(instance_path: Path) -> str:
    """A random key generated once and kept in instance/, so sessions survive restarts."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def normalise_database_url(url: str) -> str:
    """Accept the postgres:// and postgresql:// spellings and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def load_config(instance_path: str | Path, env: dict[str, str] | None = None) -> dict:
    """Build the Flask config mapping from the environment."""
    env = dict(os.environ if env is None else env)
    instance = Path(instance_path)
    app_env = env.get("APP_ENV", "embedded").strip().lower()
    if app_env not in {"embedded", "production"}:
        raise ConfigError("APP_ENV must be 'embedded' or 'production'")
    production = app_env == "production"

    secret_key = env.get("SECRET_KEY", "")
    database_url = env.get("DATABASE_URL", "")
    if production:
        missing = [name for name, value in (("SECRET_KEY", secret_key), ("DATABASE_URL", database_url)) if not value]
        if missing:
            raise ConfigError(f"Production mode needs {', '.join(missing)}: refusing to start")
        if len(secret_key) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters in production")
        if database_url.startswith("sqlite"):
            raise ConfigError("Production mode needs PostgreSQL in DATABASE_URL, not SQLite")
    if not secret_key:
        secret_key = _embedded_secret_key(instance)
    if not database_url:
        database_url = f"sqlite:///{instance / 'improvement_tracker.sqlite3'}"

    debug = _bool(env.get("FLASK_DEBUG"), False)
    secure_cookies = _bool(env.get("SESSION_COOKIE_SECURE"), production or not debug)
    if production and not secure_cookies:
        raise ConfigError("SESSION_COOKIE_SECURE cannot be turned off in production")

    max_upload_mb = _int("MAX_UPLOAD_MB", 20, env)
    max_files = _int("MAX_FILES_PER_UPLOAD", 10, env)
    idle_minutes = _int("SESSION_IDLE_MINUTES", 30, env)
    max_hours = _int("SESSION_MAX_HOURS", 12, env)

    return {
        "APP_ENV": app_env,
        "PRODUCTION": production,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BASE_URL": env.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "UPLOAD_DIR": env.get("UPLOAD_DIR", str(instance / "uploads")),
        "MAX_UPLOAD_MB": max_upload_mb,
        # The whole request may carry several files plus form fields.
        "MAX_CONTENT_LENGTH": (max_upload_mb * max(max_files, 1) + 1) * 1024 * 1024,
        "MAX_FILES_PER_UPLOAD": max_files,
        # Virus scanning: off unless clamd is configured (a UNIX socket, or a host and port).
        "CLAMD_SOCKET": env.get("CLAMD_SOCKET", ""),
        "CLAMD_HOST": env.get("CLAMD_HOST", ""),
        "CLAMD_PORT": _int("CLAMD_PORT", 3310, env),
        "CLAMD_TIMEOUT": _int("CLAMD_TIMEOUT", 60, env),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "SESSION_COOKIE_NAME": "__Host-session" if secure_cookies else "session",
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        # Flask signs the cookie with a timestamp and refuses it after this long,
        # and refreshes it on every request: an idle timeout enforced by the server.
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=idle_minutes),
        "SESSION_REFRESH_EACH_REQUEST": True,
        # However active, a session ends this long after sign-in: a copied cookie kept busy
        # cannot live for ever.
        "SESSION_MAX_AGE": timedelta(hours=max_hours),
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,  # the session's own lifetime bounds the token
        "LOGIN_MAX_ATTEMPTS": _int("LOGIN_MAX_ATTEMPTS", 5, env),
        "LOGIN_WINDOW_MINUTES": _int("LOGIN_WINDOW_MINUTES", 15, env),
        "HSTS_ENABLED": _bool(env.get("HSTS_ENABLED"), production),
        "PAGE_SIZE": _int("PAGE_SIZE", 50, env),
        "TRUST_PROXY": _bool(env.get("TRUST_PROXY"), False),
        "SERVICE_NAME": "Improvement Tracker",
        # Email: SMTP when SMTP_HOST is set, otherwise one .eml per message in OUTBOX_DIR.
        "SMTP_HOST": env.get("SMTP_HOST", ""),
        "SMTP_PORT": _int("SMTP_PORT", 25, env),
        "SMTP_USERNAME": env.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool(env.get("SMTP_STARTTLS"), False),
        "SMTP_TIMEOUT": _int("SMTP_TIMEOUT", 30, env),
        "MAIL_FROM": env.get("MAIL_FROM", "Improvement Tracker <no-reply@improvement-tracker.invalid>"),
        "OUTBOX_DIR": env.get("OUTBOX_DIR", str(instance / "outbox")),
        "MAIL_MAX_ATTEMPTS": _int("MAIL_MAX_ATTEMPTS", 5, env),
    }
