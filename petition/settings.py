"""Settings for petition-elus.

Everything comes from the environment (see README and .env.example). With no
environment at all the site runs on an embedded default that needs no server:
SQLite, Celery tasks run eagerly in-process, email printed to the console.
DEBUG is on only in that embedded default.
"""

import ssl
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A .env file is a convenience for local work; real deployments set variables.
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

# The embedded default is what you get when no database is configured.
EMBEDDED = "DATABASE_URL" not in env
DEBUG = env.bool("DEBUG", default=EMBEDDED)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="insecure-local-only-key-do-not-deploy")
else:
    # Fails loudly at start-up instead of running with a guessable key.
    SECRET_KEY = env.str("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "petition.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # the trigram index of the public name search
    "anymail",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "petition",
    "signatures",
    "verification",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A form body that cannot be parsed is a 400 here, not a 500 in the CSRF check.
    "petition.web.middleware.unreadable_forms_are_bad_requests",
    # Public pages from the shared cache, before the per-visitor middleware
    # (petition/web/pagecache.py).
    "petition.web.pagecache.middleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "petition.web.middleware.permissions_policy",
    "petition.web.middleware.personal_pages_not_stored",
]

ROOT_URLCONF = "petition.urls"
WSGI_APPLICATION = "petition.wsgi.application"

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
                "petition.web.context_processors.language_switch",
            ],
        },
    },
]

if EMBEDDED:
    (BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
# A kept connection is checked (SELECT 1) before a request or a task first uses
# it: a database restart or a killed backend costs a reconnect, not a 500.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")


def _next_database(url: str) -> str:
    """The same Redis server, the database after REDIS_URL's (redis://host:6379/0 -> /1)."""
    base, _slash, number = url.rpartition("/")
    # Redis has databases 0 to 15 unless told otherwise.
    return f"{base}/{(int(number) + 1) % 16}" if number.isdigit() else f"{url.rstrip('/')}/1"


# The page cache can be filled by anyone who reads the site; the broker holds the
# emails to send. They live apart (README, "Redis: cache and broker"): in production,
# CACHE_REDIS_URL names a second Redis instance with maxmemory and allkeys-lru,
# while the broker's instance never evicts. Without it, the cache takes the next
# database of REDIS_URL's server: apart in name, not in memory.
CACHE_REDIS_URL = env.str("CACHE_REDIS_URL", default=_next_database(REDIS_URL) if REDIS_URL
                          else "")
# Every Redis call of a request waits at most this long (connect, then each
# reply). Redis answers in well under a millisecond; beyond this it is away,
# and the request takes its degraded path (petition/cache_backend.py).
REDIS_REQUEST_TIMEOUT = env.float("REDIS_REQUEST_TIMEOUT", default=0.2)
if CACHE_REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "petition.cache_backend.GuardedRedisCache",
            "LOCATION": CACHE_REDIS_URL,
            "KEY_PREFIX": "pe",
            "OPTIONS": {"socket_connect_timeout": REDIS_REQUEST_TIMEOUT,
                        "socket_timeout": REDIS_REQUEST_TIMEOUT},
        }
    }
elif EMBEDDED:
    # `make run` and `make demo` are two processes: a cache on disk lets the
    # running site show the demo's counts at once.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(BASE_DIR / "var" / "cache")}}
else:
    # Outside DEBUG a local-memory cache is refused by the check petition.E001
    # (petition/checks.py): it is per process.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# A page bigger than this is served but never stored (petition/web/pagecache.py).
PAGE_CACHE_MAX_BYTES = env.int("PAGE_CACHE_MAX_BYTES", default=512 * 1024)

