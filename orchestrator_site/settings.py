"""Settings for OpenOrchestrator Console, read from the environment (see .env.example)."""

from __future__ import annotations

import secrets
from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from orchestrator_site.dburl import parse_connection_string
from orchestrator_site.env import env_bool, env_int, env_list, env_secret, env_str
from orchestrator_site.formats import DEFAULT as DEFAULT_DATETIME_FORMAT
from orchestrator_site.formats import datetime_formats
from orchestrator_site.identity import upn_suffixes, username_form

BASE_DIR = Path(__file__).resolve().parent.parent
# An empty value means the default, as an unset one does (a shell `CONSOLE_VAR_DIR= ...` must not
# put the console's files in the working folder).
VAR_DIR = Path(env_str("CONSOLE_VAR_DIR") or str(BASE_DIR / "var"))

# --- Identity -----------------------------------------------------------------------------------
# "iis": requests come through IIS with the pairing secret; "remote-user": a trusted front end sets
# REMOTE_USER in the WSGI environment; "local": every request is CONSOLE_LOCAL_USER (development).
CONSOLE_PAIRING_SECRET = env_secret("CONSOLE_PAIRING_SECRET")
CONSOLE_PAIRING_HEADER = env_str("CONSOLE_PAIRING_HEADER", "X-Console-Pairing")
CONSOLE_LOCAL_USER = env_str("CONSOLE_LOCAL_USER").strip()
CONSOLE_LOCAL_ROLES = env_list(
    "CONSOLE_LOCAL_ROLES", ["Viewer", "Operator", "Automation admin", "Vault keeper"]
)
_default_mode = "local" if CONSOLE_LOCAL_USER else "iis"
CONSOLE_IDENTITY_MODE = env_str("CONSOLE_IDENTITY_MODE", _default_mode).strip().lower()
if CONSOLE_IDENTITY_MODE not in {"iis", "remote-user", "local"}:
    raise ImproperlyConfigured("CONSOLE_IDENTITY_MODE must be iis, remote-user or local.")
if CONSOLE_IDENTITY_MODE == "local":
    if CONSOLE_PAIRING_SECRET:
        raise ImproperlyConfigured(
            "Local sign-in mode (CONSOLE_LOCAL_USER) refuses to start while CONSOLE_PAIRING_SECRET "
            "is set: that secret means this is a production installation behind IIS."
        )
    if not CONSOLE_LOCAL_USER:
        raise ImproperlyConfigured("CONSOLE_IDENTITY_MODE=local needs CONSOLE_LOCAL_USER=<name>.")
if CONSOLE_IDENTITY_MODE == "iis" and not CONSOLE_PAIRING_SECRET:
    raise ImproperlyConfigured(
        "Set CONSOLE_PAIRING_SECRET (the secret IIS adds to every request, see deploy/README.md), "
        "or CONSOLE_LOCAL_USER=<name> for a local run."
    )
LOCAL_MODE = CONSOLE_IDENTITY_MODE == "local"
CONSOLE_ALLOWED_DOMAINS = [d.upper() for d in env_list("CONSOLE_ALLOWED_DOMAINS")]
# UPN suffix -> Windows domain: `ada@corp.example` signs in as CORP\ada only when listed here.
CONSOLE_UPN_SUFFIXES = upn_suffixes(env_list("CONSOLE_UPN_SUFFIXES"), CONSOLE_ALLOWED_DOMAINS)
# "domain\\user" (default), "user" (drop the domain; one allowed domain only) or "upn"
# (user@domain); always lower case.
CONSOLE_USERNAME_FORM = username_form(
    env_str("CONSOLE_USERNAME_FORM", "domain\\user"), CONSOLE_ALLOWED_DOMAINS
)
# The bearer token a Prometheus scraper sends to /metrics (signed-in Viewers need none). Unset: only
# signed-in users may read the metrics, and the identity adapter lets no request in without one.
CONSOLE_METRICS_TOKEN = env_secret("CONSOLE_METRICS_TOKEN")
if CONSOLE_METRICS_TOKEN and len(CONSOLE_METRICS_TOKEN) < 32:
    raise ImproperlyConfigured(
        "CONSOLE_METRICS_TOKEN must be at least 32 characters: "
        'python -c "import secrets; print(secrets.token_urlsafe(32))"'
    )
