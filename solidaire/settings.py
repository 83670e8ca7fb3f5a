"""Settings of Solidaire, read from the environment.

The defaults run on a laptop with no service: SQLite, email printed to the
console, Celery tasks run eagerly. Production sets the environment variables
documented in the README.
"""

import os
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from stdnum.fr import siret as stdnum_siret

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    value = os.getenv(name, default).strip().lower()
    if value not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        raise ImproperlyConfigured(f"{name} must be a boolean, not {value!r}")
    return value in ("true", "1", "yes", "on")


def envint(name: str, default: str) -> int:
    return int(os.getenv(name, default))


def envshare(name: str, default: str) -> Decimal:
    """A share between 0 and 1, e.g. 0.5 for half."""
    try:
        value = Decimal(os.getenv(name, default))
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name} must be a number between 0 and 1") from None
    if not 0 <= value <= 1:
        raise ImproperlyConfigured(f"{name} must be a number between 0 and 1")
    return value


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


def envkeys(name: str, default: str) -> dict[str, str]:
    """`id1:secret1,id2:secret2` as {id: secret}, in the order given (the last is the newest)."""
    keys: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in (os.getenv(name) or default).split(","))):
        key_id, _colon, secret = item.partition(":")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,20}", key_id) or key_id in keys:
            raise ImproperlyConfigured(
                f"{name}: each key is 'id:secret' with a distinct id of 1 to 20 letters, digits, - or _."
            )
        if len(secret) < 32:
            raise ImproperlyConfigured(
                f"{name}: the secret of key {key_id!r} must hold at least 32 characters."
            )
        keys[key_id] = secret
    if not keys:
        raise ImproperlyConfigured(f"{name} must name at least one key.")
    return keys


DEBUG = envbool("DEBUG", "true")

# Refused below when DEBUG is off.
DEVELOPMENT_SECRET_KEY = "django-insecure-solidaire-development-key-do-not-use-in-production"  # noqa: S105 - refused with DEBUG off
SECRET_KEY = os.getenv("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

# The audit trail's entries are signed (HMAC-SHA256) with a secret held outside the database
# (solidaire.lib.auditchain): "id1:secret1,id2:secret2". The last key signs new entries, the
# others still verify the entries they signed: add a key at the end to rotate, and keep the
# old ones. Like SECRET_KEY, the development key is refused when DEBUG is off.
DEVELOPMENT_AUDIT_SECRET = "solidaire-development-audit-key-do-not-use-in-production"  # noqa: S105 - refused with DEBUG off
AUDIT_KEYS = envkeys("AUDIT_KEYS", f"dev:{DEVELOPMENT_AUDIT_SECRET}")
if not DEBUG and DEVELOPMENT_AUDIT_SECRET in AUDIT_KEYS.values():
    raise ImproperlyConfigured("AUDIT_KEYS must be set when DEBUG is off.")
# Once a day the head of the audit trail is emailed here (solidaire.tasks.send_audit_anchor):
# a copy held elsewhere that a truncated or rebuilt chain contradicts. Empty: no email.
AUDIT_ANCHOR_EMAIL = os.getenv("AUDIT_ANCHOR_EMAIL", "")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.getenv("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "solidaire",
    "referentiel",
    "assemblee",
    "vitrine",
    "subventions",
    "solidaire.apps.AdminConfig",  # django.contrib.admin behind allauth's login
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django.forms",
    "django_filters",
    "allauth",
    "allauth.account",
    "allauth.mfa",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "solidaire.middleware.PermissionsPolicyMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "solidaire.urls"
WSGI_APPLICATION = "solidaire.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "solidaire.context_processors.platform",
            ],
        },
    },
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Database: SQLite by default, anything dj-database-url understands otherwise
# (postgres://user@host:5432/name in production and CI).
DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Connections are kept between requests: opening one per request cost much of the
        # throughput (docs/performance.md).
        conn_max_age=envint("DB_CONN_MAX_AGE", "60"),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
USING_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: the Celery broker (REDIS_URL) and the shared cache (CACHE_URL) when set; tasks run
# eagerly without it. The two never share a database: cache.clear() empties the cache's
# database, and the broker's queues must survive it.
REDIS_URL = os.getenv("REDIS_URL", "")


