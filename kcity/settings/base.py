"""Settings shared by every environment; everything that varies comes from the environment."""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

from core.api.openapi_settings import ENUM_NAME_OVERRIDES as API_ENUM_NAME_OVERRIDES
from core.cache import cache_config
from core.storage import s3_storage_config
from kcity.folder_broker import folder_options

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "import_export",
    # The second factor: TOTP apps and recovery codes (accounts.two_factor).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "notifications",
    "accounts",
    "projects",
    "applications",
    "reviews",
    "results",
    "awards",
    "reporting",
    "demo",
    # The log-in lock-out (accounts.lockout).
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After the user is known, outside everything that answers for itself (second factor,
    # privacy notice, lock-out): never-cache and noindex headers on private responses.
    "core.middleware.PrivateResponseMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the messages: they say why a session ended, or ask for the second factor.
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    # After the second factor: asks for the current privacy notice (accounts.privacy).
    "accounts.privacy_middleware.PrivacyNoticeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Turns a locked-out log-in into the log-in page with its message (accounts.views.locked_out);
    # inside the CSP middleware, so that page has the same headers as every other.
    "axes.middleware.AxesMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    # Inside the CSP middleware: the page for a method an address does not take has its headers.
    "core.middleware.MethodNotAllowedPageMiddleware",
]

ROOT_URLCONF = "kcity.urls"
WSGI_APPLICATION = "kcity.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=0)
# A persistent connection is checked before a request (or task) reuses it, so the first request
# after a PostgreSQL restart reconnects instead of answering 500.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The embedded default runs the web server, the Celery worker and beat on one SQLite file.
# IMMEDIATE takes the write lock when a transaction begins, so a transaction that reads and
# then writes waits for another writer (up to the timeout) instead of failing at once with
# "database is locked" (SQLite cannot wait when a reader asks to become a writer). WAL lets
# readers go on while one connection writes. tests/kcity/test_sqlite_concurrency.py.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ko", _("Korean"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# Stored in UTC; shown in the programme's time zone (Asia/Seoul) unless the user chose another.
TIME_ZONE = "Asia/Seoul"
PROGRAMME_TIME_ZONE = "Asia/Seoul"
FORMAT_MODULE_PATH = ["core.formats"]
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploaded documents live outside the web root and are served only by permission-checking views.
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private")))
MEDIA_URL = "/private-not-served/"
MAX_UPLOAD_SIZE = env.int("KCITY_MAX_UPLOAD_SIZE", default=20 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# A file above MAX_UPLOAD_SIZE is not written past the limit (to memory or a temporary file)
# and is refused by its size (core.uploads.SizeCappedUploadHandler).
FILE_UPLOAD_HANDLERS = [
    "core.uploads.SizeCappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# With KCITY_S3_BUCKET set, documents live in that private bucket on S3-compatible storage
# (MinIO, S3) instead of MEDIA_ROOT, so every web and worker host reads the same files
# (core.storage, docs/deployment.md). Downloads still go through the permission-checking views,
# which stream the object; no URL of the bucket is ever handed out. `manage.py
# move_files_to_bucket` copies the files already on disk into the bucket.
KCITY_S3_BUCKET = env("KCITY_S3_BUCKET", default="")
if KCITY_S3_BUCKET:
    STORAGES["default"] = s3_storage_config(
        bucket=KCITY_S3_BUCKET,
        # MinIO or another S3-compatible server, e.g. http://minio:9000; empty: Amazon S3.
        endpoint_url=env("KCITY_S3_ENDPOINT_URL", default=""),
        region=env("KCITY_S3_REGION", default="us-east-1"),
        # Empty: boto3's own chain (AWS_ACCESS_KEY_ID..., an instance or task role).
        access_key=env("KCITY_S3_ACCESS_KEY_ID", default=""),
        secret_key=env("KCITY_S3_SECRET_ACCESS_KEY", default=""),
        # A key prefix inside the bucket (e.g. "portal/"); empty: the bucket's root.
        location=env("KCITY_S3_PREFIX", default=""),
        addressing_style=env("KCITY_S3_ADDRESSING_STYLE", default="path"),
        default_acl=env("KCITY_S3_DEFAULT_ACL", default="private"),
        max_memory_size=FILE_UPLOAD_MAX_MEMORY_SIZE,
    )
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Files in one request: every form takes one or two. Django's 100, each up to MAX_UPLOAD_SIZE
# written to a temporary file, let one anonymous request fill the disk with 2 GB (the proxy
# also caps the body: deploy/Caddyfile, request_body).
DATA_UPLOAD_MAX_NUMBER_FILES = 5

EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env(
    "DJANGO_DEFAULT_FROM_EMAIL", default="K-City Network <noreply@kcity.local>"
)
# Seconds a connection to the mail server waits for an answer: a server that hangs holds a
# sender (the outbox's delivery task) this long, not until it is killed (docs/reliability.md).
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=10)
SITE_URL = env("KCITY_SITE_URL", default="http://127.0.0.1:8000")

# The cache holds only what may be lost (API throttling, e-mail rate-limit counters). A Redis
# URL gets core.cache.ResilientRedisCache: short time-outs, a circuit breaker and a local
# fallback, so a Redis outage never fails a request (docs/reliability.md, "Redis down").
CACHES = {
    "default": cache_config(env("CACHE_URL", default="locmemcache://kcity")),
}
# Sessions in the database (Django's default, said out loud): never in the cache, so a Redis
# outage or restart logs nobody out and never breaks log-in.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Celery -------------------------------------------------------------------------------
# Without REDIS_URL the broker is a folder on disk, so the demo needs no server at all.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_FOLDER = BASE_DIR / "var" / "broker"
# Kombu's filesystem transport, with messages written whole and taken by one consumer
# (kcity/folder_broker.py says what kombu's own does wrong); the broker URL stays filesystem://.
FOLDER_BROKER_TRANSPORT = "kcity.folder_broker:Transport"
# The Redis broker's options (here and in production.py):
# Redis hands an unacknowledged task to another worker after ``visibility_timeout`` seconds:
# longer than the longest hard time limit (660 s, reviews.services.jobs.JOB_TIME_LIMIT) plus a
# margin, so a running task is never delivered twice; well under an hour, so a task whose whole
# worker was killed comes back within 15 minutes (the job sweep acts sooner). Short socket
# time-outs: with Redis down, a request that queues a task learns it in well under a second
# (the row it wrote is picked up by the periodic jobs) instead of hanging.
# CELERY_BROKER_KEY_PREFIX starts every key the broker writes (kombu's ``global_keyprefix``):
# two portals or two test runs on one Redis database then never take each other's tasks
# (.ci/run gives each run its own).
REDIS_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 900,
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
    "global_keyprefix": env("CELERY_BROKER_KEY_PREFIX", default=""),
}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = dict(REDIS_BROKER_TRANSPORT_OPTIONS)
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT = FOLDER_BROKER_TRANSPORT
    CELERY_BROKER_TRANSPORT_OPTIONS = folder_options(CELERY_BROKER_FOLDER)
