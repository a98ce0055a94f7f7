"""Shared parts of the benchmarks: a bench database, an SMTP sink, worker processes.

Runs against the real PostgreSQL and Redis on this machine (BENCH_DATABASE_URL,
BENCH_REDIS_URL), real `celery worker` processes, and an aiosmtpd sink.
"""

import atexit
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL",
                              "postgres://postgres@127.0.0.1:5432/petition_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
sys.path.insert(0, str(ROOT))
from tests.ports import free_port  # noqa: E402

SMTP_PORT = free_port()
ENV = {
    **os.environ,
    "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, "SECRET_KEY": "bench-only",
    "ALLOWED_HOSTS": "testserver,localhost", "MAILER": "smtp", "SMTP_HOST": "127.0.0.1",
    "SMTP_PORT": str(SMTP_PORT), "CONN_MAX_AGE": "60", "LOG_LEVEL": "WARNING",
    # One client signs thousands of times from one domain: the flood limits are off.
    "RATE_SIGN_PER_IP": "0", "RATE_SIGN_PER_ADDRESS": "0", "RATE_SIGN_PER_DOMAIN": "0",
    "SECURE_SSL_REDIRECT": "false",
    "DJANGO_SETTINGS_MODULE": "petition.settings",
}


def setup_django(**extra_env):
    ENV.update(extra_env)  # the worker processes get the same settings
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import psycopg

    admin = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    name = DATABASE_URL.rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


class Sink:
    """An aiosmtpd server that notes when each recipient's mail arrived."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.arrivals = {}  # recipient -> list of arrival times
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                now = time.monotonic()
                with sink.lock:
                    for rcpt in envelope.rcpt_tos:
                        sink.arrivals.setdefault(rcpt.lower(), []).append(now)
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=SMTP_PORT)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    def count(self):
        with self.lock:
            return sum(len(times) for times in self.arrivals.values())

    def wait_for(self, total, timeout):
        deadline = time.monotonic() + timeout
        while self.count() < total and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.count()


_started = []


@atexit.register
def _stop_all():
    for process in _started:
        stop(process, signal.SIGKILL)


signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def start_worker(name, concurrency=1, pool="prefork"):
    """A `celery worker` process; killed at exit, whatever happens to the bench."""
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/celery"), "-A", "petition", "worker", "-P", pool,
         "-c", str(concurrency), "-n", f"{name}@%h", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "-l", "WARNING"],
        cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    _started.append(process)
    return process


def stop(process, sig=signal.SIGTERM):
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def cpu_seconds(process):
    """CPU time used so far by a process started here and every process of its group
    (a prefork worker's children too), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[2]) == process.pid:  # the process group (start_new_session)
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


class DatabaseCPU:
    """CPU time used by the PostgreSQL backends connected to the bench database (this
    machine's server), sampled every 0.2 s so that backends closed meanwhile count too."""

    def __init__(self):
        self.start, self.last = self._read(), {}
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _read(self):
        import psycopg

        name = DATABASE_URL.rsplit("/", 1)[1]
        with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
            pids = [row[0] for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s "
                "AND pid <> pg_backend_pid()", [name])]
        seconds = {}
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            seconds[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return seconds

    def _sample(self):
        while self.running:
            self.last.update(self._read())
            time.sleep(0.2)

    def stop(self):
        """The seconds used since the start."""
        self.running = False
        self.thread.join()
        self.last.update(self._read())
        return sum(seconds - self.start.get(pid, 0) for pid, seconds in self.last.items())


def wait_for_empty_broker(timeout):
    """Until no task waits in the broker's queues nor is held unacknowledged by a worker."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(client.llen(queue) for queue in ("email", "default", "news")) \
                and not client.hlen("unacked"):
            return True
        time.sleep(0.2)
    return False


def make_signatures(count, prefix="bench"):
    """Signatures and queued challenges written straight to the database."""
    from django.utils import timezone

    from petition.models import Petition
    from signatures.models import Party, Signature
    from verification.models import EmailChallenge

    petition = Petition.objects.get(slug="vsa-jo-2024")
    party = Party.objects.get(short_name="PS")
    now = timezone.now()
    signatures = Signature.objects.bulk_create([
        Signature(petition=petition, civility="F", first_name="Anne", last_name=f"B{n}",
                  name_key=f"anne b{n}", email=f"{prefix}{n}@mairie-bench.fr",
                  email_normalised=f"{prefix}{n}@mairie-bench.fr", email_domain="mairie-bench.fr",
                  mandate="mayor", locality="Lyon", departement="69", party=party,
                  consented_at=now)
        for n in range(count)], batch_size=2000)
    challenges = EmailChallenge.objects.bulk_create(
        [EmailChallenge(signature=s) for s in signatures], batch_size=2000)
    return [c.pk for c in challenges]


def percentile(values, q):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
