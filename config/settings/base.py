"""Settings shared by every environment. Values come from the environment (README: "Environment variables").

local.py (make run), test.py (make test) and production.py (gunicorn in docker-compose) only add what differs.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    env.read_env(str(BASE_DIR / ".env"))

# ---- core -------------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Demo users and demo people are only loaded with DEBUG on or this flag set (manage.py seed_demo).
DEMO_DATA = env.bool("DEMO_DATA", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "axes",  # failed sign-ins and lockouts (offices/security.py)
    "django_otp",
    "django_otp.plugins.otp_totp",  # optional second factor for the admin site (ADMIN_OTP_REQUIRED)
    # shared reference data (depends on none of the lifecycle apps)
    "common",
    "offices",
    "workdays",
    "codes",
    # the site shell: home page, navigation, role sync, demo loader; reads each stage's plugins.py
    "portal",
    # the lifecycle: 申请/登记 → 服务 → 退出, then statistics and the national exchange
    "registration",
    "followup",
    "deregistration",
    "unemployment_stats",
    "national_sync",
    # deadlines across the stages (reads every stage's clocks; names none): dashboard, sweep, alerts
    "deadlines",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "common.middleware.ChineseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "offices.security.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Puts the acting user and URL into the history context of every write in the request.
    "pghistory.middleware.HistoryMiddleware",
    # Last, as django-axes requires: refuses sign-ins from locked-out accounts and addresses.
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
                "portal.context_processors.navigation",
                "deadlines.context_processors.alerts",
            ],
        },
    }
]

# ---- database: PostgreSQL in every environment ------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---- auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "offices.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# 等保2.0 level 3: at least 8 characters of at least three classes, not the user name, not a common one.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "offices.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "offices.passwords.NotUsernameValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out sign-ins before the password is checked
    "django.contrib.auth.backends.ModelBackend",
]
# Absolute session length (a working day) and the idle limit after which a staff member is signed out.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_IDLE_TIMEOUT = env.int("DJANGO_SESSION_IDLE_TIMEOUT", default=30 * 60)
# Lockout after repeated wrong passwords, per account and (separately) per client address; an administrator
# unlocks in the admin (访问尝试: delete the attempt) or with `manage.py axes_reset_username NAME`.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "offices.security.lockout_response"
AXES_USERNAME_FORM_FIELD = "username"
AXES_CLIENT_IP_CALLABLE = "offices.security.lockout_client_ip"  # the rate limits' address, proxies included
# Administrators must confirm a one-time password (TOTP, django-otp) to enter the admin site when this is on.
ADMIN_OTP_REQUIRED = env.bool("ADMIN_OTP_REQUIRED", default=False)
OTP_TOTP_ISSUER = "失业登记服务管理系统"

# ---- i18n: Simplified Chinese first, English available -----------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# ---- static files: served by the app itself (WhiteNoise); no CDN on the offices' private network --
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# ---- Redis: Celery broker and Django cache ----------------------------------------------------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("DJANGO_CACHE_PREFIX", default="ur"),
        "TIMEOUT": 300,
    }
}

# ---- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None  # jobs record their own runs in the database
CELERY_RESULT_EXPIRES = None  # no results kept, so no "celery.backend_cleanup" entry in beat's schedule
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=900)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
# A web request that queues work after commit must not hang when Redis is down: one quick retry, then the
# caller logs and moves on (common.queueing.enqueue_on_commit); the periodic sweeps pick the work up later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# Every periodic job is declared once, with its schedule, in its app's jobs.py (common.jobs.job); beat's
# schedule is built from those declarations (common.beat.RegistryScheduler). `manage.py run_job --list` shows
# them in words. Times are Asia/Shanghai.
CELERY_BEAT_SCHEDULER = "common.beat:RegistryScheduler"

# ---- notifications ------------------------------------------------------------------------------
# Dotted path of the SMS backend (an object with send(phone, text) raising common.notifications.SmsError).
SMS_BACKEND = env("SMS_BACKEND", default="common.notifications.LoggingSmsBackend")

# ---- deadlines (deadlines app: dashboard, escalation sweep, alerts) ----------------------------------
# Working days ahead an item counts as "due soon" (common.urgency): due-soon alerts, the dashboard's column.
DUE_SOON_WORKDAYS = env.int("DUE_SOON_WORKDAYS", default=2)
# Working days overdue after which the city's supervisors are alerted (escalation).
ALERTS_ESCALATE_AFTER_WORKDAYS = env.int("ALERTS_ESCALATE_AFTER_WORKDAYS", default=2)
# Send each person's daily digest of alerts by e-mail (Django's mail settings below); the inbox works without.
ALERTS_EMAIL = env.bool("ALERTS_EMAIL", default=False)
# The site's address for the links in the digest e-mails, e.g. https://registration.example.gov.cn
ALERTS_SITE_URL = env("ALERTS_SITE_URL", default="")
# Mail: the console backend prints mails (development); production sets an SMTP server.
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="noreply@localhost")

# ---- registration ------------------------------------------------------------------------------
# The province this deployment serves (六: 省级集中), e.g. "410000"; empty = the province of its offices.
DEPLOYMENT_PROVINCE = env("DEPLOYMENT_PROVINCE", default="")
# Online progress queries allowed per client address per hour (application number + ID number).
PROGRESS_QUERY_LIMIT_PER_HOUR = env.int("PROGRESS_QUERY_LIMIT_PER_HOUR", default=20)
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated), e.g.
# "10.1.2.3,10.1.2.0/28". Only a request whose direct peer is one of them has its client address taken from
# the header (common.ratelimit.client_ip); empty = REMOTE_ADDR only.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# Online application submissions per client address per hour (each one says whether a document has a case).
ONLINE_APPLICATION_LIMIT_PER_HOUR = env.int("ONLINE_APPLICATION_LIMIT_PER_HOUR", default=30)

# ---- national_sync: the ministry collaboration platform (docs/ministry-protocol.md) -------------
# The adapter: dotted path of a class implementing national_sync.transport.Transport (a province's own
# transport replaces the HTTP/JSON client here).
NATIONAL_SYNC_TRANSPORT = env("NATIONAL_SYNC_TRANSPORT", default="national_sync.transport.HttpTransport")
# Base URL of the platform's API (…/api/v1); empty = not configured (the upload job records that and sends nothing).
NATIONAL_SYNC_BASE_URL = env("NATIONAL_SYNC_BASE_URL", default="")
NATIONAL_SYNC_APP_ID = env("NATIONAL_SYNC_APP_ID", default="")
NATIONAL_SYNC_APP_SECRET = (
    Path(env("NATIONAL_SYNC_APP_SECRET_FILE")).read_text().strip()
    if env("NATIONAL_SYNC_APP_SECRET_FILE", default="")
    else env("NATIONAL_SYNC_APP_SECRET", default="")
)
# PEM bundle of the CA(s) that signed the platform's TLS certificate; empty = the system's CAs.
NATIONAL_SYNC_CA_BUNDLE = env("NATIONAL_SYNC_CA_BUNDLE", default="")
NATIONAL_SYNC_CONNECT_TIMEOUT = env.float("NATIONAL_SYNC_CONNECT_TIMEOUT", default=5.0)
NATIONAL_SYNC_READ_TIMEOUT = env.float("NATIONAL_SYNC_READ_TIMEOUT", default=30.0)
# Attempts per request on a timeout, a connection error, 429, 502, 503 or 504, with exponential backoff.
NATIONAL_SYNC_MAX_ATTEMPTS = env.int("NATIONAL_SYNC_MAX_ATTEMPTS", default=4)
NATIONAL_SYNC_BACKOFF_SECONDS = env.float("NATIONAL_SYNC_BACKOFF_SECONDS", default=1.0)
NATIONAL_SYNC_BATCH_SIZE = env.int("NATIONAL_SYNC_BATCH_SIZE", default=500)
# When the platform cannot be reached, the upload job runs again after this many minutes (0 = next day only).
NATIONAL_SYNC_RETRY_MINUTES = env.int("NATIONAL_SYNC_RETRY_MINUTES", default=30)

# ---- security defaults (production.py tightens further) ----------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# ---- history (django-pghistory) ---------------------------------------------------------------
PGHISTORY_ADMIN_MODEL = "pghistory.MiddlewareEvents"
# The history pages mask ID numbers, birth dates and phones (common.privacy.mask_history_values).
PGHISTORY_ADMIN_CLASS = "common.admin.MaskedEventsAdmin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Every log line passes through the mask: ID and phone numbers never reach a log in full (PIPL).
    "filters": {"mask_personal_data": {"()": "common.privacy.MaskPersonalDataFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"pgserver": {"level": "WARNING"}},
}
