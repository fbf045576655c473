"""Settings for the coalition portal: one module, configured by the environment.

With nothing set the portal runs on the *embedded default*: a SQLite file, Celery tasks run eagerly
in the web process, an in-memory cache and e-mail printed to the console. Setting ``DATABASE_URL``
and ``REDIS_URL`` moves it to PostgreSQL, a Redis cache and a real Celery worker and beat.
``DJANGO_ENV=production`` turns on the production checks: a secret key and allowed hosts are then
required, and ``manage.py check --deploy`` passes. The README has the full table.
"""

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def media_storage(url: str, signed_url_seconds: int) -> dict:
    """The STORAGES entry for ``MEDIA_STORAGE_URL`` (s3://bucket[/prefix]?endpoint=...&region=...)."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.hostname:
        raise ImproperlyConfigured("MEDIA_STORAGE_URL must look like s3://<bucket>[/<prefix>][?endpoint=...]")
    query = dict(parse_qsl(parts.query))
    unknown = set(query) - {"endpoint", "region"}
    if unknown:
        raise ImproperlyConfigured(f"MEDIA_STORAGE_URL: unknown parameter(s) {', '.join(sorted(unknown))}")
    return {
        "BACKEND": "coalition.storage.PrivateBucketStorage",
        "OPTIONS": {
            "bucket_name": parts.hostname,
            "location": parts.path.strip("/"),
            "endpoint_url": query.get("endpoint"),
            "region_name": query.get("region"),
            # Private objects: no ACL of their own (the bucket's policy is private), URLs signed.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": signed_url_seconds,
            "signature_version": "s3v4",
            # Path-style addressing works with every S3-compatible server, virtual hosts need DNS.
            "addressing_style": "path" if query.get("endpoint") else None,
            # Two uploads of the same name keep both files, as on disk (the backend overwrites by default).
            "file_overwrite": False,
        },
    }


# ---------------------------------------------------------------------------------------------
# Mode
# ---------------------------------------------------------------------------------------------
DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in ("development", "production"):
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'")
PRODUCTION = DJANGO_ENV == "production"
DEBUG = env.bool("DJANGO_DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off when DJANGO_ENV=production")

if PRODUCTION:
    # Required production secrets have no default: a missing one stops the start.
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
    if not SECRET_KEY.strip():  # an environment file with the line left blank
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Set DJANGO_ALLOWED_HOSTS")
else:
    # Not a secret: development sessions on a developer's machine only.
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="development-only-key-not-for-production-use")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

# The site's public address: the one source of every absolute link (e-mails, feeds, calendars,
# exports, <link> tags), never the request's host. In development it follows PORT (scripts/demo).
SITE_URL = env.str("SITE_URL", default="https://" + ALLOWED_HOSTS[0] if PRODUCTION
                   else "http://localhost:" + env.str("PORT", default="8000"))
SITE_URL = SITE_URL.rstrip("/")

# ---------------------------------------------------------------------------------------------
# Applications
# ---------------------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "members.apps.CoalitionAdminConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.saml",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rules.apps.AutodiscoverRulesConfig",
    # our apps, lowest layer first: the outbox and the audit log under the membership domain
    "members.notifications",
    "members.audit",
    "members",
    "members.sso",
    "working_groups",
    "working_groups.progress",
    "working_groups.cooperation",
    "meetings",
    "meetings.governance",
    "meetings.dissemination",
    "coalition",
]

MIDDLEWARE = [
    "coalition.middleware.ClientAddressFromProxy",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "coalition.middleware.RejectNullCharacters",
    "coalition.middleware.RejectMalformedText",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "coalition.middleware.CacheVersionsPerRequest",
    "coalition.middleware.AnonymousPageCache",
]

ROOT_URLCONF = "coalition.urls"
# Form templates in templates/django/forms/ render every form (ours and allauth's) the same way.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "coalition.wsgi.application"
ASGI_APPLICATION = "coalition.asgi.application"

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
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "coalition.context_processors.site",
            ],
            "builtins": ["members.templatetags.portal"],
        },
    },
]

# ---------------------------------------------------------------------------------------------
# Database and cache
# ---------------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
# A connection that died (PostgreSQL restarted) is noticed and replaced on the next request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    # .iterator() (a form's choices among others) reads in one round trip instead of three
    # (DECLARE, FETCH, CLOSE); it also keeps the portal usable behind a transaction pooler.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    # No JIT compilation: it starts on a query whose estimated cost passes jit_above_cost (a need's
    # ranked suggestions over 15,000 institutions, a facet count) and costs 10-20 ms of compiling for
    # a query that runs in 20-40; the portal runs no query long enough to gain from it.
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
USES_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"



def _checkout_commit() -> str:
    """The commit of the checkout the code runs from ("" when it is not a git checkout)."""
    import subprocess  # noqa: PLC0415 - only at start-up, and only without RELEASE

    try:
        return subprocess.run(["git", "-C", str(BASE_DIR), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


# What code is running, in the keys of cached pages and fragments (members/cache.py): a deploy changes
# the HTML the templates make, and what the previous release cached must not be served by this one
# (until its entries expired, a fixed map or menu stayed invisible). The deploy may name the release
# (RELEASE=<commit or version>); otherwise it is the checkout's commit.
RELEASE = env.str("RELEASE", default="") or _checkout_commit()

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "coalition.cache.RedisCache",  # Django's, one client per pool (coalition/cache.py)
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="coalition"),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Seconds a public page rendered for visitors may be served from the cache (0: off). Every write
# invalidates the pages that show what changed at once; this bounds time-only changes.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=60)

# ---------------------------------------------------------------------------------------------
# Celery (settings under the CELERY_ namespace; the app and its schedule are in coalition/celery.py)
# ---------------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
# Without Redis there is no worker: tasks run in the web process, after the transaction commits.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Asia/Tokyo"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A pool process is replaced after this many tasks, or after a task that left it above this much
# resident memory (KiB): a long digest run then stays within its memory (bench/digest.py).
# 0 means no limit.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_MAX_TASKS_PER_CHILD", default=100) or None
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_MAX_MEMORY_PER_CHILD", default=150_000) or None
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task is acknowledged once it has run, not when a worker takes it: a worker stopped with SIGTERM
# finishes the task in hand (warm shutdown) and gives back the ones it had reserved; one that dies
# gives its task back (at once when only a pool process died, after the broker's visibility timeout
# when the whole worker did). Every task may run twice: each claims its rows or writes under a
# deduplication key (members/notifications).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# One queue; a test run uses a queue of its own so it never meets another run's tasks.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")

# ---------------------------------------------------------------------------------------------
# E-mail
# ---------------------------------------------------------------------------------------------
# EMAIL_URL: smtp://user:pass@host:587 (smtp+tls://, smtp+ssl://), consolemail://, filemail:///path
_email = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(_email)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="大学等コアリション事務局 <secretariat@coalition.example.org>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SECRETARIAT_EMAIL = env.str("SECRETARIAT_EMAIL", default="secretariat@coalition.example.org")

# The outbox (members/notifications): how long a row may sit in 'sending' before the sweeper
# assumes its worker died, how long a queued row may wait before it is enqueued again, and retries.
NOTIFY_SENDING_TIMEOUT = env.int("NOTIFY_SENDING_TIMEOUT", default=300)
NOTIFY_QUEUED_GRACE = env.int("NOTIFY_QUEUED_GRACE", default=120)
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=8)
# Seconds before a message's first retry (doubles with each attempt); a fraction of a second is
# allowed so that the tests' workers spend the default attempts in seconds, not minutes.
NOTIFY_RETRY_BASE = env.float("NOTIFY_RETRY_BASE", default=30.0)
# The longest wait (seconds) between two tries of a server that is away: an outage delays mail for
# as long as it lasts and never uses up a message's attempts (members/notifications/delivery.py).
NOTIFY_OUTAGE_MAX_DELAY = env.int("NOTIFY_OUTAGE_MAX_DELAY", default=300)
NOTIFY_BATCH_SIZE = env.int("NOTIFY_BATCH_SIZE", default=100)
# People per weekly-digest batch (one task each, a fixed number of queries each).
DIGEST_BATCH_SIZE = env.int("DIGEST_BATCH_SIZE", default=500)
# Hours after Monday 08:00 JST during which the digest sweeper starts the week's digest itself if
# beat's task for it was lost (0: never).
DIGEST_CATCH_UP_HOURS = env.int("DIGEST_CATCH_UP_HOURS", default=24)
# Seconds between two runs of the sweeper (Celery beat).
NOTIFY_SWEEP_INTERVAL = env.float("NOTIFY_SWEEP_INTERVAL", default=60.0)
# Seconds between two looks for meeting reminders that are due (Celery beat).
MEETING_REMINDER_INTERVAL = env.float("MEETING_REMINDER_INTERVAL", default=600.0)
# When a fiscal year's yearly report is due unless the secretariat sets another date: month-day in
# the calendar year the fiscal year ends (FY2025 ends March 2026 → due 30 June 2026); the contacts
# are reminded 30 and 7 days before and on the day, looked for every PROGRESS_REMINDER_INTERVAL s.
PROGRESS_REPORT_DUE = env.str("PROGRESS_REPORT_DUE", default="06-30")
PROGRESS_REMINDER_INTERVAL = env.float("PROGRESS_REMINDER_INTERVAL", default=3600.0)
# The public newsletter: days an unconfirmed subscription waits for its confirmation before it is
# deleted, and hours its confirmation link is valid.
NEWSLETTER_UNCONFIRMED_DAYS = env.int("NEWSLETTER_UNCONFIRMED_DAYS", default=30)
NEWSLETTER_CONFIRM_HOURS = env.int("NEWSLETTER_CONFIRM_HOURS", default=72)
# Visitors registered for a public symposium: days after the meeting ends when their name, address
# and affiliation are erased (meetings.services.visitors_erase; beat, daily). Said on the registration form.
VISITOR_DATA_DAYS = env.int("VISITOR_DATA_DAYS", default=30)
# How long an unsubscribe link stays valid (seconds); a year covers a yearly general meeting.
UNSUBSCRIBE_MAX_AGE = env.int("UNSUBSCRIBE_MAX_AGE", default=400 * 24 * 3600)

# ---------------------------------------------------------------------------------------------
# The general meeting's rules of procedure (meetings/governance/procedure.py has the defaults)
# ---------------------------------------------------------------------------------------------
# Cooperating institutions (協力機関) speak at the general meeting but vote only when the rules say so.
GOVERNANCE_COOPERATING_VOTE = env.bool("GOVERNANCE_COOPERATING_VOTE", default=False)
# Per kind of motion, (quorum, majority) where the coalition's rules differ from the defaults,
# e.g. {"rules_change": ("1/2", "two_thirds")}.
GOVERNANCE_RULES = {}

# ---------------------------------------------------------------------------------------------
# Accounts (django-allauth)
# ---------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",  # every permission: the predicates in <app>/rules.py
    "members.backends.EmailBackend",  # allauth's sign-in by e-mail, without Django's model permissions
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"  # the signed-in home (coalition/waiting.py); the secretariat lands on its queue
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_FORMS = {"signup": "members.forms.SignupForm"}
ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD = "website_url"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_SESSION_REMEMBER = None
# Sign-in: 10 per minute per address, 5 failures per 5 minutes per account (allauth's keys).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/300s/key",
    "reset_password": "20/m/ip,5/m/key",
    "signup": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "大学等コアリション"
# A code is accepted in its own 30-second window and the one before (RFC 6238 §5.2 allows one step
# for the delay between reading the code and its arrival): a code typed in the last seconds of its
# window no longer fails. allauth still refuses a code used once (for the whole tolerated span).
MFA_TOTP_TOLERANCE = 1
MFA_ADAPTER = "allauth.mfa.adapter.DefaultMFAAdapter"
# Members of this group run the coalition. They act only with TOTP two-factor sign-in set up:
# allauth then asks every sign-in for the second factor (members/rules.py, is_secretariat).
SECRETARIAT_GROUP = "secretariat"

# Single sign-on (SAML 2.0, members/sso/): identity providers are rows the secretariat keeps in the
# admin, which the adapter gives allauth as SAML apps. A first sign-in joins an existing account
# only through an address verified on both sides, otherwise it signs up (an affiliation request
# follows); our provider class adds a replay cache and reads the REFEDS MFA context.
SOCIALACCOUNT_ADAPTER = "members.sso.adapter.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {"saml": {"provider_class": "members.sso.saml.CoalitionSAMLProvider"}}
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_STORE_TOKENS = False
# Where "sign in with your university" may send the browser (CSP form-action of that page).
SSO_FORM_ACTION = env.list("SSO_FORM_ACTION", default=["https:"])

# ---------------------------------------------------------------------------------------------
# Languages and time
# ---------------------------------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Tokyo"
USE_TZ = True
LANGUAGE_COOKIE_NAME = "language"

# ---------------------------------------------------------------------------------------------
# Static and uploaded files
# ---------------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves collected files (manage.py collectstatic) through WhiteNoise; development serves
# them straight from static/ and the apps, with nothing to collect.
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "static") if PRODUCTION else None)
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
# Uploaded files live on local disk (MEDIA_ROOT) unless MEDIA_STORAGE_URL names an S3-compatible
# bucket, which every web node and worker then shares:
#   s3://<bucket>[/<prefix>][?endpoint=https://s3.example.net&region=ap-northeast-1]
# Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the host's role). The
# bucket stays private: /media/ checks who may see a file, then serves it (coalition/views.py).
MEDIA_STORAGE_URL = env.str("MEDIA_STORAGE_URL", default="")
# Seconds a signed URL for an object in the bucket is valid (only ever handed to our own proxy).
MEDIA_SIGNED_URL_SECONDS = env.int("MEDIA_SIGNED_URL_SECONDS", default=60)
# Set to the proxy's internal location (deploy/nginx: "/_protected/") to let nginx stream each file
# the portal has authorised (X-Accel-Redirect) instead of a web process.
MEDIA_ACCEL_REDIRECT = env.str("MEDIA_ACCEL_REDIRECT", default="")
STORAGES = {
    "default": media_storage(MEDIA_STORAGE_URL, MEDIA_SIGNED_URL_SECONDS)
    if MEDIA_STORAGE_URL
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploads larger than this are refused by the forms that take them (bytes).
MAX_IMAGE_UPLOAD = env.int("MAX_IMAGE_UPLOAD", default=5 * 1024 * 1024)
MAX_DOCUMENT_UPLOAD = env.int("MAX_DOCUMENT_UPLOAD", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o644

# ---------------------------------------------------------------------------------------------
# Security
# ---------------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # A proxy or monitor asks each web node directly, over plain HTTP, whether it is healthy.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[f"https://{h}" for h in ALLOWED_HOSTS])
# Proxies in front of the web processes (nginx: 1). Their X-Forwarded-For then names the visitor,
# whose address the rate limits count (coalition/middleware.py); 0 trusts no such header.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# A strict policy: nothing inline, nothing from another origin (django-csp 4).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# ---------------------------------------------------------------------------------------------
# The REST API (/api/v1/, coalition/api/): read-only for everyone, initiative drafts with a token
# ---------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Personal access tokens only (Authorization: Bearer ...): no session, so no CSRF to think about
    # and a browser's cookies never act for a script.
    "DEFAULT_AUTHENTICATION_CLASSES": ["coalition.api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "coalition.api.exceptions.exception_handler",
    # ?format= is a filter of the lists (the meetings' format), not DRF's choice of renderer
    "URL_FORMAT_OVERRIDE": None,
    "DEFAULT_THROTTLE_CLASSES": ["coalition.api.throttling.VisitorThrottle",
                                 "coalition.api.throttling.TokenThrottle"],
}
# Requests per minute: per address for callers without a token, per token otherwise (counted in
# the default cache: Redis where configured, so every web node shares the counts).
API_RATE_VISITOR = env.int("API_RATE_VISITOR", default=120)
API_RATE_TOKEN = env.int("API_RATE_TOKEN", default=600)
# refused tokens a minute per address before its requests with a token get 429s (guessing)
API_RATE_FAILED_TOKEN = env.int("API_RATE_FAILED_TOKEN", default=10)
API_TOKEN_MAX_PER_USER = 20
SPECTACULAR_SETTINGS = {
    "TITLE": "University Coalition for Carbon Neutrality API",
    "DESCRIPTION": "Institutions, working groups, initiatives, meetings, partners, needs, expertise, news and "
                   "progress figures of the coalition portal. "
                   "Read without a token; a personal access token (Authorization: Bearer ...) sees "
                   "what its person sees and may write initiative drafts. Language: ?lang=ja|en or "
                   "Accept-Language.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # the schema and its docs are the same for everyone: a stale token in a browser does not hide them
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI from our own static files (drf-spectacular-sidecar), never a CDN: the CSP holds.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # one enum per model's choices, named after it (several models have a "status" or a "kind")
    "ENUM_NAME_OVERRIDES": {
        "InstitutionStatusEnum": "members.models.Institution.Status",
        "InstitutionKindEnum": "members.models.Institution.Kind",
        "GroupStatusEnum": "working_groups.models.WorkingGroup.Status",
        "InitiativeStatusEnum": "working_groups.models.Initiative.Status",
        "InitiativeVisibilityEnum": "working_groups.models.Initiative.Visibility",
        "MeetingStatusEnum": "meetings.models.Meeting.Status",
        "MeetingVisibilityEnum": "meetings.models.Meeting.Visibility",
        "MeetingKindEnum": "meetings.models.Meeting.Kind",
        "PartnerKindEnum": "working_groups.cooperation.models.Partner.Kind",
        "NeedStatusEnum": "working_groups.cooperation.models.Need.Status",
        "NewsKindEnum": "meetings.dissemination.models.NewsItem.Kind",
        "NewsStatusEnum": "meetings.dissemination.models.NewsItem.Status",
        "LanguageEnum": [("ja", "日本語"), ("en", "English")],
    },
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "coalition.api.schema.error_responses"],
}

# ---------------------------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.request": {"level": "ERROR"}, "mail.log": {"level": "WARNING"}},
}

PORTAL_NAME = _("University Coalition for Carbon Neutrality")
