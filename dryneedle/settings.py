"""Settings for dryneedle, read from the environment.

Patient data lives here, so the defaults fail closed: DEBUG is off, and without
DEBUG=True a missing SECRET_KEY or ALLOWED_HOSTS stops start-up. Every variable
is documented in docs/configuration.md (a test checks this).
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from dryneedle.lib.env import demo_secret, envbool, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent

DEBUG = envbool("DEBUG", False)
# Set by `dryneedle demo` only: allows a generated key stored in DATA_DIR.
DEMO = envbool("DRYNEEDLE_DEMO", False)
DATA_DIR = Path(envstr("DATA_DIR", "var")).resolve()

SECRET_KEY = envstr("SECRET_KEY")
if not SECRET_KEY and DEMO:
    SECRET_KEY = demo_secret(DATA_DIR / "secret_key", 50)
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE), "
            "or DEBUG=True for development. See docs/configuration.md."
        )
    # Reached only with DEBUG=True.
    SECRET_KEY = "insecure-development-key-only-with-debug-true"  # noqa: S105  # nosec B105

# The audit chains' heads are anchored in a signed file outside the database
# (dryneedle/audit/checkpoints.py); the key must not live in the database.
AUDIT_CHECKPOINT_KEY = envstr("AUDIT_CHECKPOINT_KEY")
if not AUDIT_CHECKPOINT_KEY and DEMO:
    AUDIT_CHECKPOINT_KEY = demo_secret(DATA_DIR / "audit_checkpoint_key", 32)
# Encrypts and authenticates backups (dryneedle/web/backup.py); never in the backup itself.
BACKUP_KEY = envstr("BACKUP_KEY")
AUDIT_CHECKPOINT_FILE = envstr("AUDIT_CHECKPOINT_FILE", str(DATA_DIR / "audit-checkpoints.jsonl"))

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is not set. Set ALLOWED_HOSTS=clinic.example.org "
            "(comma-separated), or DEBUG=True for development. See docs/configuration.md."
        )
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "dryneedle.web",
    "dryneedle.accounts",
    "dryneedle.practitioners",
    "dryneedle.patients",
    "dryneedle.screening",
    "dryneedle.consent",
    "dryneedle.visits",
    "dryneedle.portal",
    "dryneedle.outcomes",
    "dryneedle.adverse_events",
    "dryneedle.aftercare",
    "dryneedle.plans",
    "dryneedle.messaging",
    "dryneedle.appointments",
    "dryneedle.directory",
    "dryneedle.analytics",
    "dryneedle.audit",
    "dryneedle.fhir",
    "dryneedle.exports",
    "dryneedle.imports",
    "dryneedle.retention",
    "dryneedle.care",
    "dryneedle.mine",
    "dryneedle.demo",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs page from our own static files, not a CDN
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dryneedle.web.middleware.security_headers",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "dryneedle.web.middleware.session_timeout",
    "dryneedle.web.idempotency.idempotency",
    "dryneedle.web.replica.mark_writes",
    "dryneedle.accounts.middleware.current_clinic",
    "dryneedle.accounts.middleware.require_mfa",
    "dryneedle.mine.language.patient_language",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dryneedle.urls"
WSGI_APPLICATION = "dryneedle.wsgi.application"

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
                "dryneedle.accounts.middleware.clinic_context",
                "dryneedle.aftercare.views.alerts",
                "dryneedle.mine.context.patient",
            ],
        },
    },
]

# How long after writing someone's reads stay on the primary when a standby serves reports (seconds).
REPLICA_READ_AFTER_WRITE_SECONDS = envint("REPLICA_READ_AFTER_WRITE_SECONDS", 30)

# Databases. SQLite by default; PostgreSQL (psycopg 3) when DATABASE_URL is set.
DATABASE_URL = envstr("DATABASE_URL")
# The role `dryneedle migrate` grants row access to (lib/pgroles.py); set by the entry point
# when DATABASE_OWNER_URL is used, or by hand.
DATABASE_APP_ROLE = envstr("DATABASE_APP_ROLE")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    # No JIT: PostgreSQL compiles a query it estimates as costly (the report's and the worklist's correlated
    # subqueries) for 20-30 ms, more than the query then takes (benchmarks/results/effectiveness.txt).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    # A hot standby for reports, exports and analytics (web/replica.py, docs/scaling.md).
    DATABASE_REPLICA_URL = envstr("DATABASE_REPLICA_URL")
    if DATABASE_REPLICA_URL:
        DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60, conn_health_checks=True)
        # An unreachable standby must not hold a report for the TCP timeout: give up after 3 s and read the primary.
        DATABASES["replica"]["OPTIONS"] = {"options": "-c jit=off", "connect_timeout": 3}
        DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # tests read "the replica" from the test database
        DATABASE_ROUTERS = ["dryneedle.web.replica.ReplicaRouter"]
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "dryneedle.sqlite3"),
            "OPTIONS": {
                # WAL with synchronous=FULL: a signed note must survive a power cut,
                # NORMAL may lose the last commits (security-battery.md §3.2).
                # IMMEDIATE makes writers queue on the busy timeout instead of
                # failing with "database is locked".
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # ASVS 4.0.3 2.1.1: at least 12 characters; no composition rules (ASVS 5.0 6.2.5).
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Keyboard walks, names and dates: a strength estimator (security battery finding 11).
    {"NAME": "dryneedle.accounts.passwords.StrengthValidator"},
]
LOGIN_URL = "login"
# TOTP second factor (RFC 6238, 30-second steps): required for clinic admins and
# superusers, optional for everyone else (security-battery.md RT-11).
OTP_TOTP_ISSUER = "dryneedle"
LOGIN_REDIRECT_URL = "home"

# Sessions: server-side, ended on idle (default 15 min) and after an absolute cap
# (default 12 h, ASVS 4.0.3 3.3.2). The timeout middleware enforces both.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_IDLE_SECONDS = envint("SESSION_IDLE_MINUTES", 15) * 60
SESSION_MAX_SECONDS = envint("SESSION_MAX_HOURS", 12) * 3600
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# HTTPS. On by default; `dryneedle demo` turns it off because it serves plain
# HTTP on the loopback address.
HTTPS = envbool("HTTPS", True)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_NAME = "__Host-sessionid" if HTTPS else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if HTTPS else "csrftoken"
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if envbool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Login throttling (django-axes, security-battery.md RT-07, issue 15 finding 10):
# lock an account *and address* pair, so that nobody can lock another person out
# from afar; failures for the account from every address slow it down instead
# (accounts/throttle.py, NIST SP 800-63B §5.2.2), and a lockout emails the
# owner a link to clear it.
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("LOGIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
LOGIN_MAX_WAIT_MINUTES = envint("LOGIN_MAX_WAIT_MINUTES", 15)
# NIST SP 800-63B §5.2.2: no more than 100 consecutive failed attempts on one account.
LOGIN_MAX_CONSECUTIVE_FAILURES = envint("LOGIN_MAX_CONSECUTIVE_FAILURES", 100)
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_CALLABLE = "dryneedle.accounts.views.locked_out"
AXES_VERBOSE = False
# Our audit log records logins; axes keeps only what lockout needs, and
# stale failure rows are pruned on every failure (practitioners/apps.py), so a
# flood of random user names cannot grow the table without bound
# (GNUHEALTH-SA-2016-1; security-battery.md RT-07c).
AXES_DISABLE_ACCESS_LOG = True

LANGUAGE_CODE = "en-gb"
# The patient's pages (/my/) speak these (issue 19), chosen from the patient's preferred language, else the
# browser's, and switchable on every page (mine/language.py). Staff pages are in English. Validated questionnaires
# appear in a language only from a licensed text pack for it, never machine-translated.
LANGUAGES = [("en-gb", "English"), ("es", "Español"), ("fr-ca", "Français (Canada)")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "dryneedle@localhost")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)

# Logs carry no patient data: views log nothing about patients, and the audit
# trail lives in the database, not in log files.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
    "loggers": {"axes": {"level": "ERROR"}},
}

# A silenced deploy check needs a written reason here (security-battery.md RT-09).
SILENCED_SYSTEM_CHECKS: list[str] = []
if not HTTPS:
    # The demo serves plain HTTP on loopback; production keeps HTTPS=True.
    SILENCED_SYSTEM_CHECKS += ["security.W004", "security.W008", "security.W012", "security.W016"]
LOGIN_URL_PATH = "/login/"
CSRF_FAILURE_VIEW = "dryneedle.web.views.csrf_failure"
# One worker process per CPU, four threads each (gunicorn's gthread): chosen by `make bench` on 2 CPUs, where
# four threads gave the quick pages a lower p95 than sync workers with 20 users (benchmarks/results/2026-12-06.md;
# docs/operations.md, "The server"). WEB_THREADS=1 runs sync workers.
WEB_WORKERS = envint("WEB_WORKERS", os.cpu_count() or 2)
WEB_THREADS = envint("WEB_THREADS", 4)
BREAK_GLASS_MINUTES = envint("BREAK_GLASS_MINUTES", 60)
SCREENING_VALID_DAYS = envint("SCREENING_VALID_DAYS", 30)
PATIENT_LINK_DAYS = envint("PATIENT_LINK_DAYS", 7)
# Unknown link tokens one address may try per ten minutes before it is refused (web/lookups.py).
LINK_MISSES_PER_ADDRESS = envint("LINK_MISSES_PER_ADDRESS", 20)
# Where patients reach this server: links in messages sent by `dryneedle send_due` (no request to ask).
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000" if DEMO else "").rstrip("/")
CHECKIN_HOURS = envint("CHECKIN_HOURS", 24)
# An HTTP hook that texts the clinic's on-call phone about an urgent check-in answer (no patient data); off by default.
ON_CALL_SMS_HOOK = envstr("ON_CALL_SMS_HOOK", "")
# Text messages to patients who agreed to them (lib/sms.py): "", console, file, memory or http. Off by default.
SMS_BACKEND = envstr("SMS_BACKEND", "console" if DEMO else "")
if SMS_BACKEND not in ("", "console", "file", "memory", "http"):
    raise ImproperlyConfigured("SMS_BACKEND is one of console, file, memory, http (or empty: no texts).")
SMS_FILE = envstr("SMS_FILE", str(DATA_DIR / "texts.jsonl"))
SMS_HTTP_URL = envstr("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = envstr("SMS_HTTP_TOKEN", "")
if SMS_BACKEND == "http" and not SMS_HTTP_URL.startswith("https://") and not DEBUG:
    raise ImproperlyConfigured("SMS_BACKEND=http needs SMS_HTTP_URL, an https:// address.")
CHECKIN_SECOND_HOURS = envint("CHECKIN_SECOND_HOURS", 48)
# Appointment reminders go out this many hours ahead (`dryneedle send_reminders`).
REMINDER_HOURS = envint("REMINDER_HOURS", 24)
# How long a patient's home-exercise link stays valid.
EXERCISE_LINK_DAYS = envint("EXERCISE_LINK_DAYS", 90)