CONSOLE_ROLE_GROUPS = {
    "Viewer": env_list("CONSOLE_ROLE_VIEWER"),
    "Operator": env_list("CONSOLE_ROLE_OPERATOR"),
    "Automation admin": env_list("CONSOLE_ROLE_AUTOMATION_ADMIN"),
    "Vault keeper": env_list("CONSOLE_ROLE_VAULT_KEEPER"),
}

# --- Core ---------------------------------------------------------------------------------------
DEBUG = env_bool("CONSOLE_DEBUG", False)
SECRET_KEY = env_secret("CONSOLE_SECRET_KEY")
if not SECRET_KEY:
    if not LOCAL_MODE:
        raise ImproperlyConfigured(
            "Set CONSOLE_SECRET_KEY (or CONSOLE_SECRET_KEY_FILE) to a long random string."
        )
    # A local run keeps a generated key in var/ so sessions survive restarts.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _key_file = VAR_DIR / "local-secret-key"
    if not _key_file.exists():
        _key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
    SECRET_KEY = _key_file.read_text(encoding="utf-8").strip()

ALLOWED_HOSTS = env_list("CONSOLE_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CONSOLE_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "csp",
    "orchestrator_site",
    "dashboard",
    "queues",
    "triggers",
    "logs",
    "vault",
    "alerts",
    "metrics",
    "demo",
]

MIDDLEWARE = [
    # First: each request's duration, by view, for /metrics (a histogram per process).
    "metrics.latency.request_timer",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "orchestrator_site.auth.ConsoleIdentityMiddleware",
    "orchestrator_site.auth.ConsoleLoginRequiredMiddleware",
    "orchestrator_site.converters.nul_paths_not_found",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "orchestrator_site.health.OrchestratorDatabaseMiddleware",
]
# The benchmark's queries-per-request header (orchestrator_site.instrument): off unless asked, and
# only with local sign-in, so a production installation never reports its queries.
CONSOLE_BENCH_INSTRUMENT = env_bool("CONSOLE_BENCH_INSTRUMENT", False)
if CONSOLE_BENCH_INSTRUMENT:
    if not LOCAL_MODE:
        raise ImproperlyConfigured(
            "CONSOLE_BENCH_INSTRUMENT is for the benchmark (local sign-in) only: unset it."
        )
    MIDDLEWARE.insert(0, "orchestrator_site.instrument.query_count_middleware")

AUTHENTICATION_BACKENDS = ["orchestrator_site.auth.ConsoleRoleBackend"]
LOGIN_URL = "denied"  # a URL name: reversed under the script prefix

ROOT_URLCONF = "orchestrator_site.urls"
# Django's form templates, with the common widgets written in Python (the same HTML, less CPU).
FORM_RENDERER = "orchestrator_site.formrender.FastWidgets"
WSGI_APPLICATION = "orchestrator_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "orchestrator_site.context_processors.console",
                "triggers.context_processors.scheduler_status",
            ],
            # {% url %} with reverse() remembered (same syntax and output as Django's).
            "builtins": ["orchestrator_site.templatetags.console_url"],
        },
    },
]

# --- Databases ----------------------------------------------------------------------------------
ORCHESTRATOR_DB = "orchestrator"
ORCHESTRATOR_URL_VARIABLE = "OpenOrchestratorSQL"
_oo_url = env_str("OpenOrchestratorSQL")
if not _oo_url and env_str("OpenOrchestratorConnString"):
    ORCHESTRATOR_URL_VARIABLE = "OpenOrchestratorConnString"
    _oo_url = env_str("OpenOrchestratorConnString")
# Without a configured database the console runs on the embedded demo database (make run).
ORCHESTRATOR_IS_DEMO = not _oo_url
ORCHESTRATOR_DEMO_PATH = VAR_DIR / "demo-orchestrator.sqlite3"
if ORCHESTRATOR_IS_DEMO:
    _oo_url = f"sqlite:///{ORCHESTRATOR_DEMO_PATH}"
    ORCHESTRATOR_URL_VARIABLE = "OpenOrchestratorSQL"

