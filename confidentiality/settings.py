"""One settings module for every mode, driven by the environment.

``DEPLOYMENT=embedded`` (the default) runs on one machine with SQLite and Celery on
kombu's filesystem transport, generating local secrets under ``var/`` on first start.
``DEPLOYMENT=production`` refuses to start unless ``SECRET_KEY``,
``FIELD_ENCRYPTION_KEYS``, ``AUDIT_CHAIN_KEYS``, ``DATABASE_URL`` and ``ALLOWED_HOSTS`` are set, and turns on
every transport-security setting ``manage.py check --deploy`` asks for.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from confidentiality.env import (
    env_bool,
    env_choice,
    env_database_url,
    env_int,
    env_list,
    env_str,
    local_secret,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")) or BASE_DIR / "var")

DEPLOYMENT = env_choice("DEPLOYMENT", "embedded", ("embedded", "production"))
PRODUCTION = DEPLOYMENT == "production"
DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be false when DEPLOYMENT=production.")


def _required_in_production(name: str) -> str | None:
    value = env_str(name)
    if value is None and PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set when DEPLOYMENT=production.")
    return value


def _new_field_key() -> str:
    return "k1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


SECRET_KEY = _required_in_production("SECRET_KEY") or local_secret(
    VAR_DIR / "secrets" / "secret_key", lambda: secrets.token_urlsafe(50)
)
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters with at least 5 distinct characters.")

# "id:base64key,id:base64key": the first wraps new data keys, every one unwraps.
FIELD_ENCRYPTION_KEYS_RAW = _required_in_production("FIELD_ENCRYPTION_KEYS") or local_secret(
    VAR_DIR / "secrets" / "field_encryption_keys", _new_field_key
)

# "id:base64key,id:base64key": the keys of the audit chain's links (confidentiality/audit.py). The
# first links new events, every one verifies. Kept outside the database, so that someone who can
# write to it cannot recompute the chain after removing an event.
AUDIT_CHAIN_KEYS_RAW = _required_in_production("AUDIT_CHAIN_KEYS") or local_secret(
    VAR_DIR / "secrets" / "audit_chain_keys", lambda: "a1:" + _new_field_key().partition(":")[2]
)
# The chain's head, appended here by the hour, by every sweep and every verification: on storage the
# database backups do not restore, so that a shortened or rewritten chain, or an old database put
# back, no longer matches it.
AUDIT_ANCHOR_JOURNAL = Path(
    env_str("AUDIT_ANCHOR_JOURNAL", str(VAR_DIR / "audit" / "anchors.jsonl")) or VAR_DIR / "audit" / "anchors.jsonl"
)
# Backups (manage.py backup, retention/backups.py): the data, without the data keys, and the keys
# apart, kept a shorter time. Content deleted by a sweep cannot be read from any data backup once
# the key backups made before that day are gone. Put each folder on storage of its own.
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(VAR_DIR / "backups" / "data")) or VAR_DIR / "backups" / "data")
KEY_BACKUP_DIR = Path(env_str("KEY_BACKUP_DIR", str(VAR_DIR / "backups" / "keys")) or VAR_DIR / "backups" / "keys")
BACKUP_DAYS = env_int("BACKUP_DAYS", 90, minimum=1)
KEY_BACKUP_DAYS = env_int("KEY_BACKUP_DAYS", 35, minimum=1)
if KEY_BACKUP_DAYS > BACKUP_DAYS:
    raise ImproperlyConfigured("KEY_BACKUP_DAYS must not be longer than BACKUP_DAYS: keys are kept the shorter time.")
# Values encrypted before they were bound to their owner (and second-factor secrets stored before
# they were bound to their person) still open while this is true. Once bind_ciphertexts reports
# every one bound, set it to false: such a value written into a row then opens for no one.
ACCEPT_UNBOUND_CIPHERTEXTS = env_bool("ACCEPT_UNBOUND_CIPHERTEXTS", True)
# Where set, the head is also e-mailed once a day to the practice's data-protection contact.
DATA_PROTECTION_CONTACT_EMAIL = env_str("DATA_PROTECTION_CONTACT_EMAIL", "") or ""

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEPLOYMENT=production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The proxies in front of gunicorn (addresses or networks; deploy/Procfile gives gunicorn the same
# list). Only a connection from one of them may say, in X-Forwarded-For, whom it forwards; empty
# (the embedded default, which has no proxy) means the header is never believed.
TRUSTED_PROXIES = env_list("FORWARDED_ALLOW_IPS", [])
if PRODUCTION and not TRUSTED_PROXIES:
    # Production runs behind a TLS proxy (SECURE_PROXY_SSL_HEADER): without its address every
    # request would seem to come from it, and one person's lockout would lock out everyone.
    raise ImproperlyConfigured("FORWARDED_ALLOW_IPS must be set when DEPLOYMENT=production: the TLS proxy's addresses.")
if "*" in TRUSTED_PROXIES:
    raise ImproperlyConfigured(
        "FORWARDED_ALLOW_IPS must name the proxies, not '*': anyone could then choose their address."
    )
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"FORWARDED_ALLOW_IPS: {_proxy!r} is not an address or a network.") from None

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",  # a person's own sessions and devices, and ending one
    "axes",
    "csp",
    "guardian",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    # The project's core, then one app per thing a practice names, each depending only on those
    # above it here (tests/test_layering.py holds them to it).
    "confidentiality",
    "consent",
    "engagements",
    "disclosures",
    "reports",
    "feedback",
    "complaints",
    "testimonials",
    "finance",
    "people",
    "rights",
    "retention",
    "processing",
    # Above them all: the pages and gates around the features (dashboards, account pages, the
    # checks every request passes), and the demo practice.
    "portal",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "confidentiality.sessions.SessionMiddleware",  # Django's; a page pushes its own session's expiry on
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A form sent after the session ended: the sign-in leads back to the form's page.
    "portal.middleware.BackToTheFormMiddleware",
    "portal.middleware.SessionInForceMiddleware",
    "portal.middleware.SecondFactorMiddleware",
    "portal.middleware.PolicyAcceptanceMiddleware",
    "portal.middleware.NoStoreMiddleware",
    # Redis down: sign-in answers 503 with a clear message instead of a server error.
    "confidentiality.unavailable.CacheUnavailableMiddleware",
    # The reads a page records are linked into the audit chain together, before the page leaves.
    "confidentiality.audit.AuditReadsMiddleware",
    # Axes last: it answers a locked-out login with its own response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "confidentiality.urls"
WSGI_APPLICATION = "confidentiality.wsgi.application"

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
                "portal.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env_database_url("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
# On PostgreSQL the processes (web, worker, beat) connect as a role that owns no table, so it cannot
# drop or disable the audit log's triggers, alter a table, or change or delete an audit event. The
# tables belong to the role of DATABASE_OWNER_URL, which only the release step uses: it migrates as
# the owner (AS_DATABASE_OWNER=1) and grants the processes' role what they need (grant_app_role).
DATABASE_OWNER_URL = env_str("DATABASE_OWNER_URL")
APP_DATABASE_ROLE = str(DATABASES["default"].get("USER") or "")
if env_bool("AS_DATABASE_OWNER", False) and DATABASE_OWNER_URL is not None:
    DATABASES["default"] = env_database_url("DATABASE_OWNER_URL", "")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE: a writer takes the lock when it begins, so the audit chain's
    # read-then-append can never interleave with another process's append.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL is not None and not REDIS_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured(f"REDIS_URL must start with redis:// or rediss://, not {REDIS_URL.split(':', 1)[0]!r}.")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # A file cache is shared by the web, worker and beat processes of the embedded mode
    # (TOTP replay protection and rate limits need one view across processes).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTH_USER_MODEL = "confidentiality.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out login before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "account_login"

# Idle sessions end after 30 minutes: every request pushes the expiry forward, in the query that
# reads the session (confidentiality.sessions), not in a write of its own at the end of the page.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60, minimum=60, maximum=24 * 3600)
SESSION_ENGINE = "confidentiality.sessions"
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# django-allauth: e-mail login, no self-service sign-up (the practice creates accounts).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "confidentiality.adapters.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
# Changing the sign-in address (and other account settings) asks for the password again first.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# Lockout is django-axes's job; allauth's own failed-login limit would answer first
# with a different message, so it is off. Its per-IP limits stay.
ACCOUNT_RATE_LIMITS = {"login_failed": None}
MFA_ADAPTER = "confidentiality.adapters.MFAAdapter"
# Wrong codes (and recovery codes) count for django-axes as wrong passwords do, and a locked
# account's right code is refused (confidentiality/credentials.py).
MFA_FORMS = {
    "authenticate": "confidentiality.credentials.AuthenticateForm",
    "reauthenticate": "confidentiality.credentials.ReauthenticateForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = False
# The practice's name, as its e-mails and the authenticator app give it.
PRACTICE_NAME = env_str("PRACTICE_NAME", "Coaching practice") or "Coaching practice"
MFA_TOTP_ISSUER = PRACTICE_NAME
# A code typed as the app turns over to the next one is still accepted (RFC 6238 §5.2 allows one
# step of delay); allauth refuses a code used once already.
MFA_TOTP_TOLERANCE = 1
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION
# allauth.usersessions records each sign-in (address, browser, when) so a person can see and end
# their sessions. Not updated on every request: that would turn every page view into a write.
USERSESSIONS_TRACK_ACTIVITY = False

# django-axes: lock an account+address pair after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1, maximum=100)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30, minimum=1, maximum=24 * 60))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "confidentiality.adapters.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "confidentiality/locked_out.html"
# The person's address behind the TLS proxy, not the proxy's (confidentiality/addresses.py).
AXES_CLIENT_IP_CALLABLE = "confidentiality.addresses.client_address"
AXES_VERBOSE = False
# What axes keeps of a failed attempt's form is masked for every field that holds a secret: an
# authenticator or recovery code, any password, a reset key (the admin site lists attempts).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "password1", "password2", "oldpassword", "key"]

# django-guardian: no anonymous user row, object permissions through our policy only.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "Europe/London") or "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "media"}},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Pages name static files by their hashed names only, so only those are kept and compressed; source
# maps are for a developer's tools, and compressing them (API docs' bundles) was most of a release.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
# Embedded mode serves static files straight from the source folders.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# E-mail carries single-use secrets (password-reset and feedback links). Every message goes into the
# outbox in the transaction that sends it (confidentiality/outbox.py); a worker delivers it through
# the backend the EMAIL_BACKEND variable names, with retries. Production needs one that delivers
# (SMTP or a provider's); the embedded default writes each message to a file in var/mail/. No mode
# prints mail: the console backend would put every link in the process log.
EMAIL_BACKEND = "confidentiality.outbox.OutboxEmailBackend"
_NOT_DELIVERING = {
    "django.core.mail.backends.console": "prints every message, links and all, to the process log",
    "django.core.mail.backends.locmem": "keeps messages in memory and delivers none",
    "django.core.mail.backends.dummy": "drops every message",
    "django.core.mail.backends.filebased": "writes messages to files and delivers none",
    "confidentiality.outbox": "is the outbox itself: it names the backend that delivers",
}
EMAIL_DELIVERY_BACKEND = env_str("EMAIL_BACKEND") or (
    None if PRODUCTION else "django.core.mail.backends.filebased.EmailBackend"
)
if EMAIL_DELIVERY_BACKEND is None:
    raise ImproperlyConfigured(
        "EMAIL_BACKEND must be set when DEPLOYMENT=production: django.core.mail.backends.smtp.EmailBackend "
        "(with EMAIL_HOST and EMAIL_PORT) or an e-mail provider's backend."
    )
_delivery_module = EMAIL_DELIVERY_BACKEND.rpartition(".")[0]
_refused = _NOT_DELIVERING.get(_delivery_module)
# The embedded default may keep or drop mail (a demo); no mode may print it or loop.
if _refused and (PRODUCTION or _delivery_module in ("django.core.mail.backends.console", "confidentiality.outbox")):
    raise ImproperlyConfigured(f"EMAIL_BACKEND {EMAIL_DELIVERY_BACKEND} {_refused}: name one that delivers mail.")
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "practice@localhost")
# allauth puts "[site name] " before every subject; ours name the practice themselves.
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")  # or EMAIL_HOST_PASSWORD_FILE
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both.")
# A relay that does not answer must not hold a worker: the send fails, and is retried later.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1, maximum=600)
# Attempts before a message is left failed for the administrator (1, 4, 16, 64, 256 minutes apart).
EMAIL_OUTBOX_MAX_ATTEMPTS = env_int("EMAIL_OUTBOX_MAX_ATTEMPTS", 6, minimum=1, maximum=20)
# Sent messages stay listed (sealed, their body gone) this many days, then are deleted.
EMAIL_OUTBOX_KEEP_SENT_DAYS = env_int("EMAIL_OUTBOX_KEEP_SENT_DAYS", 30, minimum=1, maximum=365)
# Failed messages stay (sealed, to be sent again) this many days after they were queued.
EMAIL_OUTBOX_KEEP_FAILED_DAYS = env_int("EMAIL_OUTBOX_KEEP_FAILED_DAYS", 90, minimum=1, maximum=365)

# Security headers. CSP allows no inline script or style anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Django REST framework and the OpenAPI schema.
REST_FRAMEWORK = {
    # Tokens only: a browser session must not reach the API, or a staff member signed in with a
    # password alone (before setting up the second factor) could read through it.
    "DEFAULT_AUTHENTICATION_CLASSES": ["portal.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "portal.permissions.PoliciesAccepted",
    ],
    "DEFAULT_SCHEMA_CLASS": "confidentiality.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "confidentiality.pagination.CursorPage",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "confidentiality.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Coaching practice confidentiality API",
    "DESCRIPTION": "Every operation answers only what the caller's need-to-know allows; "
    "anything outside it answers 404.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Two choice sets share the field name "decision": each gets a name of its own.
    "ENUM_NAME_OVERRIDES": {
        "BreachLetterDecisionEnum": "complaints.models.BreachCommunication.Decision",
        "SharingDecisionEnum": ["give", "refuse"],
    },
}

# Celery: the broker only wakes workers; job rows in the database are the truth.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # Longer than the longest task, so a slow task is not handed to a second worker.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 2 * 3600}
else:
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # kombu's default is ``control/`` in the working directory: broker files belong in var/.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
DJANGO_CELERY_BEAT_TZ_AWARE = True

# Product settings.
# The address links in e-mails point at.
SITE_URL = (_required_in_production("SITE_URL") or "http://127.0.0.1:8000").rstrip("/")
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024, maximum=500 * 1024 * 1024)
# A personal API token stops working this many days after it was made (and at once when its
# person's password changes or their second factor is removed).
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90, minimum=1, maximum=366)
BREAK_GLASS_MINUTES = env_int("BREAK_GLASS_MINUTES", 30, minimum=5, maximum=24 * 60)
# Feedback from others: how long a link works, and how many answers of one kind of person
# must come in before they are shown verbatim without naming anyone (policy 003).
# Retention (policy 000): periods are settings, never literals in code.
RETENTION_ENGAGEMENT_YEARS = env_int("RETENTION_ENGAGEMENT_YEARS", 2, minimum=1, maximum=50)
# An engagement nobody closes closes itself this many days after its end date, so that its files'
# clock starts (work never closed must not be kept for ever); the coach and the administrators are
# told ENGAGEMENT_CLOSE_WARNING_DAYS before.
ENGAGEMENT_CLOSE_GRACE_DAYS = env_int("ENGAGEMENT_CLOSE_GRACE_DAYS", 90, minimum=0, maximum=3650)
ENGAGEMENT_CLOSE_WARNING_DAYS = env_int("ENGAGEMENT_CLOSE_WARNING_DAYS", 30, minimum=1, maximum=365)
FINANCE_RETENTION_YEARS = env_int("FINANCE_RETENTION_YEARS", 5, minimum=1, maximum=50)
RETENTION_BREACH_YEARS = env_int("RETENTION_BREACH_YEARS", 5, minimum=1, maximum=50)
RETENTION_NOTICE_DAYS = env_int("RETENTION_NOTICE_DAYS", 365, minimum=30, maximum=3650)
RETENTION_SIGN_IN_DAYS = env_int("RETENTION_SIGN_IN_DAYS", 90, minimum=7, maximum=3650)
RETENTION_BATCH_SIZE = env_int("RETENTION_BATCH_SIZE", 2000, minimum=1, maximum=10000)
RETENTION_LEASE_SECONDS = env_int("RETENTION_LEASE_SECONDS", 15 * 60, minimum=30, maximum=24 * 3600)
RETENTION_WARNING_DAYS = env_int("RETENTION_WARNING_DAYS", 7, minimum=1, maximum=60)
# After an erasure is carried out, the client's own record (name, contact details, sign-in) stays
# this many days, so they can sign in and read the letter that says what was deleted and kept.
RETENTION_ERASED_CLIENT_DAYS = env_int("RETENTION_ERASED_CLIENT_DAYS", 30, minimum=0, maximum=365)
# What carries out an erasure: the rights app answers the request, the retention engine deletes
# (retention sits above rights, so rights names it here rather than importing it).
RIGHTS_ERASER = "retention.erasure.erase_client"
# Receipts are also written here, outside the database, so a restored backup can be swept
# again (retention_reapply). In production keep it on storage the database backups do not restore.
RETENTION_JOURNAL = Path(env_str("RETENTION_JOURNAL", str(VAR_DIR / "retention" / "receipts.jsonl")) or "")
FEEDBACK_LINK_DAYS = env_int("FEEDBACK_LINK_DAYS", 14, minimum=1, maximum=90)
FEEDBACK_MINIMUM_SOURCES = env_int("FEEDBACK_MINIMUM_SOURCES", 3, minimum=2, maximum=50)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
AUDIT_VERIFY_BATCH = 2000
ENCRYPTION_BATCH_SIZE = env_int("ENCRYPTION_BATCH_SIZE", 500, minimum=1, maximum=100000)
DATA_KEY_CACHE_SECONDS = env_int("DATA_KEY_CACHE_SECONDS", 60, minimum=0, maximum=3600)
# Complaints and breaches (policy 002). A breach the regulator must hear of is notified within
# 72 hours of the practice becoming aware of it (UK GDPR art. 33); complaints are acknowledged,
# then answered, within these many days of being lodged.
BREACH_NOTIFICATION_HOURS = env_int("BREACH_NOTIFICATION_HOURS", 72, minimum=1, maximum=30 * 24)
COMPLAINT_ACKNOWLEDGE_DAYS = env_int("COMPLAINT_ACKNOWLEDGE_DAYS", 5, minimum=1, maximum=60)
COMPLAINT_RESPONSE_DAYS = env_int("COMPLAINT_RESPONSE_DAYS", 28, minimum=1, maximum=180)
if COMPLAINT_RESPONSE_DAYS < COMPLAINT_ACKNOWLEDGE_DAYS:
    raise ImproperlyConfigured("COMPLAINT_RESPONSE_DAYS must not be shorter than COMPLAINT_ACKNOWLEDGE_DAYS.")
# Subject access (policy 002): a released copy can be downloaded for this many days, then it is deleted.
# The retention page reads a forecast a worker counts every ten minutes (confidentiality/schedules.py);
# one older than twice this is counted again at the next view (retention/forecast.py).
RETENTION_FORECAST_MINUTES = 10
SUBJECT_ACCESS_DOWNLOAD_DAYS = env_int("SUBJECT_ACCESS_DOWNLOAD_DAYS", 7, minimum=1, maximum=30)
# A copy made but not released within this many days is deleted (it grows stale, and it is a
# second copy of everything held); the administrator makes it again when ready to release.
SUBJECT_ACCESS_UNRELEASED_DAYS = env_int("SUBJECT_ACCESS_UNRELEASED_DAYS", 14, minimum=1, maximum=60)
# A client without a sign-in may be sent a single-use link to download the answer (rights/links.py):
# it works for this many days (and never beyond the copy's own download period).
RIGHTS_ANSWER_LINK_DAYS = env_int("RIGHTS_ANSWER_LINK_DAYS", 7, minimum=1, maximum=30)
DEMO_TOOLS_ENABLED = not PRODUCTION

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Secrets in link paths (a feedback link, a password reset) are redacted: confidentiality/logredact.py.
    "filters": {"redact": {"()": "confidentiality.logredact.RedactSecretPaths"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))},
    "loggers": {
        # Request bodies never reach the log: only method, path and status are logged.
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
    },
}

os.makedirs(VAR_DIR, exist_ok=True)
# Whitenoise warns on every start when STATIC_ROOT is missing (a fresh clone before collectstatic).
os.makedirs(STATIC_ROOT, exist_ok=True)

# Guardian's authentication backend is deliberately not installed: it would answer
# user.has_perm(perm, obj) outside the access policy, and grants superusers everything.
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]
