"""Configuration that would run but run wrong, as Django system checks with IDs.

Outside DEBUG these are errors: `manage.py check --deploy` reports them (E001
and E002 plain `check` too), and the web server (petition/wsgi.py) and the
Celery worker and beat (petition/celery.py) refuse to start on them
(`refuse_to_start`). The local default (DEBUG) allows all of them, for work on
one machine.

    petition.E001  no REDIS_URL: per-process cache, tasks run in the web process
    petition.E002  the file mailer: emails stay inside one container
    petition.E003  a provider mailer without ANYMAIL_WEBHOOK_SECRET: forged delivery events
    petition.W004  the page cache on the broker's Redis server: a flood of page views
                   could fill the memory that holds the emails to send
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

PROVIDER_BACKENDS = "anymail.backends."
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


def _backends():
    return {mailer["BACKEND"] for mailer in settings.MAILERS.values()}


def redis_is_configured(app_configs=None, **kwargs):
    if settings.DEBUG or settings.REDIS_URL:
        return []
    return [checks.Error(
        "REDIS_URL is required when DEBUG is off (cache and broker).",
        hint="A local-memory cache is per process: with two web instances the rate limits, "
             "the figures and the page cache would each be wrong, and tasks would run inside "
             "the web request. Set REDIS_URL=redis://host:6379/0.",
        id="petition.E001")]


def mailer_outlives_the_container(app_configs=None, **kwargs):
    if settings.DEBUG or FILE_BACKEND not in _backends():
        return []
    return [checks.Error(
        "MAILER=file is for local work only; use smtp or a provider.",
        hint="Files written inside one container are lost with it and unseen by the others.",
        id="petition.E002")]


def provider_webhooks_are_authenticated(app_configs=None, **kwargs):
    providers = sorted(backend.removeprefix(PROVIDER_BACKENDS).split(".")[0]
                       for backend in _backends() if backend.startswith(PROVIDER_BACKENDS))
    if settings.DEBUG or not providers or settings.ANYMAIL.get("WEBHOOK_SECRET"):
        return []
    return [checks.Error(
        f"MAILER={providers[0]} needs ANYMAIL_WEBHOOK_SECRET.",
        hint="Without it anyone can post forged delivery events (bounces, complaints) to "
             "/anymail/…/tracking/. Set ANYMAIL_WEBHOOK_SECRET=user:password, and the same "
             "credentials in the provider's webhook URL.",
        id="petition.E003")]


def _server(url: str) -> tuple:
    parts = urlsplit(url)
    return (parts.hostname, parts.port or 6379)


def cache_apart_from_the_broker(app_configs=None, **kwargs):
    broker, cache = settings.CELERY_BROKER_URL, settings.CACHE_REDIS_URL
    if settings.DEBUG or not broker.startswith("redis") or not cache:
        return []
    if _server(broker) != _server(cache):
        return []
    return [checks.Warning(
        "The cache and the Celery broker share one Redis server.",
        hint="Separate databases share its memory and its eviction policy. Give the cache "
             "its own instance with maxmemory and allkeys-lru (CACHE_REDIS_URL), and keep "
             "the broker's on noeviction (README, \"Redis: cache and broker\").",
        id="petition.W004")]


def register():
    """Called by PetitionConfig.ready(); the webhook check is a deploy one."""
    checks.register(redis_is_configured, checks.Tags.caches)
    checks.register(mailer_outlives_the_container)
    checks.register(provider_webhooks_are_authenticated, checks.Tags.security, deploy=True)
    checks.register(cache_apart_from_the_broker, checks.Tags.caches, deploy=True)


def refuse_to_start(process):
    """Stop `process` (the web server, a worker) on the errors `check --deploy` reports.

    In the local default (DEBUG) the deploy checks are left out: they flag what
    is meant for one machine (the console mailer). Warnings are left to `check`.
    """
    issues = checks.run_checks(include_deployment_checks=not settings.DEBUG)
    errors = [issue for issue in issues
              if issue.level >= checks.ERROR and not issue.is_silenced()]
    if errors:
        raise SystemExit(f"{process} refuses to start: the configuration has errors.\n"
                         + "\n".join(str(error) for error in errors))