DATABASES = {
    "default": parse_connection_string(
        env_str("CONSOLE_DATABASE_URL", f"sqlite:///{VAR_DIR / 'console.sqlite3'}"),
        variable="CONSOLE_DATABASE_URL",
        base_dir=BASE_DIR,
    ),
    ORCHESTRATOR_DB: parse_connection_string(
        _oo_url, variable=ORCHESTRATOR_URL_VARIABLE, base_dir=BASE_DIR, must_exist=True
    ),
}
for _database in DATABASES.values():
    # Reuse connections between requests: a dead server connection is noticed before use, a SQLite
    # file that was replaced or removed too (orchestrator_site.sqlitefiles).
    _database["CONN_MAX_AGE"] = env_int("CONSOLE_CONN_MAX_AGE", 60, minimum=0)
    _database["CONN_HEALTH_CHECKS"] = True
# SQLite's page cache per connection of the OpenOrchestrator database, in KiB (SQLite's default is
# 2,000). A text search's range of a million-row Logs table (the newest 10,000 lines of each level)
# is more than that: with the default each search re-read those pages from the operating system (a
# fifth of its queries' CPU). Each waitress thread keeps its own connection, and a cache grows only
# as pages are read: 8 MB cost the benchmark's server 40 MB more at its peak for the gain of 4 MB.
ORCHESTRATOR_SQLITE_CACHE_KIB = 4096
if DATABASES[ORCHESTRATOR_DB]["ENGINE"].endswith("sqlite3"):
    DATABASES[ORCHESTRATOR_DB]["OPTIONS"]["init_command"] = (
        f"PRAGMA cache_size = -{ORCHESTRATOR_SQLITE_CACHE_KIB}"
    )
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The console's own SQLite file belongs to the console alone and lives on the web server's
    # disk, so it may use WAL: people reading sessions and pages never wait for a writer. The
    # OpenOrchestrator database keeps the journal mode its owner chose: WAL is stored in the file
    # and then applies to every robot and Scheduler too, needs all of them on one host (it does not
    # work over a network share) and leaves -wal/-shm files that a plain file copy misses.
    # Robots (SQLAlchemy's pysqlite: deferred transactions, 5 s busy timeout) work with either
    # mode; the console copes with theirs by BEGIN IMMEDIATE and short batches (dburl.py).
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL"
DATABASE_ROUTERS = ["orchestrator_site.router.OrchestratorRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- OpenOrchestrator encryption key (validated in orchestrator_site.crypto) --------------------
OPENORCHESTRATOR_KEY = env_secret("OpenOrchestratorKey")

# --- Time: naive local wall-clock time, exactly as OpenOrchestrator writes it ------------------
USE_TZ = False
TIME_ZONE = env_str("CONSOLE_TIME_ZONE", "Europe/Copenhagen")
# --- Language: English by default, Danish from the browser's Accept-Language or the header's
# switch (a cookie for a year). Each app's catalogue is <app>/locale/da/LC_MESSAGES/django.po, its
# compiled .mo committed beside it (so `make run` needs no gettext tools); the site-wide templates
# are in orchestrator_site's. tests/foundation/test_danish.py keeps them complete.
LANGUAGE_CODE = "en-gb"
USE_I18N = True
LANGUAGES = [("en-gb", "English"), ("da", "Dansk")]
LANGUAGE_COOKIE_NAME = "console_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
# The site-wide templates (templates/) share orchestrator_site's catalogue (`make messages`).
LOCALE_PATHS = [BASE_DIR / "orchestrator_site" / "locale"]
# One shape for every moment the console shows (Django date-format syntax), with the few formats
# derived from it (orchestrator_site.formats): pages, tables and messages read it through
# orchestrator_site.display; Django's own formatting (the admin, `|date`) through the format modules
# below, which Django reads before any language's own formats.
CONSOLE_DATETIME_FORMAT = env_str("CONSOLE_DATETIME_FORMAT") or DEFAULT_DATETIME_FORMAT
CONSOLE_DATETIME_FORMATS = datetime_formats(CONSOLE_DATETIME_FORMAT)
FORMAT_MODULE_PATH = ["orchestrator_site.formats"]
USE_THOUSAND_SEPARATOR = True

# --- Static files: served by the app itself (no CDN) --------------------------------------------
# Served at /static/ inside the script prefix; orchestrator_site.storage puts the request's prefix
# (an IIS virtual directory) before every static URL it builds.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "orchestrator_site.storage.ConsoleStaticStorage"},
}
WHITENOISE_USE_FINDERS = env_bool("CONSOLE_STATIC_FINDERS", False)

