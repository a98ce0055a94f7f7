import os
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy

import pytest

from .ports import free_port

# Playwright's sync API runs an event loop in the test thread; the ORM calls
# that tests make next to it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session", autouse=True)
def _real_services_only(django_db_setup, django_db_blocker):
    """The suite runs on the real PostgreSQL and Redis, never a stand-in."""
    from django.conf import settings
    from django.db import connection

    assert connection.vendor == "postgresql", "make test runs on PostgreSQL (DATABASE_URL)"
    assert settings.REDIS_URL, "make test runs with Redis (REDIS_URL)"
    import redis

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    yield
    # ORM calls made beside Playwright's event loop get a connection of their
    # own context, which nothing closes: end it so the test database can be dropped.
    with django_db_blocker.unblock():
        terminate_other_sessions()

def terminate_other_sessions():
    from django.db import connection

    if not connection.settings_dict["NAME"].startswith("test_"):
        return  # no test used the database, so none was created
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture(autouse=True)
def _second_factor_off(settings):
    """Most admin tests log in with force_login; test_it_guards_the_admin turns it back on."""
    settings.ADMIN_OTP_REQUIRED = False


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    from petition.web import pagecache

    cache.clear()
    pagecache.forget_local()
    yield


@pytest.fixture
def petition(db):
    from petition.models import Petition
    from petition.seed import load_first_petition

    # Loaded by a data migration; loaded again after a transactional test flushed it.
    load_first_petition(Petition)
    return Petition.objects.get(slug="vsa-jo-2024")


@pytest.fixture
def parties(db):
    from signatures.models import Party, RejectionReason
    from signatures.parties import seed_parties, seed_rejection_reasons

    # Seeded by migrations; seeded again after a transactional test flushed them.
    seed_parties(Party)
    seed_rejection_reasons(RejectionReason)
    return {p.short_name or p.name: p for p in Party.objects.all()}


def make_moderator(address: str, password: str):
    """A campaign moderator, as add_moderator makes them (password login)."""
    from django.contrib.auth.models import User

    from signatures.roles import ensure_moderators_group

    user = User.objects.create_user(address, address, password, is_staff=True)
    user.groups.add(ensure_moderators_group())
    return user


@pytest.fixture
def moderator(db):
    return make_moderator("mod@campagne.fr", "a-long-password-1")


@pytest.fixture
def domain_rules(db):
    from verification.domains.seed import load_seed
    from verification.models import DomainRule

    # Seeded by a migration; seeded again after a transactional test flushed them.
    load_seed(DomainRule)


@pytest.fixture
def far_right_nuances(db):
    from verification.models import FarRightNuance
    from verification.register.nuances import seed_far_right_nuances

    # Seeded by a migration; seeded again after a transactional test flushed them.
    seed_far_right_nuances(FarRightNuance)


def wait_until(condition, timeout=20, message="condition"):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {message}")


@dataclass
class Mailbox:
    """What a real SMTP server on loopback received."""

    port: int
    messages: list = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    refuse_with: tuple | None = None

    def wait_for(self, count=1, timeout=20):
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout)
        assert len(self.messages) >= count, f"{len(self.messages)} email(s) arrived, not {count}"
        return self.messages[count - 1]


class _Handler:
    def __init__(self, mailbox):
        self.mailbox = mailbox

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.mailbox.refuse_with:
            code, text = self.mailbox.refuse_with
            return f"{code} {text}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.mailbox.arrived:
            self.mailbox.messages.append(message)
            self.mailbox.arrived.notify_all()
        return "250 Message accepted"


@pytest.fixture
def smtp_server(settings):
    """A real aiosmtpd server on loopback; Django's SMTP mailer points at it."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox(port=free_port())
    controller = Controller(_Handler(mailbox), hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    settings.MAILERS = {"default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": mailbox.port, "timeout": 5},
    }}
    yield mailbox
    controller.stop()


@pytest.fixture
def celery_worker_on_redis(transactional_db):
    """A real Celery worker (thread, solo pool) consuming from the real Redis."""
    from celery.contrib.testing.worker import start_worker

    from petition.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10,
                      loglevel="WARNING") as worker:
        yield worker


def text_part(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def link_in(message, marker="/confirm/") -> str:
    import re

    match = re.search(r"https?://\S*" + re.escape(marker) + r"\S+/", text_part(message))
    assert match, "no confirmation link in the email"
    return match.group(0)


VALID_SIGNATURE = {
    "civility": "F",
    "first_name": "Marie-Hélène",
    "last_name": "Dupont-Moreau",
    "email": "m.dupont@mairie-exemple.fr",
    "mandate": "municipal_councillor",
    "locality": "Paris",
    "departement": "75",
    "comment": "Non à la VSA.",
    "consent": "on",
}


@pytest.fixture
def signature_data(parties):
    return {**VALID_SIGNATURE, "party": str(parties["PS"].pk)}


@pytest.fixture
def broken_broker():
    """Point Celery at a port where no broker listens, for the duration of a block."""
    from contextlib import contextmanager

    from petition.celery import app

    @contextmanager
    def outage():
        saved = app.conf.broker_url
        app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
        app._pool = None
        app.amqp._producer_pool = None
        try:
            yield
        finally:
            from petition.tasks import broker

            broker.reset()  # the broker is back
            app.conf.broker_url = saved
            app._pool = None
            app.amqp._producer_pool = None

    return outage


@pytest.fixture
def confirm_token(petition, parties):
    """An approved signatory for the public pages, and a pending one's confirmation token."""
    from django.utils import timezone

    from signatures.models import Signature
    from verification.models import EmailChallenge

    signature = Signature.objects.create(
        petition=petition, civility="F", first_name="Hélène", last_name="Le Goff",
        email="h@mairie.fr", mandate="senator", locality="Quimper", departement="29",
        party=parties["PS"], consented_at=timezone.now(), comment="Non à la VSA")
    Signature.objects.filter(pk=signature.pk).move("confirm_email")
    Signature.objects.filter(pk=signature.pk).move("approve")
    pending = Signature.objects.create(
        petition=petition, civility="M", first_name="Yann", last_name="Kerjean",
        email="y@mairie.fr", mandate="mayor", locality="Brest", departement="29",
        party=parties["PS"], consented_at=timezone.now())
    return EmailChallenge.objects.create(signature=pending).claim()