# Three queues, so that long jobs never hold up mail (docs/deployment.md, "Queues"):
#   mail     notification delivery (every task named notifications.*): short, many, urgent;
#   long     the jobs that may run for minutes (aggregation, automatic assignment, retention);
#   default  everything else (periodic syncs, reminders, sweeps, the heartbeat).
# Each queue has its own exchange and routing key: queues that shared the default ones would
# each receive a copy of every message. A worker started without -Q consumes all three (the
# demo, the tests, bench/); docker-compose.yml runs "worker" on default+mail and "worker-long"
# on long, so a track's aggregation never waits behind mail nor mail behind it.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_DEFAULT_EXCHANGE = "default"
CELERY_TASK_DEFAULT_ROUTING_KEY = "default"
CELERY_TASK_QUEUES = tuple(
    Queue(name, Exchange(name, type="direct"), routing_key=name)
    for name in ("default", "mail", "long")
)
CELERY_TASK_ROUTES = {
    "notifications.*": {"queue": "mail"},
    "reviews.aggregate_scores": {"queue": "long"},
    "reviews.assign_reviewers": {"queue": "long"},
    "accounts.apply_retention": {"queue": "long"},
}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
# With acks_late: a task whose pool process died (killed, out of memory) goes back to the queue
# at once instead of being acknowledged as failed; its job restarts (reviews.services.jobs
# .begin_job, at most two starts) instead of staying "running" for ever.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing a task from a request: one quick retry, then the caller records the failure (the
# outbox row stays pending, the job is marked failed) rather than keep the user waiting.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# A waiting job not started, or a running job without a heartbeat, for this long is re-queued
# or failed by the "sweep-stuck-jobs" entry below (reviews.services.jobs.sweep_stuck_jobs).
KCITY_JOB_STALE_SECONDS = env.int("KCITY_JOB_STALE_SECONDS", default=180)
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Opens and closes calls when their dates (Asia/Seoul) pass; the server decides, not the browser.
    # Every minute-long job expires unrun after 50 s: after a worker outage the runs queued
    # meanwhile are not all done at once (each would do the same work again).
    "sync-call-statuses": {
        "task": "projects.sync_call_statuses",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # Re-queues outbox messages whose delivery failed or was never queued (broker or SMTP outage)
    # once their retry is due (the first back-off is one minute), and resolves lost claims.
    "resend-pending-messages": {
        "task": "notifications.resend_pending_messages",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # Re-queues or fails background jobs (assignment, aggregation) left waiting or running with
    # nothing working on them: a lost task message, a killed worker (reviews.services.jobs).
    "sweep-stuck-jobs": {
        "task": "reviews.sweep_stuck_jobs",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # Reminds applicants of unsubmitted drafts 7 days and 1 day before a call closes. Hourly,
    # not daily: beat skips a tick it cannot publish (broker down), and the next run sends what
    # is due (each reminder once, by its dedupe key). A backlog after an outage expires unrun.
    "remind-draft-applicants": {
        "task": "applications.remind_draft_applicants",
        "schedule": crontab(minute=0),
        "options": {"expires": 3000},
    },
    # Reminds reviewers 3 days and 1 day before the review deadline, and daily when overdue.
    # Hourly, for the same reason: the first run at or after a reminder's moment sends it.
    "remind-reviewers": {
        "task": "reviews.remind_reviewers",
        "schedule": crontab(minute=0),
        "options": {"expires": 3000},
    },
    # Reminds contractors of deliverables coming due or overdue.
    "remind-deliverables": {
        "task": "projects.remind_deliverables",
        "schedule": crontab(minute=30, hour=0),
    },
    # Anonymises personal data past its retention period (accounts.privacy; docs/privacy.md).
    "apply-retention": {
        "task": "accounts.apply_retention",
        "schedule": crontab(minute=0, hour=3),
    },
    # Deletes the stored files whose deletion failed when their change committed (a bucket
    # down, a process killed): core.file_deletion.
    "delete-pending-files": {
        "task": "core.delete_pending_files",
        "schedule": crontab(minute=45),
        "options": {"expires": 3000},
    },
    # Deletes the files kept for forms shown again (core.kept_uploads) once a day old.
    "purge-kept-uploads": {
        "task": "core.purge_kept_uploads",
        "schedule": crontab(minute=15),
        "options": {"expires": 3000},
    },
    # The worker's heartbeat (core.Heartbeat "worker"): fresh means beat, the broker and a worker
    # work; the staff system-status page turns red after 3 minutes. Expires unrun after 50 s so
    # a worker back from an outage does not run a backlog of them.
    "heartbeat": {
        "task": "core.heartbeat",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
}

# --- REST framework and OpenAPI ---------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: a failed or missing log-in then answers 401 with ``WWW-Authenticate: Token``
    # (session first would turn it into a 403). Without an Authorization header the browser's
    # session is used, with its CSRF check on writes.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # JSON, and the browsable API without its HTML forms (core.api.renderers).
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "core.api.renderers.PortalBrowsableAPIRenderer",
    ],
    # DRF's parsers, with a JSON parser that answers 400 to a body nested too deeply to read
    # (core.api.parsers), not 500.
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.PortalJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PortalPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # DRF's anon/user throttles that let reads through when the cache is down (writes are
    # counted in the process-local fallback): core.api.throttling.
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttling.PortalAnonRateThrottle",
        "core.api.throttling.PortalUserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("KCITY_API_ANON_RATE", default="120/min"),
        "user": env("KCITY_API_USER_RATE", default="600/min"),
    },
    "EXCEPTION_HANDLER": "core.api.exceptions.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "K-City Network Portal API",
    "DESCRIPTION": "Calls, applications, review and the funded portfolio of the K-City Network.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set (several models have a "kind" or "status"); owned by the API.
    "ENUM_NAME_OVERRIDES": API_ENUM_NAME_OVERRIDES,
}