def next_redis_database(url: str) -> str:
    """The URL of the Redis database after `url`'s (redis://host:6379/0 -> .../1)."""
    parts = urlsplit(url)
    number = parts.path.strip("/") or "0"
    if not number.isdigit() or int(number) >= 15:
        raise ImproperlyConfigured("Set CACHE_URL: the database after REDIS_URL's is not a default one.")
    return parts._replace(path=f"/{int(number) + 1}").geturl()


CACHE_URL = os.getenv("CACHE_URL") or (next_redis_database(REDIS_URL) if REDIS_URL else "")
if CACHE_URL and CACHE_URL == REDIS_URL:
    raise ImproperlyConfigured("CACHE_URL and REDIS_URL must be different Redis databases.")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": os.getenv("CACHE_KEY_PREFIX", "solidaire"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Public showcase pages, feeds and exports kept for visitors who are not signed in
# (vitrine/cache.py). Any change they show drops them at once; this bounds the life of an
# entry after a change that sends no signal (QuerySet.update, bulk_create). 0 turns it off.
# Without REDIS_URL each process has its own cache: fine for one process (runserver).
VITRINE_CACHE_TIMEOUT = envint("VITRINE_CACHE_TIMEOUT", "600")

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Europe/Paris"
# Beat keeps the time each job last ran in this file, and catches up at start a job whose
# time passed while it was stopped: it must outlive the container (a volume in
# docker-compose.yml), and is kept out of the source tree. Written after each job it queues.
CELERY_BEAT_SCHEDULE_FILENAME = os.getenv(
    "CELERY_BEAT_SCHEDULE_FILE",
    str(
        Path(os.getenv("XDG_STATE_HOME", Path.home() / ".local" / "state"))
        / "solidaire"
        / "celerybeat-schedule"
    ),
)
CELERY_BEAT_SCHEDULER = "solidaire.celery:PersistentScheduler"
CELERY_BEAT_SYNC_EVERY = 1
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Reminders and emails are selected by time window: each run catches up any missed one.
    "commitment-reminders": {"task": "referentiel.tasks.send_commitment_reminders", "schedule": 3600},
    "close-sessions": {"task": "assemblee.tasks.close_due_sessions", "schedule": 60},
    "vote-reminders": {"task": "assemblee.tasks.send_vote_reminders", "schedule": 600},
    "listings": {"task": "solidaire.tasks.expire_listings", "schedule": 3600},
    "report-reminders": {"task": "subventions.tasks.send_report_reminders", "schedule": 3600},
    # The first run of each day emails the head of the audit trail; the others find it sent.
    "audit-anchor": {"task": "solidaire.tasks.send_audit_anchor", "schedule": 3600},
    # Emails whose task was lost (a broker restarted) or that wait for their next attempt.
    "outgoing-mail": {"task": "solidaire.tasks.send_queued_mail", "schedule": 60},
    # Daily jobs at a time of day: a beat that was stopped at that time runs them when it starts.
    "evidence-retention": {
        "task": "assemblee.tasks.purge_expired_evidence",
        "schedule": crontab(hour=3, minute=15),
    },
    "outgoing-mail-retention": {
        "task": "solidaire.tasks.purge_outgoing_mail",
        "schedule": crontab(hour=3, minute=45),
    },
}

# Outgoing email (solidaire/outbox.py): one row per email and recipient, sent by a task that
# claims it for MAIL_LEASE_SECONDS (renewed while it sends; a run that died leaves it to the
# next after that), tries again after MAIL_RETRY_SECONDS, doubled at each attempt, and gives
# up after MAIL_MAX_ATTEMPTS (at once when the server refuses the address for good). Staff
# see what failed. Sent and failed emails are deleted after MAIL_RETENTION_DAYS.
MAIL_LEASE_SECONDS = envint("MAIL_LEASE_SECONDS", "300")
MAIL_RETRY_SECONDS = envint("MAIL_RETRY_SECONDS", "60")
MAIL_MAX_ATTEMPTS = envint("MAIL_MAX_ATTEMPTS", "8")
MAIL_BATCH_SIZE = envint("MAIL_BATCH_SIZE", "50")
MAIL_RETENTION_DAYS = envint("MAIL_RETENTION_DAYS", "90")