# Sessions live in the database: the cookie carries a random key and nothing a
# visitor could decode, logging out deletes the row (a copied cookie dies with it),
# and a password change ends the others. Only signers and staff get one.
SESSION_ENGINE = "petition.web.sessions"
SESSION_COOKIE_HTTPONLY = True
# Staff sessions end after a working day, and when the browser closes.
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if not DEBUG else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# A year of HSTS in production; nothing in the local default.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Refuse oversized bodies early: no form here needs more than a few kilobytes.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
# Room for a moderator selecting a thousand signatures at once in the admin.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1100
# The admin lives at a path of the campaign's choosing.
ADMIN_PATH = env.str("ADMIN_PATH", default="admin").strip("/")
# Staff log in with a TOTP code as well as their password, except in the local default.
ADMIN_OTP_REQUIRED = env.bool("ADMIN_OTP_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="petition-elus")
SECURE_CONTENT_TYPE_NOSNIFF = True
# Confirmation tokens travel in URLs: never leak them to another origin.
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Django 6.1's built-in Content Security Policy. Nothing loads from a third
# party: no fonts, no scripts, no trackers.
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
    # Violations are reported to our own endpoint (petition/web/csp_reports.py), which logs
    # the directive and the blocked origin only.
    "report-uri": "/csp-report",
    "report-to": "csp",
}
# The Reporting API's endpoint for "report-to csp" (petition/web/middleware.py).
CSP_REPORT_PATH = "/csp-report"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# French first, English complete.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            # Tests serve static files from the finders (live server), by plain names.
            if DEBUG or env.bool("PLAIN_STATIC_NAMES", default=False)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Mail -----------------------------------------------------------------
# Django 6.1 MAILERS. MAILER picks the backend:
#   console (default when DEBUG) | file | smtp | an anymail provider name
#   (brevo, mailgun, postmark, amazon_ses, scaleway, sendgrid, ...).
# Provider settings come from ANYMAIL_* variables: ANYMAIL_BREVO_API_KEY=...
# becomes ANYMAIL["BREVO_API_KEY"].
MAILER = env.str("MAILER", default="console" if DEBUG else "smtp")
DEFAULT_FROM_EMAIL = env.str("MAILER_FROM", default="Pétition des élu·es <petition@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
MAIL_OUTBOX_DIR = env.path("MAIL_OUTBOX_DIR", default=BASE_DIR / "var" / "outbox")

ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in env.ENVIRON.items()
    if key.startswith("ANYMAIL_")
}
# No open or click tracking, whatever the provider's account default is.
ANYMAIL.setdefault("SEND_DEFAULTS", {"track_opens": False, "track_clicks": False})


def _mailer(name):
    if name == "console":
        return {"BACKEND": "petition.console_mail.EmailBackend"}
    if name == "file":
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(MAIL_OUTBOX_DIR)},
        }
    if name == "smtp":
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env.str("SMTP_HOST", default="localhost"),
                "port": env.int("SMTP_PORT", default=25),
                "username": env.str("SMTP_USER", default="") or None,
                "password": env.str("SMTP_PASSWORD", default="") or None,
                "use_tls": env.bool("SMTP_STARTTLS", default=False),
                "use_ssl": env.bool("SMTP_SSL", default=False),
                "timeout": env.int("SMTP_TIMEOUT", default=20),
            },
        }
    return {"BACKEND": f"anymail.backends.{name}.EmailBackend"}


# Outside DEBUG, the file mailer (petition.E002) and a provider without
# ANYMAIL_WEBHOOK_SECRET (petition.E003) are refused by petition/checks.py.
MAILERS = {"default": _mailer(MAILER)}

# --- Celery ---------------------------------------------------------------
from celery.schedules import crontab  # noqa: E402

# Eager tasks never reach the broker; its host is named so that kombu does not warn
# « No hostname was supplied » in `make run`'s terminal at the first task.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL) or "memory://localhost/"
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # kombu's Redis transport with acks that never cost a prefetch slot: without
    # it, a frozen Redis left workers that beat but never consumed again
    # (petition/redis_transport.py).
    CELERY_BROKER_TRANSPORT = "petition.redis_transport:Transport"
    if CELERY_BROKER_URL.startswith("rediss://"):
        # What kombu does for the rediss:// scheme, which the transport's own
        # name replaces, but checking the server's certificate (redis-py's default,
        # as for the cache) rather than kombu's CERT_NONE.
        CELERY_BROKER_USE_SSL = {"ssl_cert_reqs": ssl.CERT_REQUIRED}
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connection after every task
# unless told to reuse it: a new connection per email cost more than the email.
# Reused for this many tasks (about twice as many, in fact) before a fresh one.
CELERY_DB_REUSE_MAX = 500
CELERY_TASK_IGNORE_RESULT = True
# Emails to signers have their own queue, so that a backlog of housekeeping
# never delays a confirmation, and workers can be added per queue. A worker
# started without -Q consumes both.
CELERY_TASK_DEFAULT_QUEUE = "default"
# Campaign news go through a third queue, and their sender yields to any email
# about a signature that is waiting (verification/news/sending.py).
CELERY_TASK_QUEUES = {"email": {}, "default": {}, "news": {}}
CELERY_TASK_ROUTES = {"verification.tasks.send_challenge": {"queue": "email"},
                      "verification.tasks.send_news": {"queue": "news"}}
