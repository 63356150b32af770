"""Configuration: safe defaults in code, secrets and deployment settings from the environment.

`load_config()` reads the environment once; `create_app(config)` can override any key (tests do).
A `.env` file in the project folder is read if present (python-dotenv), never committed.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from dotenv import load_dotenv

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-not-secret-change-me"  # noqa: S105 - refused in production, see check_production
MIN_SECRET_KEY_LENGTH = 32


def _env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{PROJECT_DIR / 'instance' / 'clinic.db'}"
    # Heroku-style URLs and plain postgresql:// both mean psycopg 3 here.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_config() -> dict:
    load_dotenv(PROJECT_DIR / ".env")
    https = _env_bool("CLINIC_HTTPS")
    redis_url = os.environ.get("REDIS_URL")
    mail_server = os.environ.get("MAIL_SERVER")
    return {
        "ENV_NAME": os.environ.get("CLINIC_ENV", "development"),
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,  # the login session's own timeouts bound a form's life
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "SESSION_COOKIE_NAME": "clinic_session",
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "CLINIC_HTTPS": https,
        # How many reverse proxies (nginx, a load balancer) stand in front of the app. Their X-Forwarded-*
        # headers are trusted only then: throttling and the audit trail need the visitor's real address.
        "TRUSTED_PROXIES": int(os.environ.get("CLINIC_TRUSTED_PROXIES", "0")),
        # E-mail: SMTP when MAIL_SERVER is set, otherwise printed to the console (development).
        "MAIL_BACKEND": "smtp" if mail_server else "console",
        "MAIL_SERVER": mail_server or "localhost",
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _env_bool("MAIL_USE_TLS"),
        "MAIL_USE_SSL": _env_bool("MAIL_USE_SSL"),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "clinic@localhost"),
        "MAIL_TIMEOUT": 10,
        # Password hashing cost (argon2id). Tests lower it; production keeps the library's defaults.
        "ARGON2_TIME_COST": int(os.environ.get("ARGON2_TIME_COST", "3")),
        "ARGON2_MEMORY_COST": int(os.environ.get("ARGON2_MEMORY_COST", "65536")),
        # Single-use token lifetimes.
        "PASSWORD_RESET_HOURS": 2,
        "INVITATION_HOURS": 72,
        "LOGIN_RATE_LIMIT": "5 per minute;20 per hour",
        "LOGIN_IP_RATE_LIMIT": "60 per minute",
        "PATIENTS_PER_PAGE": 25,
        # Audit events older than this many years are moved to files by `flask audit archive` (HIPAA: 6).
        "AUDIT_RETENTION_YEARS": int(os.environ.get("CLINIC_AUDIT_RETENTION_YEARS", "6")),
        # Where `flask audit archive` writes its files; default instance/audit-archive. Back this folder up.
        "AUDIT_ARCHIVE_DIR": os.environ.get("CLINIC_AUDIT_ARCHIVE_DIR"),
        # Links in e-mails sent outside a web request (the reminders dispatcher): the site's public address.
        "CLINIC_BASE_URL": os.environ.get("CLINIC_BASE_URL"),
        # Extra host names the app answers to (comma-separated), besides the one in CLINIC_BASE_URL.
        "CLINIC_TRUSTED_HOSTS": os.environ.get("CLINIC_TRUSTED_HOSTS", ""),
        # Request bodies: small everywhere, photo uploads up to the photo limit (clinic/limits.py).
        "MAX_CONTENT_LENGTH": int(os.environ.get("CLINIC_MAX_BODY_BYTES", str(1024 * 1024))),
        # The login throttle must be shared by every worker: production needs REDIS_URL unless it runs one.
        "CLINIC_SINGLE_PROCESS": _env_bool("CLINIC_SINGLE_PROCESS"),
        "MAIL_MESSAGE_ID_DOMAIN": os.environ.get("MAIL_MESSAGE_ID_DOMAIN"),
        # SMS: a Twilio-compatible REST API when SMS_BACKEND=twilio, otherwise printed (or appended to a file).
        "SMS_BACKEND": os.environ.get("SMS_BACKEND", "console"),
        "SMS_API_BASE_URL": os.environ.get("SMS_API_BASE_URL", "https://api.twilio.com"),
        "SMS_ACCOUNT_SID": os.environ.get("SMS_ACCOUNT_SID"),
        "SMS_AUTH_TOKEN": os.environ.get("SMS_AUTH_TOKEN"),
        "SMS_FROM": os.environ.get("SMS_FROM"),
        "SMS_CONSOLE_FILE": os.environ.get("SMS_CONSOLE_FILE"),
        "CLINIC_PHONE_REGION": os.environ.get("CLINIC_PHONE_REGION", "US"),
        # Clinical photographs live outside static/; default instance/photos. Back this folder up.
        "CLINIC_PHOTO_DIR": os.environ.get("CLINIC_PHOTO_DIR"),
        "CLINIC_PHOTO_MAX_BYTES": int(os.environ.get("CLINIC_PHOTO_MAX_BYTES", str(10 * 1024 * 1024))),
        # A CSV uploaded on the admin's import page (10,000 patients take about 1.5 MB).
        "CLINIC_IMPORT_MAX_BYTES": int(os.environ.get("CLINIC_IMPORT_MAX_BYTES", str(10 * 1024 * 1024))),
        # Prices are shown in this currency (ISO 4217) with this locale's conventions (Babel).
        "CLINIC_CURRENCY": os.environ.get("CLINIC_CURRENCY", "USD"),
        "CLINIC_LOCALE": os.environ.get("CLINIC_LOCALE", "en_US"),
        # The patient side's language when neither the patient's choice nor the browser's fits ("en" or "es").
        "CLINIC_DEFAULT_LANGUAGE": os.environ.get("CLINIC_DEFAULT_LANGUAGE", "en"),
        # Pixel budget for clinical photos, checked from the header before anything is decoded.
        "CLINIC_PHOTO_MAX_PIXELS": int(os.environ.get("CLINIC_PHOTO_MAX_PIXELS", str(24_000_000))),
        # FHIR: the base of this clinic's own code systems, identifier systems and extensions (a URL the clinic
        # controls; `{base}/CodeSystem/procedure`...). See clinic/interop/fhir/mapping.py for the table.
        "CLINIC_FHIR_SYSTEM_BASE": os.environ.get("CLINIC_FHIR_SYSTEM_BASE", "https://clinic.example/fhir"),
    }


ENV_NAMES = ("development", "test", "production")
LOCAL_RUN_HOSTS = {"127.0.0.1", "localhost", "::1"}


def check_environment(config: dict) -> None:
    """Refuse an unknown `CLINIC_ENV` (`Production`, `prod` ...): a typo must not mean "development".

    The public development key is accepted only under tests or a command-line run on this machine
    (`flask run` on a local address, `flask db upgrade`, `flask seed-demo` ...); any WSGI server
    (gunicorn) needs a real SECRET_KEY whatever the environment name.
    """
    name = config.get("ENV_NAME")
    if name not in ENV_NAMES:
        raise RuntimeError(f"CLINIC_ENV={name!r} is not one of {', '.join(ENV_NAMES)}.")
    if config.get("SECRET_KEY") == DEV_SECRET_KEY and not (config.get("TESTING") or _local_cli_run()):
        raise RuntimeError(
            "SECRET_KEY is the public development key: set a random value of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters outside tests and a local `flask run`."
        )


def _local_cli_run() -> bool:
    """True inside the `flask` command line, and for `flask run` only on a local address."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return False
    if ctx.info_name == "run":
        return str(ctx.params.get("host") or "127.0.0.1") in LOCAL_RUN_HOSTS
    return True


