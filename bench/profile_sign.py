"""What one signing POST costs, and where it goes: statements, Redis round trips, cProfile.

    .venv/bin/python bench/profile_sign.py DATABASE_URL [POSTS] [--profile] [--statements]

In one process, with the production settings (DEBUG off, every middleware, the
Redis cache and broker, the production rate limits: each POST comes from its own
IP address, as a crowd of signers would), Django's test client POSTs the signing
form POSTS times (300), each with a new address, as bench/lua/sign.lua does, and
no session cookie (a first visit). The email domains' MX answers come from the
tests' loopback DNS server and are cached after the warm-up, as in production.

It prints, per POST: the SQL statements and the transactions (COMMITs) they
make, the Redis round trips to the cache and to the broker (each command or
pipeline sent, health-check PINGs included), the tasks published, and the p50
and largest time; with --statements, the statements of one POST; with
--profile, the top of cProfile's cumulative and own-time tables over all POSTs.
On a shared machine, read the counts and the shares rather than the
milliseconds. The signatures it makes are deleted at the end.

The database is one that bench/dataset.py loaded (bench/web.py's, or a copy).
REDIS_URL (redis://127.0.0.1:6379/4) names the broker; the cache is the next
database.
"""

import cProfile
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]
import dataset  # noqa: E402
from profile_summary import print_cprofile  # noqa: E402

from tests.dns_server import LoopbackDNS  # noqa: E402

P = f"/p/{dataset.PETITION}"
FORM_TYPE = "application/x-www-form-urlencoded"  # as browsers and wrk send it
DOMAINS = 10  # the domain limit (300 an hour) is not reached by a few hundred POSTs


class RedisRoundTrips:
    """Counts what redis-py sends, by database: one send is one round trip."""

    def __init__(self):
        self.by_db = Counter()
        self.commands = Counter()

    def install(self):
        from redis.connection import AbstractConnection

        original = AbstractConnection.send_packed_command
        counter = self

        def counted(connection, command, check_health=True):
            counter.by_db[connection.db] += 1
            first = command[0] if isinstance(command, list | tuple) else command
            name = bytes(first).split(b"\r\n")[2:3] if first else [b"?"]
            counter.commands[(connection.db, (name[0] if name else b"?").decode())] += 1
            return original(connection, command, check_health)

        AbstractConnection.send_packed_command = counted


def form(party, run, n):
    return {
        "civility": "F", "first_name": "Anne", "last_name": f"Profil{chr(97 + n % 26)}",
        "email": f"profile-{run}-{n}@mairie-{n % DOMAINS}.fr", "mandate": "mayor",
        "locality": "Lyon", "departement": "69", "party": str(party), "consent": "on",
    }


def main():
    url = sys.argv[1]
    posts = int(next((a for a in sys.argv[2:] if a.isdigit()), 300))
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/4")
    dns = LoopbackDNS().start()
    os.environ.update({
        "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "petition.settings",
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 40, "DEBUG": "false",
        "ALLOWED_HOSTS": "testserver", "SECURE_SSL_REDIRECT": "false",
        "REDIS_URL": redis_url, "DNS_NAMESERVERS": f"127.0.0.1:{dns.port}",
        "PLAIN_STATIC_NAMES": "true", "MAILER": "smtp", "CONN_MAX_AGE": "60"})
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from signatures.models import Party, Signature

    broker_db = int(redis_url.rsplit("/", 1)[1])
    cache_db = int(settings.CACHE_REDIS_URL.rsplit("/", 1)[1])
    import redis

    for db_url in (redis_url, settings.CACHE_REDIS_URL):  # no counts left by an earlier run
        redis.Redis.from_url(db_url).flushdb()
    trips = RedisRoundTrips()
    trips.install()
    party = Party.objects.get(name="Parti socialiste").pk
    run = str(int(time.time()))
    path = f"{P}/sign/"

    client = Client()  # one handler, as a server process has; no cookie kept between POSTs

    def post(n):
        client.cookies.clear()
        response = client.post(path, urlencode(form(party, run, n)), content_type=FORM_TYPE,
                               REMOTE_ADDR=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}")
        assert response.status_code == 302, (response.status_code, response.content[:2000])

    for n in range(DOMAINS + 5):  # warm-up: places data, DNS answers, connections
        post(1_000_000 + n)
    trips.by_db.clear()
    trips.commands.clear()
    profiler = cProfile.Profile() if "--profile" in sys.argv else None
    times, statements, commits = [], 0, 0
    shown = None
    for n in range(posts):
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        with CaptureQueriesContext(connection) as queries:
            post(n)
        if profiler:
            profiler.disable()
        times.append((time.perf_counter() - started) * 1000)
        statements += len(queries)
        commits += sum(1 for q in queries if q["sql"].upper().startswith(("COMMIT", "RELEASE")))
        shown = shown or [q["sql"] for q in queries]
    print(f"{posts} signing POSTs through the test client, {url.rsplit('/', 1)[1]}, "
          f"load average {os.getloadavg()[0]:.2f}")
    print("| per POST | |\n| --- | ---: |")
    print(f"| SQL statements | {statements / posts:.1f} |")
    print(f"| of which COMMIT or RELEASE SAVEPOINT | {commits / posts:.1f} |")
    print(f"| Redis round trips, cache (db {cache_db}) | {trips.by_db[cache_db] / posts:.1f} |")
    print(f"| Redis round trips, broker (db {broker_db}) | "
          f"{trips.by_db[broker_db] / posts:.1f} |")
    print(f"| time p50 / max (ms) | {statistics.median(times):.1f} / {max(times):.1f} |")
    print("\nRedis commands (first of each round trip), per POST:")
    for (db, name), count in sorted(trips.commands.items()):
        print(f"  db {db} {name}: {count / posts:.2f}")
    if "--statements" in sys.argv:
        print("\nThe statements of one POST:")
        for sql in shown:
            print(f"  {sql[:160]}")
    if profiler:
        print_cprofile(profiler, 35)
    Signature.objects.filter(email__startswith="profile-").delete()
    dns.stop()


if __name__ == "__main__":
    main()