# Publishing happens inside a web request: fail fast when Redis is down or
# frozen. The outbox row is already committed and the beat sweeper will queue
# it again. Workers and beat are not on a request path: they get longer
# timeouts when they start (petition/celery.py, WORKER_BROKER_TIMEOUT).
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_REQUEST_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Publishing from a request: one quick try, no back-off sleeps.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "socket_connect_timeout": REDIS_REQUEST_TIMEOUT,
    "socket_timeout": REDIS_REQUEST_TIMEOUT,
    "visibility_timeout": 3600,
}
WORKER_BROKER_TIMEOUT = 5
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Beat renews its heartbeat from its loop (petition/heartbeats.py).
CELERY_BEAT_SCHEDULER = "petition.heartbeats:HeartbeatScheduler"
# The sweeper's tick: a lost or dead-claimed row waits at most this long past
# its threshold (CHALLENGE_REQUEUE_AFTER_SECONDS, CHALLENGE_STUCK_SENDING_SECONDS).
CHALLENGE_SWEEP_SECONDS = env.int("CHALLENGE_SWEEP_SECONDS", default=60)
CELERY_BEAT_SCHEDULE = {
    "requeue-stale-challenges": {
        "task": "verification.tasks.requeue_stale_challenges",
        "schedule": float(CHALLENGE_SWEEP_SECONDS),
    },
    "send-reminders": {
        "task": "verification.tasks.send_reminders",
        "schedule": 3600.0,
    },
    "recheck-unchecked-email-domains": {
        "task": "verification.tasks.recheck_unchecked_email_domains",
        "schedule": 1800.0,
    },
    "purge-personal-data": {
        "task": "signatures.tasks.purge_personal_data",
        "schedule": 3600.0,
    },
    "report-floods": {
        "task": "verification.tasks.report_floods",
        "schedule": 600.0,
    },
    "expire-unconfirmed-signatures": {
        "task": "signatures.tasks.expire_unconfirmed_signatures",
        "schedule": 3600.0,
    },
    # The public figures are adjusted on each moderation; a nightly recount
    # mends any drift (signatures/figures.py).
    "repair-public-figures": {
        "task": "signatures.tasks.repair_public_figures",
        "schedule": crontab(hour=4, minute=10),
    },
    # Resumes a send of campaign news that a crash or an outage interrupted.
    "send-news": {
        "task": "verification.tasks.send_news",
        "schedule": 60.0,
    },
    # Cheap when nothing is due: the digest goes out at most once per period.
    "send-review-digest": {
        "task": "verification.tasks.send_review_digest",
        "schedule": 900.0,
    },
    # Signatures whose check at signing was lost (broker down) or that predate
    # the latest register import; idempotent, so an overlap only costs time.
    "queue-register-checks": {
        "task": "verification.tasks.queue_register_checks",
        "schedule": 1800.0,
        "kwargs": {"limit": 20000},
    },
}

