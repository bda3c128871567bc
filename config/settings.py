"""Settings, all read from the environment in this one place; bad values fail loudly."""

from __future__ import annotations

import importlib.util
import os
from datetime import timedelta
from pathlib import Path

from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def _env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def _secret(name: str, *, dev_file: str) -> str:
    """A secret from $NAME, else from the file named by $NAME_FILE (e.g. a Docker secret).

    Without either, a debug (local) run gets a random key kept per checkout in var/ (created
    once, mode 0600); production (debug off) refuses to start: a generated key would differ
    between the web and worker containers and change on every fresh container.
    """
    value = os.environ.get(name, "").strip()
    file_name = os.environ.get(f"{name}_FILE", "").strip()
    if not value and file_name:
        try:
            value = Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE cannot be read: {exc}") from None
    if value:
        return value
    if not DEBUG:
        raise ImproperlyConfigured(f"{name} (or {name}_FILE) is required when DJANGO_DEBUG is off")
    path = BASE_DIR / "var" / dev_file
    if not path.exists():
        import secrets

        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text(encoding="utf-8").strip()


# Production by default: debug is on only where asked for (`make demo`, a developer's shell).
DEBUG = _env_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = _secret("DJANGO_SECRET_KEY", dev_file="dev-secret-key")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "guardian",
    "audit",
    "registry",
    "registry.privacy",
    "registry.welfare",
    "api",
    "ninja",
    "procrastinate.contrib.django",
    "axes",
    "csp",
]
# Benchmark commands (bench_import, bench_pipeline) live in the `bench` app of a checkout;
# the production image neither installs nor copies bench/, so there it does not exist.
if importlib.util.find_spec("bench") is not None:
    INSTALLED_APPS.append("bench")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "api.middleware.BodySizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "registry.web.request_guard.NulGuardMiddleware",  # a NUL in a path or query: 400
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.error_pages.ErrorPagesMiddleware",
    "api.refusals.RefusalAuditMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

