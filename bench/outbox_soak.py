"""1,000 signatures through the form, with a broker outage and a worker restart midway.

    .venv/bin/python bench/outbox_soak.py [signatures] [--crash]

Signatures 30%-50% are submitted while Celery publishes to a port where no
broker listens. At 60%, one of the two worker processes is restarted: a warm
shutdown (SIGTERM), or with --crash a SIGKILL. Then the sweeper runs (as
beat would) until every row is sent. Each address must receive exactly one
confirmation email; after a crash, at least one (a worker killed between
the SMTP server's 250 and recording "sent" makes that one email go twice).
"""

import signal
import sys
import time

from harness import Sink, free_port, setup_django, start_worker, stop

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
COUNT = int(ARGS[0]) if ARGS else 1000
CRASH = "--crash" in sys.argv


def letters(n):
    return "S" + "".join(chr(ord("a") + int(digit)) for digit in str(n))


def point_broker_at(app, url):
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


def main():
    # Short sweeper delays, so that the run takes seconds rather than minutes.
    setup_django(CHALLENGE_REQUEUE_AFTER_SECONDS="2", CHALLENGE_STUCK_SENDING_SECONDS="5")
    from django.db.models import Count
    from django.test import Client

    from petition.celery import app
    from signatures.models import Party, Signature
    from verification.tasks import requeue_stale_challenges as requeue_due
    from verification.models import EmailChallenge

    party = Party.objects.get(short_name="PS").pk
    real_broker = app.conf.broker_url
    client = Client()
    with Sink() as sink:
        workers = [start_worker("soak1"), start_worker("soak2")]
        time.sleep(3)
        started = time.monotonic()
        failures = 0
        for n in range(COUNT):
            if n == int(COUNT * 0.3):
                point_broker_at(app, f"redis://127.0.0.1:{free_port()}/0")
            if n == int(COUNT * 0.5):
                point_broker_at(app, real_broker)
            if n == int(COUNT * 0.6):
                stop(workers[0], signal.SIGKILL if CRASH else signal.SIGTERM)
                workers[0] = start_worker("soak3")
            response = client.post("/p/vsa-jo-2024/sign/", {
                "civility": "F", "first_name": "Anne", "last_name": letters(n),
                "email": f"soak{n}@mairie-bench.fr", "mandate": "mayor", "locality": "Lyon",
                "departement": "69", "party": party, "consent": "on"})
            failures += response.status_code != 302
            if n % 100 == 0:
                print(f"{n} submitted, {time.monotonic() - started:.1f} s", flush=True)
        submitted = time.monotonic() - started
        sweeps = 0
        while EmailChallenge.objects.exclude(state="sent").exists() and sweeps < 120:
            time.sleep(3)
            requeue_due()
            sweeps += 1
            print("sweep", sweeps, dict(EmailChallenge.objects.values_list("state").annotate(
                n=Count("id"))), flush=True)
        sink.wait_for(COUNT, timeout=60)
        time.sleep(5)  # give any late duplicate the chance to arrive
        for worker in workers:
            stop(worker)
    addresses = {f"soak{n}@mairie-bench.fr" for n in range(COUNT)}
    counts = {a: len(sink.arrivals.get(a, [])) for a in addresses}
    missing = sorted(a for a, c in counts.items() if c == 0)
    doubled = sorted(a for a, c in counts.items() if c > 1)
    print(f"{COUNT} signatures submitted in {submitted:.1f} s, {failures} answered other than 302;"
          f" saved: {Signature.objects.count()}; sweeps: {sweeps}")
    print(f"emails: {sum(counts.values())}; exactly one: "
          f"{sum(1 for c in counts.values() if c == 1)}; missing: {len(missing)}; "
          f"more than one: {len(doubled)} {doubled[:5]}")
    print("states:", dict(EmailChallenge.objects.values_list("state").annotate(n=Count("id"))))
    sys.exit(0 if not missing and not failures and (CRASH or not doubled) else 1)


if __name__ == "__main__":
    main()