def check_production(config: dict) -> None:
    """Refuse to start a production app with a missing, default or short SECRET_KEY, or without the public
    address that links in reminder e-mails need."""
    check_environment(config)
    if config.get("ENV_NAME") != "production":
        return
    key = config.get("SECRET_KEY") or ""
    if key == DEV_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 10:
        raise RuntimeError(
            "SECRET_KEY is missing or weak: set a random value of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters "
            "(python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
    if not (config.get("CLINIC_BASE_URL") or "").startswith(("https://", "http://")):
        raise RuntimeError("CLINIC_BASE_URL is missing: set the site's public address, e.g. https://clinic.example.org")
    if config.get("SMS_BACKEND") == "twilio":
        missing = [k for k in ("SMS_ACCOUNT_SID", "SMS_AUTH_TOKEN", "SMS_FROM") if not config.get(k)]
        if missing:
            raise RuntimeError(f"SMS_BACKEND=twilio needs {', '.join(missing)}.")
    storage = config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if storage.startswith("memory://") and not config.get("CLINIC_SINGLE_PROCESS"):
        raise RuntimeError(
            "REDIS_URL is missing: the login throttle must be shared by every worker process. Set REDIS_URL, "
            "or CLINIC_SINGLE_PROCESS=1 when the app runs as exactly one process (gunicorn -w 1)."
        )