# --- Abuse -------------------------------------------------------------------
# The flood report flags a domain or an IP hash that, within one hour, sends at
# least this many signatures and FLOOD_FACTOR times its usual hourly number
# over the past FLOOD_BASELINE_DAYS days.
FLOOD_DOMAIN_MIN_PER_HOUR = env.int("FLOOD_DOMAIN_MIN_PER_HOUR", default=20)
FLOOD_IP_MIN_PER_HOUR = env.int("FLOOD_IP_MIN_PER_HOUR", default=10)
FLOOD_FACTOR = env.float("FLOOD_FACTOR", default=5.0)
FLOOD_BASELINE_DAYS = env.int("FLOOD_BASELINE_DAYS", default=7)
# How many proxies we run in front of the site (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# scope -> (hits, seconds). A limit of 0 turns a scope off.
RATE_LIMITS = {
    "sign-ip": (env.int("RATE_SIGN_PER_IP", default=30), 3600),
    "sign-address": (env.int("RATE_SIGN_PER_ADDRESS", default=5), 3600),
    "sign-domain": (env.int("RATE_SIGN_PER_DOMAIN", default=300), 3600),
    "resend-ip": (env.int("RATE_RESEND_PER_IP", default=30), 3600),
    "confirm-ip": (env.int("RATE_CONFIRM_PER_IP", default=60), 3600),
    # Per minute: the locality autocomplete asks once per pause in typing.
    "places-ip": (env.int("RATE_PLACES_PER_IP", default=120), 60),
    "admin-login-ip": (env.int("RATE_ADMIN_LOGIN_PER_IP", default=20), 900),
    "admin-login-user": (env.int("RATE_ADMIN_LOGIN_PER_USER", default=10), 900),
    # CSP reports: a browser sends a few per page at most.
    "csp-ip": (env.int("RATE_CSP_REPORTS_PER_IP", default=30), 60),
}

# --- Petition rules ---------------------------------------------------------
CHALLENGE_TOKEN_TTL_DAYS = env.int("CHALLENGE_TOKEN_TTL_DAYS", default=7)
# A challenge still queued after this many seconds is assumed lost on the way
# to the broker (outage at commit time, worker crash) and queued again.
CHALLENGE_REQUEUE_AFTER_SECONDS = env.int("CHALLENGE_REQUEUE_AFTER_SECONDS", default=180)
CHALLENGE_MAX_ATTEMPTS = env.int("CHALLENGE_MAX_ATTEMPTS", default=8)
# A row being sent carries its worker process's name, and each worker process
# records a heartbeat every WORKER_HEARTBEAT_SECONDS. A row claimed at least
# this long ago by a process silent for at least this long: its worker died
# mid-send, and it is sent again (at least once). A slow send by a live
# worker is never taken from it. Keep it several heartbeats long.
CHALLENGE_STUCK_SENDING_SECONDS = env.int("CHALLENGE_STUCK_SENDING_SECONDS", default=120)
WORKER_HEARTBEAT_SECONDS = env.float("WORKER_HEARTBEAT_SECONDS", default=10)
# Touched at each heartbeat: the compose health check of worker and beat is its age.
HEARTBEAT_FILE = env.str("HEARTBEAT_FILE", default="")
# /healthz/system fails when the oldest email still waiting is older than this.
OUTBOX_LATE_SECONDS = env.int("OUTBOX_LATE_SECONDS", default=600)
# Campaign news leave at this pace at most, and only while no email about a
# signature (a confirmation, a notice) waits: 50,000 recipients at 600 a minute
# take about an hour and a half.
NEWS_EMAILS_PER_MINUTE = env.int("NEWS_EMAILS_PER_MINUTE", default=600)
# Tell signers of the moderators' decisions (never the internal note).
NOTIFY_SIGNER_ON_APPROVAL = env.bool("NOTIFY_SIGNER_ON_APPROVAL", default=True)
NOTIFY_SIGNER_ON_REJECTION = env.bool("NOTIFY_SIGNER_ON_REJECTION", default=False)
# "Send the email again": a cooldown between emails, and a cap per signature.
RESEND_COOLDOWN_SECONDS = env.int("RESEND_COOLDOWN_SECONDS", default=120)
RESEND_MAX_EMAILS = env.int("RESEND_MAX_EMAILS", default=5)
# One reminder to signatures still unconfirmed after this many days.
REMINDER_AFTER_DAYS = env.int("REMINDER_AFTER_DAYS", default=3)
# Personal data of expired and withdrawn signatures is deleted after this many days.
PURGE_AFTER_DAYS = env.int("PURGE_AFTER_DAYS", default=30)
# The keyed hash of a signer's IP (never the IP) is cleared after this delay.
IP_HASH_KEEP_DAYS = env.int("IP_HASH_KEEP_DAYS", default=30)
# Rejected signatures are anonymised after this many days.
REJECTED_ANONYMISE_DAYS = env.int("REJECTED_ANONYMISE_DAYS", default=90)
# Signers' addresses are deleted this many months after a petition closes.
EMAIL_DELETE_MONTHS_AFTER_CLOSE = env.int("EMAIL_DELETE_MONTHS_AFTER_CLOSE", default=6)
# A signature never confirmed expires after this many days.
UNCONFIRMED_EXPIRE_DAYS = env.int("UNCONFIRMED_EXPIRE_DAYS", default=14)
# Moderators get a digest email when signatures have waited for review longer
# than REVIEW_ALERT_AFTER_HOURS: at most one per REVIEW_DIGEST_EVERY_HOURS.
REVIEW_DIGEST = env.bool("REVIEW_DIGEST", default=True)
REVIEW_ALERT_AFTER_HOURS = env.int("REVIEW_ALERT_AFTER_HOURS", default=24)
REVIEW_DIGEST_EVERY_HOURS = env.int("REVIEW_DIGEST_EVERY_HOURS", default=24)