if os.environ.get("DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must point to a PostgreSQL server")
else:
    from config.embedded_db import database_settings

    DATABASES = {"default": database_settings()}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses every attempt on a locked-out account before a password is checked.
    "registry.web.auth.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": _env_int("PASSWORD_MIN_LENGTH", 12, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
ANONYMOUS_USER_NAME = None  # guardian: no anonymous object permissions; closed by default

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# HTTPS everywhere unless this is a plain-HTTP local run (debug, or the test suite's live
# servers, which set DJANGO_HTTPS=0): redirect, secure cookies, HSTS.
HTTPS = _env_bool("DJANGO_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = _env_int("DJANGO_HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = _env_bool("DJANGO_HSTS_PRELOAD", default=True)
# Behind a TLS-terminating reverse proxy (the usual set-up) that sets X-Forwarded-Proto.
if _env_bool("DJANGO_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_FAILURE_VIEW = "config.error_pages.csrf_failure"

# Content Security Policy (django-csp): every script and style is served by the app itself
# (no CDN, no inline code), so 'self' is all a page may load; no plugins, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # NONCE: added only to responses that draw one (the streamed import progress page).
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Web uploads with at least this many rows show a streamed progress page while importing.
WEB_IMPORT_PROGRESS_MIN_ROWS = int(os.environ.get("WEB_IMPORT_PROGRESS_MIN_ROWS", "20000"))

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Bounds on an uploaded file (web and API alike), checked before it is read
# (registry/ingest/limits.py); the command-line import keeps only the structural ones.
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "250000"))
IMPORT_MAX_COLUMNS = int(os.environ.get("IMPORT_MAX_COLUMNS", "200"))
IMPORT_MAX_CELLS = int(os.environ.get("IMPORT_MAX_CELLS", "5000000"))
XLSX_MAX_UNCOMPRESSED_BYTES = int(
    os.environ.get("XLSX_MAX_UNCOMPRESSED_BYTES", str(200 * 1024 * 1024))
)
XLSX_MAX_COMPRESSION_RATIO = int(os.environ.get("XLSX_MAX_COMPRESSION_RATIO", "100"))

# Never log personal data: application loggers log counts and ids only.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # database error text quotes the values it refused (NIKs, names): scrubbed first
    "filters": {"scrub": {"()": "registry.log_scrub.ScrubFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["scrub"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "pgserver": {"level": "WARNING"},
        # it announces every periodic task at import, i.e. on every manage.py command
        "procrastinate.periodic": {"level": "WARNING"},
        "procrastinate.blueprints": {"level": "WARNING"},
    },
}

# The city this registry serves (Kemendagri regency code, Kota Tangerang by default).
REGISTRY_REGENCY_CODE = os.environ.get("REGISTRY_REGENCY_CODE", "36.71")
# Recipient-list verification: rows one user may check per day (web and API together).
# An import waits this long for its agency's lock, then fails with a clear message; the
# statement and idle-in-transaction timeouts are backstops for a stuck or stopped importer.
IMPORT_LOCK_TIMEOUT_MS = _env_int("IMPORT_LOCK_TIMEOUT_MS", 5_000, minimum=1)
IMPORT_STATEMENT_TIMEOUT_MS = _env_int("IMPORT_STATEMENT_TIMEOUT_MS", 30 * 60_000, minimum=1)
IMPORT_IDLE_TIMEOUT_MS = _env_int("IMPORT_IDLE_TIMEOUT_MS", 10 * 60_000, minimum=1)
RECIPIENT_CHECK_ROWS_PER_DAY = int(os.environ.get("RECIPIENT_CHECK_ROWS_PER_DAY", "20000"))

# Concurrent test runs against one server need distinct test database names.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SATUDATA_TEST_DB", "test_satudata")}

# --- Limits read elsewhere through getattr(settings, ...): declared here, from the environment.
# Bytes of an API request body (413 above).
API_MAX_BODY_BYTES = _env_int("API_MAX_BODY_BYTES", DATA_UPLOAD_MAX_MEMORY_SIZE, minimum=1)
# Submissions with more records than this run as background jobs (202 + job to poll).
API_ASYNC_THRESHOLD = _env_int("API_ASYNC_THRESHOLD", 2000)
# Requests per minute for a web session using the API (tokens carry their own limit).
API_SESSION_RATE_LIMIT = _env_int("API_SESSION_RATE_LIMIT", 600, minimum=1)
# Longest API query before PostgreSQL cancels it (503 query_timeout).
API_STATEMENT_TIMEOUT_MS = _env_int("API_STATEMENT_TIMEOUT_MS", 5000, minimum=1)
# Staged web uploads (between the report and the confirmation).
WEB_UPLOAD_DIR = Path(os.environ.get("WEB_UPLOAD_DIR") or BASE_DIR / "var" / "uploads")
# Sanggahan (objections): days to verify one in the field (DTKS rules: 14), and the evidence
# files of proposals and objections (kept outside every served path; streamed by an audited
# view only).
OBJECTION_DEADLINE_DAYS = _env_int("OBJECTION_DEADLINE_DAYS", 14, minimum=1)
WELFARE_ATTACHMENT_DIR = Path(
    os.environ.get("WELFARE_ATTACHMENT_DIR") or BASE_DIR / "var" / "attachments"
)
WELFARE_ATTACHMENT_MAX_BYTES = _env_int("WELFARE_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024, minimum=1)
# Take the client address for the audit trail (and login throttling) from the right-most
# X-Forwarded-For entry: only behind our own reverse proxy, which appends it.
AUDIT_TRUST_X_FORWARDED_FOR = _env_bool("AUDIT_TRUST_X_FORWARDED_FOR", default=False)

# --- Login throttling (django-axes): web login and admin alike. Failures are counted per
# account (guessing one officer's password from anywhere) and per client address (one
# address trying many accounts); either reaching the limit locks until the cool-off ends, or
# earlier by `manage.py axes_reset_username NAME` / `axes_reset_ip ADDRESS`. A success resets
# the counts that match it, so an office behind one address is not locked by a few typos.
AXES_FAILURE_LIMIT = _env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=_env_int("LOGIN_LOCKOUT_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "registry.web.auth.lockout_response"
# The same client address as the audit trail (REMOTE_ADDR unless the proxy is trusted), so a
# forged X-Forwarded-For changes nothing.
AXES_CLIENT_IP_CALLABLE = "registry.web.auth.client_ip"
# Logins are recorded in the audit trail (registry.web.auth); axes keeps only its counters.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# --- External audit head: a periodic job appends the chain head, HMAC-signed with a key the
# database never sees, to an append-only file outside the database; verification compares the
# chain against the latest line (a consistent rewrite of the whole chain fails there).
AUDIT_HEAD_FILE = Path(os.environ.get("AUDIT_HEAD_FILE") or BASE_DIR / "var" / "audit-head.log")
AUDIT_HEAD_KEY = _secret("AUDIT_HEAD_KEY", dev_file="dev-audit-head-key")
AUDIT_HEAD_EXPORT_MINUTES = _env_int("AUDIT_HEAD_EXPORT_MINUTES", 10, minimum=1)
if AUDIT_HEAD_EXPORT_MINUTES > 59:
    raise ImproperlyConfigured("AUDIT_HEAD_EXPORT_MINUTES must be 1..59 (a cron minute step)")