AUTH_USER_MODEL = "solidaire.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"

# django-allauth: email is the login, verification is mandatory.
ACCOUNT_ADAPTER = "solidaire.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Solidaire] "
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
# Before a sensitive change (password, email, second factor), the person types their password
# or a code of their second factor again; a code emailed to them is not enough (allauth >= 65.22
# offers it by default): whoever reads the mailbox must not be able to remove the second factor.
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "mfa")
# Failed logins are limited per IP and per account (allauth's rate limits).
ACCOUNT_RATE_LIMITS = {
    "login_failed": os.getenv("LOGIN_FAILED_RATE_LIMIT", "10/m/ip,5/5m/key"),
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
# The client's address behind a reverse proxy (solidaire.lib.client_ip): the header the
# proxy sets, or the number of proxies of ours that append to X-Forwarded-For. Neither by
# default: REMOTE_ADDR, and a forwarded header sent by anyone changes nothing.
TRUSTED_CLIENT_IP_HEADER = os.getenv("TRUSTED_CLIENT_IP_HEADER", "").strip() or None
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", "0")
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
# allauth reads its own names for them; its adapter asks solidaire.lib.client_ip anyway.
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = TRUSTED_CLIENT_IP_HEADER
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Solidaire"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.getenv("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]

# Uploaded files. Public files (logos, photos) are under MEDIA_URL; private
# files (evidence) go to their own storage that no URL serves: a view that
# checks the reader's rights streams them.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", BASE_DIR / "media"))
PRIVATE_ROOT = Path(os.getenv("PRIVATE_ROOT", BASE_DIR / "private"))
STORAGE_BACKEND = os.getenv("STORAGE_BACKEND", "local")
if STORAGE_BACKEND == "s3":
    _s3 = {
        "bucket_name": os.getenv("S3_BUCKET", ""),
        "endpoint_url": os.getenv("S3_ENDPOINT_URL") or None,
        "region_name": os.getenv("S3_REGION") or None,
        "access_key": os.getenv("S3_ACCESS_KEY_ID") or None,
        "secret_key": os.getenv("S3_SECRET_ACCESS_KEY") or None,
        "file_overwrite": False,
    }
    STORAGES = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**_s3, "location": "public", "querystring_auth": False},
        },
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**_s3, "location": "private", "default_acl": "private", "querystring_auth": True},
        },
    }
elif STORAGE_BACKEND == "local":
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": PRIVATE_ROOT, "base_url": None},
        },
    }
else:
    raise ImproperlyConfigured("STORAGE_BACKEND must be 'local' or 's3'.")
STORAGES["staticfiles"] = {
    "BACKEND": (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
}
SERVE_MEDIA = envbool("SERVE_MEDIA", "true") and STORAGE_BACKEND == "local"
MAX_IMAGE_UPLOAD_BYTES = envint("MAX_IMAGE_UPLOAD_BYTES", str(5 * 1024 * 1024))
# A logo or an offer photo needs a few megapixels (a phone takes 12); decoded, each pixel
# takes 3 or 4 bytes. Checked from the image's header before it is decoded.
MAX_IMAGE_PIXELS = envint("MAX_IMAGE_PIXELS", str(16_000_000))
IMAGE_MAX_SIDE = 1600
MAX_DOCUMENT_UPLOAD_BYTES = envint("MAX_DOCUMENT_UPLOAD_BYTES", str(10 * 1024 * 1024))
# Requests larger than this are refused before the view reads them.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Email: printed to the console unless an SMTP host is set; EMAIL_BACKEND=file
# writes each message to EMAIL_FILE_PATH instead.
_email_host = os.getenv("EMAIL_HOST", "")
_email_backend = os.getenv("EMAIL_BACKEND", "smtp" if _email_host else "console")
if _email_backend == "smtp":
    _mailer = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": _email_host,
            "port": envint("EMAIL_PORT", "587"),
            "username": os.getenv("EMAIL_HOST_USER", ""),
            "password": os.getenv("EMAIL_HOST_PASSWORD", ""),
            "use_tls": envbool("EMAIL_USE_TLS", "true"),
            "timeout": envint("EMAIL_TIMEOUT", "20"),
        },
    }
    # An email is sent within its claim: a server that answers each step just before the
    # timeout must not outlast the lease (solidaire/outbox.py).
    if envint("EMAIL_TIMEOUT", "20") * 5 > MAIL_LEASE_SECONDS:
        raise ImproperlyConfigured("MAIL_LEASE_SECONDS must be at least 5 times EMAIL_TIMEOUT.")
