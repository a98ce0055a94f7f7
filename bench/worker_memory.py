"""What a gunicorn web worker holds after signing POSTs and place searches (issue 19: ≤ 100 MB).

    BENCH_DATABASES_PREFIX=petition_memory BENCH_REDIS_URL=redis://127.0.0.1:6379/5 \
      .venv/bin/python bench/worker_memory.py [SIGNINGS_PER_WORKER]

gunicorn with gunicorn.conf.py and bench/web.py's production-like environment,
on the 1,000-signature database (<prefix>_1k; it writes signatures there and
deletes them afterwards). Every worker is given signing POSTs and place
searches of each kind (several connections at once, so that each worker gets
its share), then for the master and each worker it prints VmRSS (what
bench/web.py's `rss_after_signing` takes the maximum of), its anonymous and
file-backed parts, and PSS (shared pages divided between the processes that
share them).
"""

import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import web  # noqa: E402

SEARCHES = [("commune", "saint"), ("commune", "lyon"), ("commune", "69001"),
            ("commune", "st etienne tinee"), ("commune", "marseile"), ("epci", "metropole"),
            ("departement", "gironde"), ("region", "ile"), ("arrondissement", "paris")]
FIELDS = ("VmRSS", "RssAnon", "RssFile", "RssShmem")


def sign(server, party, run, number):
    cookie, token = web.csrf_pair(server)
    body = urllib.parse.urlencode({
        "csrfmiddlewaretoken": token, "civility": "F", "first_name": "Anne",
        "last_name": "Memory" + "".join(chr(97 + int(d)) for d in str(number)),
        "email": f"bench-{run}-{number}@mairie-69.fr", "mandate": "mayor",
        "locality": "Lyon", "departement": "69", "party": party, "consent": "on"}).encode()
    request = urllib.request.Request(
        server.url(f"{web.P}/sign/"), data=body, headers={"Cookie": f"csrftoken={cookie}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def search(server, kind, query):
    with urllib.request.urlopen(server.url(
            "/places/search?" + urllib.parse.urlencode({"kind": kind, "q": query})),
            timeout=30) as response:
        response.read()


def memory(pid) -> dict[str, float]:
    figures = {field: web.proc_mb(pid, "status", field) for field in FIELDS}
    figures["Pss"] = web.pss_mb(pid)
    return figures


def limitless(server):
    # One client searches places many times a minute from one address.
    server.env["RATE_PLACES_PER_IP"] = "0"
    return server


def main():
    per_worker = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    url = web.DATABASES[1_000]
    web.collectstatic()
    info = web.facts(url)
    run = f"mem{int(time.time())}"
    with web.dns_server() as dns, limitless(web.Server(url, dns.port)) as server:
        time.sleep(2)  # every worker forked and started
        workers = server.workers()
        idle = {pid: memory(pid) for pid in [server.process.pid, *workers]}
        counter = iter(range(10**9))
        lock = threading.Lock()

        def client():
            for _ in range(per_worker):
                with lock:
                    number = next(counter)
                sign(server, str(info["party"]), run, number)
                kind, query = SEARCHES[number % len(SEARCHES)]
                search(server, kind, query)

        # Four connections per worker: gunicorn spreads them, so each worker signs.
        threads = [threading.Thread(target=client) for _ in range(4 * len(workers))]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - started
        after = {pid: memory(pid) for pid in [server.process.pid, *workers]}
    web.forget_run(url, run)
    print(f"{next(counter)} signing POSTs and as many place searches in {seconds:.1f} s, "
          f"{len(workers)} workers (MB):")
    print(f"{'process':>16} " + " ".join(f"{f:>9}" for f in (*FIELDS, "Pss")) + "   idle VmRSS")
    for pid, figures in after.items():
        role = "master" if pid == server.process.pid else "worker"
        print(f"{role + ' ' + str(pid):>16} " + " ".join(f"{v:9.1f}" for v in figures.values())
              + f"   {idle[pid]['VmRSS']:9.1f}")
    print(f"largest worker VmRSS after signing: "
          f"{max(after[pid]['VmRSS'] for pid in workers):.1f} MB (target ≤ 100)")


if __name__ == "__main__":
    main()