# --- Signatures received outside the form (signatures.intake) -------------------
# Evidence files (an email's PDF, a scanned letter) live here: outside STATIC_ROOT
# and any public path, served to moderators only by a view that checks.
SIGNATURE_EVIDENCE_ROOT = env.path("SIGNATURE_EVIDENCE_ROOT",
                                   default=BASE_DIR / "var" / "evidence")
# An evidence file larger than this is refused while it arrives, never kept.
SIGNATURE_EVIDENCE_MAX_BYTES = env.int("SIGNATURE_EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
# A list of signatories to import: its size and its number of rows.
SIGNATURE_IMPORT_MAX_BYTES = env.int("SIGNATURE_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
SIGNATURE_IMPORT_MAX_ROWS = env.int("SIGNATURE_IMPORT_MAX_ROWS", default=20_000)

# --- The delivery dossier (signatures.delivery) ---------------------------------
# The PDFs built for Parliament; the whole petition's is also downloadable by the public.
DELIVERY_DOSSIER_ROOT = env.path("DELIVERY_DOSSIER_ROOT", default=BASE_DIR / "var" / "dossiers")

# --- Email domains ------------------------------------------------------------
# Resolvers asked whether a signer's domain receives mail: IP addresses, each
# optionally with a port ("9.9.9.9", "127.0.0.1:5353", "[::1]:5353"). Empty:
# the system's resolver. An unreachable resolver never blocks a signer: the
# address is marked "unchecked" after 2 seconds and checked again by beat.
DNS_NAMESERVERS = env.list("DNS_NAMESERVERS", default=[])

# --- Errors reach someone ---------------------------------------------------
# ADMINS: addresses that get an email for each error logged by the web or a
# worker (a 500, a task that failed), comma-separated. Empty: errors are only
# in the log.
ADMINS = env.list("ADMINS", default=[])
EMAIL_SUBJECT_PREFIX = env.str("EMAIL_SUBJECT_PREFIX", default="[petition-elus] ")
# An error tracker speaking Sentry's protocol (a self-hosted GlitchTip, or
# Sentry): off unless SENTRY_DSN is set, and then the optional extra
# `pip install ".[errors]"` is needed. No personal data is sent: no IPs, no
# cookies, no request bodies.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    try:
        import sentry_sdk
    except ImportError as missing:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            'SENTRY_DSN is set but sentry-sdk is not installed: pip install ".[errors]"'
        ) from missing
    sentry_sdk.init(dsn=SENTRY_DSN, send_default_pii=False, max_request_body_size="never",
                    traces_sample_rate=0.0,
                    environment=env.str("SENTRY_ENVIRONMENT", default="production"))

# One JSON object per line on stdout outside the local default, for the
# container's log collector; plain text on the developer's terminal.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "petition.logs.JsonFormatter"}},
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout",
                    **({} if DEBUG else {"formatter": "json"})},
        # Does nothing while ADMINS is empty.
        "mail_admins": {"class": "django.utils.log.AdminEmailHandler", "level": "ERROR",
                        "filters": ["require_debug_false"]},
    },
    "root": {"handlers": ["console", "mail_admins"],
             "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own handlers would mail a second copy through the root.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # Forged Host headers are the internet's noise, not an error to mail.
        "django.security.DisallowedHost": {"handlers": ["console"], "propagate": False},
    },
}
# Celery workers log through the same configuration instead of their own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