elif _email_backend == "file":
    _mailer = {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": os.getenv("EMAIL_FILE_PATH", str(BASE_DIR / "sent-emails"))},
    }
elif _email_backend == "console":
    _mailer = {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
else:
    raise ImproperlyConfigured("EMAIL_BACKEND must be 'console', 'file' or 'smtp'.")
MAILERS = {"default": _mailer}
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "Solidaire <ne-pas-repondre@solidaire.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Base Adresse Nationale: an organisation's coordinates come from its address.
# Empty disables the look-up (the commune's point is used).
BAN_API_URL = os.getenv("BAN_API_URL", "https://api-adresse.data.gouv.fr/search/")
BAN_API_TIMEOUT = float(os.getenv("BAN_API_TIMEOUT", "3"))

# Map tiles of the showcase: a Leaflet URL template ({s} subdomain, {z}/{x}/{y}) and its
# credit line (HTML). Empty: the maps show their markers on a blank background.
MAP_TILE_URL = os.getenv("MAP_TILE_URL", "https://{s}.tile.openstreetmap.fr/osmfr/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = os.getenv(
    "MAP_TILE_ATTRIBUTION",
    '&copy; les contributeurs d\'<a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>, '
    'fond de carte <a href="https://www.openstreetmap.fr/">OpenStreetMap France</a>',
)


def tile_origin(url: str) -> list[str]:
    """The CSP source that lets the browser load the tiles of `url`: nothing for our own
    origin or no tiles, `https://*.tile.example.org` for Leaflet's `{s}` subdomains."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return []
    labels = parts.netloc.split(".")
    if "{" in labels[0]:
        labels[0] = "*"
    if any("{" in label for label in labels):
        raise ImproperlyConfigured("MAP_TILE_URL: only the first label of the host may be a placeholder.")
    return [f"{parts.scheme}://{'.'.join(labels)}"]


INVITATION_VALIDITY_DAYS = envint("INVITATION_VALIDITY_DAYS", "14")
# Evidence of refused or withdrawn applications is deleted after this many days (RGPD).
EVIDENCE_RETENTION_DAYS = envint("EVIDENCE_RETENTION_DAYS", "365")
LISTING_VALIDITY_YEARS = 3
# The lowest quorum thresholds of a session of the assembly (DESIGN §5): the share of the
# members called to vote who must vote, and of all its colleges that must be represented.
ASSEMBLY_MIN_QUORUM_MEMBERS = envshare("ASSEMBLY_MIN_QUORUM_MEMBERS", "0.5")
ASSEMBLY_MIN_QUORUM_COLLEGES = envshare("ASSEMBLY_MIN_QUORUM_COLLEGES", "0.5")

# The Region as it appears in the SCDL open-data file of its grants (subventions.scdl).
SCDL_ATTRIBUTING_NAME = os.getenv("SCDL_ATTRIBUTING_NAME", "Région Bretagne")
SCDL_ATTRIBUTING_SIRET = os.getenv("SCDL_ATTRIBUTING_SIRET", "23350001600040")
if not stdnum_siret.is_valid(SCDL_ATTRIBUTING_SIRET):
    raise ImproperlyConfigured("SCDL_ATTRIBUTING_SIRET is not a valid SIRET number.")

# Security. The production values apply whenever DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", *tile_origin(MAP_TILE_URL)],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "true")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "true")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every step of every PDF at INFO.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