@pytest.fixture(scope="session", autouse=True)
def _loopback_dns():
    """Every MX check asks a real DNS server on loopback, never the internet (see dns_server)."""
    from django.test import override_settings

    from .dns_server import LoopbackDNS

    server = LoopbackDNS().start()
    with override_settings(DNS_NAMESERVERS=[server.address]):
        yield server
    server.stop()


@pytest.fixture
def dns_server(_loopback_dns):
    yield _loopback_dns
    _loopback_dns.reset()


CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture
def scripted_page():
    """Debian's Chromium with JavaScript on, failing the test on any script error,
    CSP violation or failed request (the site must run under its own CSP)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=CHROMIUM_ARGS)
        page = browser.new_context(locale="fr-FR").new_page()
        problems = []
        watch(page, problems)
        yield page
        browser.close()
        assert problems == [], f"script errors, CSP violations or failed requests: {problems}"


def watch(page, problems):
    """Record the page's script errors, CSP violations and failed requests in `problems`."""
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text
            else None)
    page.on("response", lambda response: problems.append(response.url)
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None)


class RedisServer:
    """A redis-server of the test's own, on a free port, that the test may kill or freeze."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        import subprocess

        import redis

        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        wait_until(lambda: _answers(client), timeout=10, message="redis-server up")
        return self

    def kill(self):
        import signal

        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def freeze(self):
        import signal

        self.process.send_signal(signal.SIGSTOP)

    def thaw(self):
        import signal

        self.process.send_signal(signal.SIGCONT)

    def stop(self):
        import signal

        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait()


def _answers(client) -> bool:
    import redis

    try:
        return client.ping()
    except redis.exceptions.RedisError:
        return False


def _point_celery_at(url):
    from petition.celery import app

    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def own_redis(settings):
    """This process's cache and Celery publisher on a redis-server of the test's own."""
    from petition import cache_backend
    from petition.celery import app
    from petition.tasks import broker
    from petition.web import ratelimit

    server = RedisServer().start()
    saved_broker = app.conf.broker_url
    settings.REDIS_URL = server.url
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": server.url}}
    _point_celery_at(server.url)
    yield server
    server.stop()
    _point_celery_at(saved_broker)
    for breaker in (cache_backend.breaker, broker):
        breaker.reset()
    ratelimit.local_counters.clear()


@pytest.fixture
def celery_processes(transactional_db, own_redis, tmp_path):
    """Real `celery worker` (prefork, as in docker-compose.yml) and `celery beat` processes,
    on the test database and the test's own Redis; all killed at the end."""
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    db = connection.settings_dict
    root = Path(__file__).resolve().parent.parent
    celery = str(Path(sys.executable).parent / "celery")
    started = []

    class Processes:
        # Not the test process's DJANGO_ALLOW_ASYNC_UNSAFE: the workers' system checks refuse it.
        env = {**{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
               "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
                               "?application_name=celery-test",
               "REDIS_URL": own_redis.url, "MAILER": "smtp", "SMTP_HOST": "127.0.0.1",
               "SMTP_TIMEOUT": "10", "CONN_MAX_AGE": "60", "LOG_LEVEL": "WARNING",
               "WORKER_HEARTBEAT_SECONDS": "1", "CHALLENGE_STUCK_SENDING_SECONDS": "6",
               "CHALLENGE_REQUEUE_AFTER_SECONDS": "2", "CHALLENGE_SWEEP_SECONDS": "2"}

        def worker(self, name, smtp_port, concurrency=2):
            log = open(tmp_path / f"{name}.log", "w")
            process = subprocess.Popen(
                [celery, "-A", "petition", "worker", "--pool", "prefork", "-c", str(concurrency),
                 "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "-l", "WARNING"],
                cwd=root, env={**self.env, "SMTP_PORT": str(smtp_port)}, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
            process.log = tmp_path / f"{name}.log"
            started.append(process)
            return process

        def beat(self):
            process = subprocess.Popen(
                [celery, "-A", "petition", "beat", "-l", "WARNING",
                 "--schedule", str(tmp_path / "beat-schedule")],
                cwd=root, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True)
            started.append(process)
            return process

        def wait_for_workers(self, count, timeout=60):
            from petition.models import Heartbeat

            wait_until(lambda: Heartbeat.objects.filter(kind="worker").count() >= count,
                       timeout=timeout, message=f"{count} worker processes beating")

    yield Processes()
    for process in started:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
    # Whatever the test asserted, a worker that gave up on a fault is a failure: outside
    # compose's restart, email would stop until someone restarted it.
    for process in started:
        log = getattr(process, "log", None)
        if log is not None:
            assert "Unrecoverable error" not in log.read_text(errors="replace"), (
                f"the worker exited on a fault; see {log}")
