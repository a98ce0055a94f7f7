"""Confirmation emails per second, and submit-to-inbox latency.

    make bench            # or: .venv/bin/python bench/outbox_throughput.py [challenges] [signers]

1. Throughput: N challenges (default 10,000) queued at once; two `celery
   worker` processes (thread pool, BENCH_WORKER_THREADS threads each, 8 by
   default) deliver them to a loopback SMTP sink.
2. Latency: M signatures (default 300) submitted through the real form, one
   every 20 ms, while the two workers run; time from the POST returning to
   the mail arriving in the sink, as p50 and p99.

With the throughput it prints the CPU time the two worker processes used per
email until every task left the broker, and that of the PostgreSQL backends
connected to the bench database. On a machine shared with other work, these say more than the emails
per second.
"""

import os
import sys
import time

from harness import (
    DatabaseCPU,
    Sink,
    cpu_seconds,
    make_signatures,
    percentile,
    setup_django,
    start_worker,
    stop,
    wait_for_empty_broker,
)

CHALLENGES = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
SIGNERS = int(sys.argv[2]) if len(sys.argv) > 2 else 300
WORKER_THREADS = int(os.environ.get("BENCH_WORKER_THREADS", 8))


def letters(n):
    """Names take letters only: 12 -> "Lbc"."""
    return "L" + "".join(chr(ord("a") + int(digit)) for digit in str(n))


def main():
    setup_django()
    from django.test import Client

    from verification.models import EmailChallenge
    from verification.tasks import send_challenge

    with Sink() as sink:
        # Two worker processes, as in production (docker-compose.yml): each runs
        # its tasks in threads, which overlap the waits on PostgreSQL and SMTP.
        workers = [start_worker(f"bench{n}", concurrency=WORKER_THREADS, pool="threads")
                   for n in (1, 2)]
        try:
            time.sleep(3)  # let the workers connect
            ids = make_signatures(CHALLENGES)
            worker_cpu = sum(cpu_seconds(worker) for worker in workers)
            database_cpu = DatabaseCPU()
            started = time.monotonic()
            for pk in ids:
                send_challenge.delay(pk)
            published = time.monotonic() - started
            received = sink.wait_for(CHALLENGES, timeout=1800)
            elapsed = time.monotonic() - started
            # The tasks left in the broker (their rows sent in another's batch) count too.
            wait_for_empty_broker(timeout=600)
            worker_cpu = sum(cpu_seconds(worker) for worker in workers) - worker_cpu
            database_cpu = database_cpu.stop()
            sent = EmailChallenge.objects.filter(state="sent").count()
            duplicates = sum(len(t) - 1 for t in sink.arrivals.values() if len(t) > 1)
            print(f"throughput: {received} emails in {elapsed:.1f} s = "
                  f"{received / elapsed:.0f} emails/s with 2 worker processes "
                  f"(publishing took {published:.1f} s); rows sent: {sent}; "
                  f"duplicates: {duplicates}; CPU per email, until the broker is empty: workers "
                  f"{worker_cpu / received * 1000:.2f} ms, PostgreSQL "
                  f"{database_cpu / received * 1000:.2f} ms; load average "
                  f"{' '.join(f'{n:.2f}' for n in os.getloadavg())}", flush=True)

            client = Client()
            submitted = {}
            from signatures.models import Party

            party = Party.objects.get(short_name="PS").pk
            for n in range(SIGNERS):
                address = f"latency{n}@mairie-bench.fr"
                client.post("/p/vsa-jo-2024/sign/", {
                    "civility": "M", "first_name": "Paul", "last_name": letters(n),
                    "email": address, "mandate": "mayor", "locality": "Lyon",
                    "departement": "69", "party": party, "consent": "on"})
                submitted[address] = time.monotonic()
                time.sleep(0.02)
            sink.wait_for(CHALLENGES + SIGNERS, timeout=600)
            latencies = [(sink.arrivals[a][0] - t) * 1000 for a, t in submitted.items()
                         if a in sink.arrivals]
            assert latencies, "no signature submitted through the form was delivered"
            print(f"latency submit -> inbox over {len(latencies)} signatures: "
                  f"p50 {percentile(latencies, 50):.0f} ms, p99 {percentile(latencies, 99):.0f} ms,"
                  f" max {max(latencies):.0f} ms")
        finally:
            for worker in workers:
                stop(worker)


if __name__ == "__main__":
    main()