# `default`: per process, for short-lived hints that need no invalidation (the header's Scheduler
# counts). `shared`: a table in the console's own database (made by `manage.py migrate`), seen
# by every waitress process and every server: the overview snapshots, their generations and
# recount leases (orchestrator_site.snapshots). What else several servers share lives in that
# database too: sessions, lockouts, acknowledgements, the audit trail (README, "Several servers").
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "console_cache",
    },
}

# --- Security -----------------------------------------------------------------------------------
CONSOLE_HTTPS = env_bool("CONSOLE_HTTPS", not LOCAL_MODE)
SESSION_COOKIE_SECURE = CONSOLE_HTTPS
CSRF_COOKIE_SECURE = CONSOLE_HTTPS
# The __Host- prefix needs Secure cookies, so plain-HTTP local runs use ordinary names.
SESSION_COOKIE_NAME = "__Host-console-session" if CONSOLE_HTTPS else "console-session"
CSRF_COOKIE_NAME = "__Host-console-csrf" if CONSOLE_HTTPS else "console-csrf"
# Sessions are rows of the console's own database (Django's default engine, named because several
# servers rely on it): a session one server made is read by any other, so a load balancer in front
# of two servers needs no sticky sessions. Every server needs the same CONSOLE_SECRET_KEY.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = env_int("CONSOLE_SESSION_HOURS", 10, minimum=1) * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = env_bool("CONSOLE_SSL_REDIRECT", False)  # IIS terminates TLS
SECURE_HSTS_SECONDS = env_int("CONSOLE_HSTS_SECONDS", 31536000 if CONSOLE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = CONSOLE_HTTPS
SECURE_HSTS_PRELOAD = False
SILENCED_SYSTEM_CHECKS = [
    # TLS ends at IIS; waitress runs with --url-scheme=https (see deploy/README.md).
    "security.W008",
    # HSTS preload is for public domains on the browsers' list; an intranet host is never on it.
    "security.W021",
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# --- Console behaviour --------------------------------------------------------------------------
CONSOLE_OVERVIEW_CACHE_SECONDS = env_int("CONSOLE_OVERVIEW_CACHE_SECONDS", 15, minimum=0)
# The failure groups pages (30 days of failures regrouped: 0.2-0.3 s at a million logs, seconds
# under load) are recounted when older than this; console writes still mark them changed at once.
CONSOLE_GROUPS_CACHE_SECONDS = env_int("CONSOLE_GROUPS_CACHE_SECONDS", 60, minimum=0)
# Older overview counts are served while a background thread recounts (orchestrator_site.snapshots).
CONSOLE_BACKGROUND_REFRESH = env_bool("CONSOLE_BACKGROUND_REFRESH", True)
# A count a write marked changed is recounted no sooner than this after it was taken, however many
# writes mark it meanwhile.
CONSOLE_RECOUNT_MIN_SECONDS = env_int("CONSOLE_RECOUNT_MIN_SECONDS", 5, minimum=0)
# The logs overview adds new rows to its counts and recounts the last few minutes each time (robots'
# clocks disagree with the server's); a full count corrects what came later than that.
CONSOLE_LOG_COUNT_MARGIN_SECONDS = env_int("CONSOLE_LOG_COUNT_MARGIN_SECONDS", 300, minimum=0)
CONSOLE_LOG_RECOUNT_MINUTES = env_int("CONSOLE_LOG_RECOUNT_MINUTES", 60, minimum=1)
CONSOLE_SCHEDULER_ONLINE_SECONDS = env_int("CONSOLE_SCHEDULER_ONLINE_SECONDS", 60, minimum=1)
CONSOLE_SCHEDULER_STALE_SECONDS = env_int("CONSOLE_SCHEDULER_STALE_SECONDS", 300, minimum=1)
CONSOLE_STALE_ELEMENT_MINUTES = env_int("CONSOLE_STALE_ELEMENT_MINUTES", 120, minimum=1)
CONSOLE_DASHBOARD_HOURS = env_int("CONSOLE_DASHBOARD_HOURS", 48, minimum=1)
CONSOLE_DASHBOARD_WEEKEND_HOURS = env_int("CONSOLE_DASHBOARD_WEEKEND_HOURS", 72, minimum=1)
CONSOLE_REFRESH_SECONDS = env_int("CONSOLE_REFRESH_SECONDS", 15, minimum=0)
CONSOLE_THROUGHPUT_DAYS = env_int("CONSOLE_THROUGHPUT_DAYS", 7, minimum=1)
CONSOLE_TEXT_SEARCH_DAYS = env_int("CONSOLE_TEXT_SEARCH_DAYS", 7, minimum=1)
# ... and at most the process's newest this many lines, unless the user sets "From".
CONSOLE_TEXT_SEARCH_ROWS = env_int("CONSOLE_TEXT_SEARCH_ROWS", 10000, minimum=100)
CONSOLE_COUNT_CAP = env_int("CONSOLE_COUNT_CAP", 10000, minimum=100)
CONSOLE_CSV_MAX_ROWS = env_int("CONSOLE_CSV_MAX_ROWS", 100000, minimum=1)
CONSOLE_BULK_CONFIRM_THRESHOLD = env_int("CONSOLE_BULK_CONFIRM_THRESHOLD", 100, minimum=1)
CONSOLE_BULK_BATCH_SIZE = env_int("CONSOLE_BULK_BATCH_SIZE", 500, minimum=1)
CONSOLE_VAULT_KEY_MEMORY_MINUTES = env_int("CONSOLE_VAULT_KEY_MEMORY_MINUTES", 5, minimum=0)
CONSOLE_REVEAL_MAX_FAILURES = env_int("CONSOLE_REVEAL_MAX_FAILURES", 5, minimum=1)
CONSOLE_REVEAL_LOCKOUT_MINUTES = env_int("CONSOLE_REVEAL_LOCKOUT_MINUTES", 15, minimum=1)

# --- Alerts (`manage.py alerts`, see the alerts app) ----------------------------------------------
# The console's address as people open it, with any IIS virtual directory
# (https://rpa-console.corp.example or https://intranet.corp.example/rpa/console): alerts link to
# their page under it. `manage.py alerts` refuses to run without it.
CONSOLE_BASE_URL = env_str("CONSOLE_BASE_URL").strip().rstrip("/")
if CONSOLE_BASE_URL and not CONSOLE_BASE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(
        "CONSOLE_BASE_URL must start with https:// (or http://), e.g. https://rpa-console.corp.example."
    )
# Alert e-mail goes through Django's SMTP backend; an empty host means e-mail is not configured
# (a rule's e-mail then fails with that message, in its history).
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("CONSOLE_EMAIL_HOST").strip()
EMAIL_PORT = env_int("CONSOLE_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("CONSOLE_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_secret("CONSOLE_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("CONSOLE_EMAIL_STARTTLS", False)
EMAIL_USE_SSL = env_bool("CONSOLE_EMAIL_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "Set CONSOLE_EMAIL_STARTTLS (port 587) or CONSOLE_EMAIL_SSL (port 465), not both."
    )
EMAIL_TIMEOUT = env_int("CONSOLE_EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = env_str("CONSOLE_EMAIL_FROM", "openorchestrator-console@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A failed delivery is tried again at the next pass after 1, 2, 4, ... times this many seconds
# (at most an hour apart), CONSOLE_ALERTS_MAX_ATTEMPTS times in all.
CONSOLE_ALERTS_MAX_ATTEMPTS = env_int("CONSOLE_ALERTS_MAX_ATTEMPTS", 5, minimum=1)
CONSOLE_ALERTS_RETRY_SECONDS = env_int("CONSOLE_ALERTS_RETRY_SECONDS", 60, minimum=0)
CONSOLE_ALERTS_WEBHOOK_TIMEOUT = env_int("CONSOLE_ALERTS_WEBHOOK_TIMEOUT", 10, minimum=1)
# The language of the alerts' text (a code of LANGUAGES).
CONSOLE_ALERTS_LANGUAGE = env_str("CONSOLE_ALERTS_LANGUAGE", LANGUAGE_CODE).strip()
if CONSOLE_ALERTS_LANGUAGE not in dict(LANGUAGES):
    raise ImproperlyConfigured(
        f"CONSOLE_ALERTS_LANGUAGE must be one of {', '.join(dict(LANGUAGES))}."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("CONSOLE_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
