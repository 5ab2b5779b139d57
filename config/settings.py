"""GovBuy settings: one module, everything from environment variables.

With no environment at all this gives the embedded default a newcomer runs: SQLite in ``db.sqlite3``,
Celery tasks run eagerly, database search, e-mail to the console, files on local disk, and secrets
generated once into the git-ignored ``.local/secrets.env``.

Production and CI differ only by environment (see README "Running in production"):
``DATABASE_URL`` (PostgreSQL), ``CELERY_BROKER_URL`` and ``REDIS_URL`` (Redis), ``ELASTICSEARCH_URL``,
``AWS_STORAGE_BUCKET_NAME`` (S3-compatible object storage), ``DEBUG=false`` with ``SECRET_KEY``,
``GOVBUY_MASTER_KEY`` and ``ALLOWED_HOSTS``.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.local_secrets import load_or_create

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.smart_cast = False

DEBUG = env.bool("DEBUG", default=True)

# --- Secrets ---------------------------------------------------------------------------------------
_secret_names = ("SECRET_KEY", "GOVBUY_MASTER_KEY")
if all(env.str(name, default="") for name in _secret_names):
    _local_secrets: dict[str, str] = {}
elif DEBUG:
    _local_secrets = load_or_create(
        Path(env.str("GOVBUY_LOCAL_SECRETS", default=str(BASE_DIR / ".local/secrets.env")))
    )
else:
    missing = ", ".join(n for n in _secret_names if not env.str(n, default=""))
    raise ImproperlyConfigured(f"With DEBUG off these secrets must come from the environment: {missing}")

SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secrets["SECRET_KEY"]
# Wraps the per-tender keys that encrypt sealed bids (procurement). 32 bytes, url-safe base64.
GOVBUY_MASTER_KEY = env.str("GOVBUY_MASTER_KEY", default="") or _local_secrets["GOVBUY_MASTER_KEY"]
try:
    _padded = GOVBUY_MASTER_KEY.strip() + "=" * (-len(GOVBUY_MASTER_KEY.strip()) % 4)
    _master_key_ok = len(base64.urlsafe_b64decode(_padded.encode("ascii"))) == 32
except (ValueError, UnicodeEncodeError):
    _master_key_ok = False
if not _master_key_ok:
    # Fail at start-up, not at the first bid opening, when the key cannot wrap anything.
    raise ImproperlyConfigured("GOVBUY_MASTER_KEY must be url-safe base64 of exactly 32 random bytes.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Applications ----------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our own static files (works offline)
    # GovBuy, in import order: each app may import only those above it.
    "accounts",
    "vendors",
    "procurement",
    "evaluation",
    # Cross-cutting readers: read from every app above, imported by none.
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous visitors' public pages from the cache, before sessions/auth/CSRF (accounts/pagecache.py).
    "accounts.pagecache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: a signed-in user's saved language applies when no choice was made.
    "accounts.middleware.ChineseFirstLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.RequireMFAMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "accounts.context_processors.navigation",
                "accounts.context_processors.notifications",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # BEGIN IMMEDIATE: a transaction that reads then writes (the audit chain) takes the write lock
    # up front instead of failing with "database is locked" when it upgrades.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache -----------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Anonymous visitors' public pages are served from the cache for at most this long (0: off); any
# change to public data makes them stale at once (accounts/pagecache.py).
PUBLIC_PAGE_CACHE_SECONDS = env.int("PUBLIC_PAGE_CACHE_SECONDS", default=60)
# The tender list's rows and the tender page's public parts are kept for every visitor for at most
# this long (0: off); a change to the tender they show makes them stale at once (procurement/fragments.py).
PUBLIC_FRAGMENT_SECONDS = env.int("PUBLIC_FRAGMENT_SECONDS", default=300)

# --- Celery ----------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# Embedded default: no broker, tasks run in-process when they are enqueued (after commit).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis: a task taken by a worker that then vanished (killed, machine lost: it can no longer reject
# it) is delivered again after this many seconds. Longer than the longest task and countdown.
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, int] = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
}
# How often a worker looks for such tasks: by default kombu sweeps about every 100 s (every 10th
# 10-second poll); ``CELERY_RESTORE_INTERVAL`` (seconds) sweeps at that interval instead.
if restore_interval := env.int("CELERY_RESTORE_INTERVAL", default=0):
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        unacked_restore_interval=restore_interval, unacked_restore_throttle=1
    )
# A worker that starts before Redis keeps retrying instead of exiting (explicit: Celery 6 changes it).
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}
# Notification digests (accounts): one e-mail per user with the day's digest items, 08:00 Beijing time.
CELERY_BEAT_SCHEDULE["accounts.daily_notification_digest"] = {
    "task": "accounts.tasks.send_daily_digests",
    "schedule": crontab(hour=8, minute=0),
}
# Bidding closes at the deadline (procurement): every 30 s; also checked on every submission.
CELERY_BEAT_SCHEDULE["procurement.close_due_tenders"] = {
    "task": "procurement.close_due_tenders",
    "schedule": env.float("BID_CLOSING_INTERVAL_SECONDS", default=30.0),
}
# Award, challenge and contract deadlines (procurement): purchasers reminded daily, 08:30 Beijing time.
CELERY_BEAT_SCHEDULE["procurement.send_deadline_reminders"] = {
    "task": "procurement.send_deadline_reminders",
    "schedule": crontab(hour=8, minute=30),
}
# Sealed-bid upload limits (procurement.uploads), bytes.
GOVBUY_BID_MAX_FILE_BYTES = env.int("BID_MAX_FILE_BYTES", default=20 * 1024 * 1024)
GOVBUY_BID_MAX_TOTAL_BYTES = env.int("BID_MAX_TOTAL_BYTES", default=100 * 1024 * 1024)
# Retired master keys (url-safe base64, comma-separated) still able to unwrap tender keys after rotation.
GOVBUY_RETIRED_MASTER_KEYS = env.list("GOVBUY_RETIRED_MASTER_KEYS", default=[])

# --- Search ----------------------------------------------------------------------------------------
ELASTICSEARCH_URL = env.str("ELASTICSEARCH_URL", default="")
SEARCH_BACKEND = "elasticsearch" if ELASTICSEARCH_URL else "database"
SEARCH_INDEX_PREFIX = env.str("SEARCH_INDEX_PREFIX", default="govbuy")

# --- Auth, allauth and MFA -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
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
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[GovBuy] "
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SupplierSignupForm"
# Failed logins: at most 5 per 5 minutes per account (e-mail address), after which even the right
# password is refused until the window passes. The per-address limit is looser because a whole
# government office usually reaches us from one NAT address: 5/5m/ip would let one mistyping
# colleague lock out everybody. allauth keeps the counters in the cache, so in production every web
# node shares them through Redis.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("LOGIN_FAILED_RATE_LIMIT", default="30/5m/ip,5/5m/key"),
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "GovBuy"
MFA_RECOVERY_CODE_COUNT = 10
# Roles that may not act before they have set up TOTP (see accounts.middleware).
GOVBUY_MFA_REQUIRED_ROLES = env.list("MFA_REQUIRED_ROLES", default=["directory_admin", "expert", "evaluator"])
GOVBUY_INVITATION_DAYS = env.int("INVITATION_DAYS", default=7)
# Comprehensive scoring for services: the price weight's floor is law (Order 87 Art. 55), its cap local practice.
GOVBUY_PRICE_WEIGHT_MIN = env.int("PRICE_WEIGHT_MIN", default=10)
GOVBUY_PRICE_WEIGHT_MAX = env.int("PRICE_WEIGHT_MAX", default=30)
# --- Performance evaluation (evaluation) -----------------------------------------------------------
# Appeal period after publication, in working days (Chinese statutory calendar, procurement.calendar).
GOVBUY_EVALUATION_APPEAL_WORKING_DAYS = env.int("EVALUATION_APPEAL_WORKING_DAYS", default=5)
# Grades (excellent, good, fair, poor = 优 良 中 差) that release the final instalment; the others hold it.
GOVBUY_EVALUATION_RELEASE_GRADES = env.list(
    "EVALUATION_RELEASE_GRADES", default=["excellent", "good", "fair"]
)
# Grades that propose suspending the organisation's directory qualification, and for how long.
GOVBUY_EVALUATION_SUSPENSION_GRADES = env.list("EVALUATION_SUSPENSION_GRADES", default=["poor"])
GOVBUY_EVALUATION_SUSPENSION_MONTHS = env.int("EVALUATION_SUSPENSION_MONTHS", default=12)
GOVBUY_SURVEY_MAX_TOKENS = env.int("SURVEY_MAX_TOKENS", default=500)
# Published results whose appeal period has ended become final (and their consequences apply): hourly.
CELERY_BEAT_SCHEDULE["evaluation.finalise_due_evaluations"] = {
    "task": "evaluation.finalise_due_evaluations",
    "schedule": env.float("EVALUATION_FINALISE_INTERVAL_SECONDS", default=3600.0),
}

# --- Internationalisation --------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"  # for people; the database stores UTC (USE_TZ)
USE_I18N = True
USE_TZ = True

# --- Static and media files ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    # S3-compatible object storage (MinIO, OSS, COS ...), shared by every web and worker node.
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_PERMISSIONS = 0o640
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6 default, adopted now
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- E-mail ----------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="GovBuy 政府购买服务平台 <noreply@govbuy.example.org>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- REST API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "accounts.api.pagination.KeysetPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "accounts.api.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "accounts.api.throttles.AnonThrottle",
        "accounts.api.throttles.UserThrottle",
        "accounts.api.throttles.WriteThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/min"),
        "user": env.str("API_THROTTLE_USER", default="600/min"),
        "write": env.str("API_THROTTLE_WRITE", default="60/min"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "TITLE": "GovBuy API",
    "DESCRIPTION": _("Public and role-based API of the GovBuy social-services procurement platform."),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TenderStatusEnum": "procurement.models.tenders.TenderStatus",
        "BidStatusEnum": "procurement.models.bids.BidStatus",
        "AwardStatusEnum": "procurement.models.awards.AwardStatus",
        "ChallengeStatusEnum": "procurement.models.awards.ChallengeStatus",
        "ContractStatusEnum": "procurement.models.contracts.ContractStatus",
        "DirectoryEntryStatusEnum": "vendors.models.directory.DirectoryEntry.Status",
        "OrganisationKindEnum": "vendors.models.organisations.OrganisationKind",
        "EvaluationStatusEnum": "evaluation.models.evaluations.EvaluationStatus",
        "EvaluationKindEnum": "evaluation.models.evaluations.EvaluationKind",
        "IndicatorKindEnum": "evaluation.models.indicators.IndicatorKind",
        "CriterionKindEnum": "procurement.models.tenders.ScoringCriterion.Kind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "accounts.api.schema.add_error_responses",
    ],
}
# Open Contracting Data Standard (portal/ocds, docs/portal.md): every project's ocid is
# "<prefix>-<tender reference>". Real prefixes ("ocds-" + 6 characters) are registered with the Open
# Contracting Partnership; the default is a placeholder for development and demos.
OCDS_OCID_PREFIX = env.str("OCDS_OCID_PREFIX", default="ocds-govbuy")

# --- Security --------------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(timedelta(hours=8).total_seconds())
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less meta tag; see base.html
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Logging ---------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every layout step at INFO; PDFs are rendered in Celery workers.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
