"""What one confirmation email costs a worker: SQL statements, SMTP commands, template
renders, and where the time goes (cProfile).

    cd bench && ../.venv/bin/python profile_outbox.py [emails] [--profile]

In this process, with the bench's settings (harness.py: a fresh bench database,
the production settings, a loopback aiosmtpd sink), N challenges (default 1,000)
are queued, then the `send_challenge` task body runs once per challenge, in
order, as a worker thread would run the tasks the broker hands it (Celery's
own machinery is left out: py-spy on a real worker measures that). It prints,
per email: the SQL statements and the commits, the SMTP connections and
commands, the templates rendered, and the sink's count (each email once). With
--profile, the top of cProfile's cumulative table. On a shared machine, read
the counts and the shares rather than the milliseconds.
"""

import cProfile
import io
import pstats
import smtplib
import sys
import time
from collections import Counter

from harness import Sink, make_signatures, setup_django

COUNT = int(next((a for a in sys.argv[1:] if a.isdigit()), 1000))
PROFILE = "--profile" in sys.argv


def count_calls(owner, name, counter, key):
    original = getattr(owner, name)

    def counted(*args, **kwargs):
        counter[key] += 1
        return original(*args, **kwargs)

    setattr(owner, name, counted)


def transactions(connection):
    """Transactions committed in this database so far, from another connection."""
    import psycopg
    from harness import DATABASE_URL

    # The statistics are those as of the transaction's start, and sent every 1 s at most.
    time.sleep(1.1)
    with psycopg.connect(DATABASE_URL, autocommit=True) as other:
        other.execute("SELECT pg_stat_clear_snapshot()")
        return other.execute("SELECT xact_commit FROM pg_stat_database "
                             "WHERE datname = current_database()").fetchone()[0]


def main():
    setup_django()
    from django.db import connection
    from django.template.base import Template
    from django.test.utils import CaptureQueriesContext

    from verification.models import EmailChallenge
    from verification.outbox import delivery
    from verification.tasks import send_challenge

    calls = Counter()
    for command in ("connect", "ehlo", "mail", "rcpt", "data", "quit", "rset"):
        count_calls(smtplib.SMTP, command, calls, f"SMTP {command.upper()}")
    count_calls(Template, "render", calls, "template renders")
    # Retries are published to the broker; here none should be needed.
    send_challenge.apply_async = lambda *a, **k: calls.update(["retries published"])

    with Sink() as sink:
        ids = make_signatures(COUNT)
        # The first email loads templates and URLs and opens the connections: not measured.
        warm, ids = ids[0], ids[1:]
        delivery.deliver(warm)  # that one alone
        calls.clear()
        profiler = cProfile.Profile() if PROFILE else None
        with CaptureQueriesContext(connection) as queries:
            commits = transactions(connection)
            started = time.thread_time()
            wall = time.monotonic()
            if profiler:
                profiler.enable()
            for pk in ids:
                send_challenge.run(pk)
            if profiler:
                profiler.disable()
            cpu = time.thread_time() - started
            wall = time.monotonic() - wall
            commits = transactions(connection) - commits
        received = sink.wait_for(len(ids) + 1, timeout=60)
    emails = len(ids)
    statements = Counter(q["sql"].split()[0].upper() for q in queries.captured_queries)
    print(f"{emails} emails ({received - 1} arrived in the sink, "
          f"{EmailChallenge.objects.filter(state='sent').count() - 1} rows sent); "
          f"this thread: {cpu / emails * 1000:.2f} ms of CPU and "
          f"{wall / emails * 1000:.2f} ms of wall time per email")
    print(f"transactions committed per email: {commits / emails:.2f} "
          "(pg_stat_database, read-only ones included)")
    print(f"SQL statements per email: {len(queries.captured_queries) / emails:.2f} ("
          + ", ".join(f"{kind} {n / emails:.2f}" for kind, n in statements.most_common()) + ")")
    for key, n in sorted(calls.items()):
        print(f"{key} per email: {n / emails:.2f}")
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
        print(out.getvalue())


if __name__ == "__main__":
    main()
