"""The review desk at 600,000 signatures: how long the next signature takes, and its keys.

    .venv/bin/python bench/review_desk.py [COUNT] [DATABASE_URL]

Defaults: 600000 and postgres://postgres@127.0.0.1:5432/petition_bench_desk_600k.
BENCH_REUSE=1 keeps a loaded database whose row count matches (migrated to the
current schema). BENCH_DECISIONS (300) decisions are timed.

Loads the synthetic signatories of bench/dataset.py (2 % of them await review,
that is about 12,000 at 600,000), then, in one process with Django's test
client and the production settings (DEBUG off, Redis cache, PostgreSQL):

- next: GET /admin/desk/ for a moderator with no lease, which claims the oldest
  free signature (SELECT … FOR UPDATE SKIP LOCKED, then the lease upsert) and
  renders all its evidence and the moderator's numbers;
- decide: the POST of the "approve" key (the state machine, the trail, the admin
  log; the signer's approval notice is off, so that nothing is published to a
  broker others may share), then the GET of the next one, as the browser does;
- the claim's query plan.

Keystrokes per decision are counted from the desk's own form: each decision
button carries one key (aria-keyshortcuts), so a decision is one keystroke.
"""

import cProfile
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import dataset  # noqa: E402
from profile_summary import print_cprofile  # noqa: E402

COUNT = int(sys.argv[1]) if len(sys.argv) > 1 else 600_000
URL = sys.argv[2] if len(sys.argv) > 2 else (
    "postgres://postgres@127.0.0.1:5432/petition_bench_desk_600k")
DECISIONS = int(os.environ.get("BENCH_DECISIONS", "300"))


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(name, seconds):
    ms = [s * 1000 for s in seconds]
    return (f"| {name} | {len(ms)} | {statistics.median(ms):.1f} | {percentile(ms, 0.99):.1f} "
            f"| {max(ms):.1f} |")


def main():
    env = {**os.environ, "SECRET_KEY": "bench-only-secret-key", "DEBUG": "false",
           "ALLOWED_HOSTS": "testserver,localhost", "SECURE_SSL_REDIRECT": "false",
           "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"),
           "MAILER": "smtp", "PLAIN_STATIC_NAMES": "true", "ADMIN_OTP_REQUIRED": "false",
           # Nothing published to the broker: the approval notices stay in the outbox table.
           "NOTIFY_SIGNER_ON_APPROVAL": "false"}
    reuse = os.environ.get("BENCH_REUSE") == "1"
    started = time.monotonic()
    if reuse and _row_count(URL) == COUNT:
        dataset.migrate(URL, env)
        print(f"reusing {URL} ({COUNT} rows)")
    else:
        seconds = dataset.load(COUNT, URL, env)
        print(f"loaded {COUNT} signatures in {seconds:.0f} s "
              f"({time.monotonic() - started:.0f} s with migrations)")
    os.environ.update(env, DATABASE_URL=URL, DJANGO_SETTINGS_MODULE="petition.settings")

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    from signatures.models import Signature
    from signatures.roles import ensure_moderators_group
    from verification.desk import claims
    from verification.desk.models import DeskLease

    waiting = Signature.objects.awaiting_review().count()
    user, _created = User.objects.get_or_create(username="bench-desk@campagne.fr",
                                                defaults={"is_staff": True})
    user.groups.add(ensure_moderators_group())
    DeskLease.objects.all().delete()
    client = Client()
    client.force_login(user)

    # Warm-up: templates, translations, connection.
    for _ in range(5):
        client.get("/admin/desk/")
        claims.release(user)

    nexts, decides, cpu = [], [], []
    page = None
    profiler = cProfile.Profile() if "--profile" in sys.argv else None
    for _ in range(DECISIONS):
        claims.release(user)  # a fresh claim each time, not the moderator's own lease
        t0, c0 = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        page = client.get("/admin/desk/")
        if profiler:
            profiler.disable()
        nexts.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        assert page.status_code == 200 and 'data-signature="' in page.content.decode()
    keys = re.findall(r'aria-keyshortcuts="([^"]+)"', page.content.decode())

    for _ in range(DECISIONS):
        html = page.content.decode()
        pk = re.search(r'data-signature="(\d+)"', html).group(1)
        state = re.search(r'name="state" value="([^"]*)"', html).group(1)
        version = re.search(r'name="version" value="([^"]*)"', html).group(1)
        t0 = time.perf_counter()
        done = client.post(f"/admin/desk/{pk}/decide/", {
            "state": state, "version": version, "filter": "", "action": "approve"})
        page = client.get(done["Location"])
        decides.append(time.perf_counter() - t0)
        assert done.status_code == 302 and page.status_code == 200

    from django.db import transaction
    from django.db.models import Exists
    from django.test.utils import CaptureQueriesContext

    claims.release(user)
    with CaptureQueriesContext(connection) as next_queries:
        client.get("/admin/desk/")
    from django.utils import timezone

    with transaction.atomic(), connection.cursor() as cursor:
        query = (claims.queue().exclude(Exists(claims.held_by_others(user, timezone.now())))
                 .select_for_update(skip_locked=True, of=("self",)).values_list("pk")[:1])
        sql, params = query.query.sql_with_params()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)

    lines = [
        f"Review desk at {COUNT:,} signatures ({waiting:,} awaiting review), "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}:",
        "",
        "| step | runs | p50 ms | p99 ms | max ms |",
        "| --- | --- | --- | --- | --- |",
        summary("next signature (GET /admin/desk/: claim + evidence + render)", nexts),
        summary("decide by key then next (POST approve + GET)", decides),
        "",
        f"Next signature: p50 of this process's CPU time {statistics.median(cpu) * 1000:.1f} ms "
        f"(the database's work is not in it), {len(next_queries)} queries.",
        "",
        f"Keystrokes per decision: 1 (keys on the page: {', '.join(keys)}).",
        "",
        "Claim query plan:",
        plan,
    ]
    print("\n".join(lines))
    if profiler:
        print_cprofile(profiler, 45, orders=(os.environ.get("PROFILE_SORT", "cumulative"),))
    if "-v" in sys.argv:
        for query in next_queries:
            print("   ", query["time"], query["sql"][:160])


def _row_count(url):
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            return conn.execute("SELECT count(*) FROM signatures_signature").fetchone()[0]
    except psycopg.Error:
        return None


if __name__ == "__main__":
    main()