# --- Log-in, sessions and the second factor --------------------------------------------------
# Addresses (or networks, e.g. 172.18.0.0/16) of the reverse proxies in front of the portal:
# only a request from one of them may name the client in X-Forwarded-For (accounts.client_ip).
# Empty: the header is ignored and REMOTE_ADDR is the client.
KCITY_TRUSTED_PROXIES = env.list("KCITY_TRUSTED_PROXIES", default=[])

# django-axes (accounts.lockout): after AXES_FAILURE_LIMIT failed log-ins within the cool-off,
# the account and the client address are each locked for the cool-off, at every log-in door.
AXES_FAILURE_LIMIT = env.int("KCITY_LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("KCITY_LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# The log-in forms' field (Django's authenticate() takes the e-mail address as "username").
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.lockout.username_for_lockout"
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# Attempts while locked are refused unchecked and do not extend the lock. A correct password
# clears only that account's failures (accounts.auth_events), never the address's.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = False
# Log-ins and log-outs are in the portal's own audit trail (accounts.auth_events).
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# A session lasts at most SESSION_COOKIE_AGE seconds after the log-in; staff, reviewers and
# back-office users are logged out after KCITY_SESSION_IDLE_TIMEOUT_STAFF seconds without
# a request, everybody else after KCITY_SESSION_IDLE_TIMEOUT (0: no idle limit).
SESSION_COOKIE_AGE = env.int("KCITY_SESSION_MAX_AGE", default=12 * 60 * 60)
KCITY_SESSION_IDLE_TIMEOUT_STAFF = env.int("KCITY_SESSION_IDLE_TIMEOUT_STAFF", default=30 * 60)
KCITY_SESSION_IDLE_TIMEOUT = env.int("KCITY_SESSION_IDLE_TIMEOUT", default=0)

# The second factor (django-otp): the name authenticator apps show, and the back office never
# shows a device's secret.
OTP_TOTP_ISSUER = "K-City Network"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Portal ---------------------------------------------------------------------------------
KCITY_RESET_RATE = env("KCITY_RESET_RATE", default="5/h")
# Sign-up tries per IP address: each one may send a verification e-mail, and the answer says
# whether an address has an account (accounts.views.signup).
KCITY_SIGNUP_RATE = env("KCITY_SIGNUP_RATE", default="10/h")
# Wrong API tokens per client address; past it the API answers 429 to that address's token
# requests until the window ends (accounts.api_auth).
KCITY_API_TOKEN_FAILURE_RATE = env("KCITY_API_TOKEN_FAILURE_RATE", default="30/10m")

# The secretariats' help desks (core.contacts): the help page, the accessibility statement and
# the award letter name them. Keyed by the name of the organisation that runs a track
# (Track.secretariat); set the real addresses in each deployment's environment.
KCITY_SECRETARIATS = {
    "KIND": {
        "name": _("Korea Overseas Infrastructure & Urban Development Corporation (KIND)"),
        "tracks": _("Smart City Planning"),
        "email": env("KCITY_KIND_EMAIL", default="planning@kcity.example"),
        "phone": env("KCITY_KIND_PHONE", default=""),
        "website": "https://www.kind.or.kr",
    },
    "KAIA": {
        "name": _("Korea Agency for Infrastructure Technology Advancement (KAIA)"),
        "tracks": _("Smart Solution Overseas Demonstration"),
        "email": env("KCITY_KAIA_EMAIL", default="demonstration@kcity.example"),
        "phone": env("KCITY_KAIA_PHONE", default=""),
        "website": "https://www.kaia.re.kr",
    },
}
# When the help desks answer, in Korea Standard Time (shown on /help/).
KCITY_HELPDESK_HOURS = _("Monday to Friday, 9:00–18:00 KST, except Korean public holidays")
# Who signs award letters (awards.services.award_letter_context), in English and in Korean.
KCITY_LETTER_SIGNATORY = {
    "name": env("KCITY_LETTER_SIGNATORY_NAME", default=""),
    "name_ko": env("KCITY_LETTER_SIGNATORY_NAME_KO", default=""),
    "title": env("KCITY_LETTER_SIGNATORY_TITLE", default="Director, K-City Network Programme"),
    "title_ko": env("KCITY_LETTER_SIGNATORY_TITLE_KO", default="K-City Network 사업 총괄"),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}
