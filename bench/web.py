"""The web benchmark behind `make bench`: the site under wrk, at 600,000 signatures and at 1,000.

    .venv/bin/python bench/web.py                # everything, as `make bench` runs it
    BENCH_DURATION=5 .venv/bin/python bench/web.py --skip-emails   # a quick check
    .venv/bin/python bench/web.py --distinct-only   # static + issue 19's two scenarios
    .venv/bin/python bench/web.py --export-only     # the CSV export through gunicorn
    .venv/bin/python bench/web.py --signing-only    # static + the signing POST, at 600,000

1. Loads 600,000 synthetic signatures (bench/dataset.py, COPY) into
   petition_bench_600k, and 1,000 into petition_bench_1k; reports the time.
2. Starts gunicorn with the production settings and gunicorn.conf.py on
   127.0.0.1 (DEBUG off, every middleware, Redis cache). Two deviations from
   production, both for a plain-HTTP load generator: no HTTPS redirect, and the
   signing rate limits off (one client signs thousands of times).
3. Drives wrk (fixed connections and duration, below) through each scenario,
   with a warm-up; the signing POST uses bench/lua/sign.lua. Two scenarios are a
   crowd of different readers (bench/lua/distinct.lua, each request the next
   URL of a list): 12,000 name searches taken from the dataset, and
   département × mandate × party filters mixed with keyset pages. There the
   server's X-Page-Cache answers are counted: the hit rate it saw is reported.
4. Checks that every accepted POST is in the database with its challenge
   queued and published to the broker.
5. Downloads the full CSV export, sampling the gunicorn workers' RSS.
6. Runs bench/outbox_throughput.py: confirmation emails per second through
   two Celery worker processes to a loopback SMTP sink.
7. Prints the table and writes it to bench/results/latest.md.

With --signing-only: the static file and the signing POST at 600,000, with step
4's accounting and the slowest POSTs as gunicorn's access log timed them; the
table goes to bench/results/signing.md, and the run's own signatures are
deleted afterwards (so that BENCH_REUSE=1 finds 600,000 rows again).

Settings (environment): BENCH_DURATION (seconds per scenario, 15),
BENCH_CONNECTIONS (16), BENCH_WRK_THREADS (2), BENCH_EMAILS (10000),
BENCH_REUSE=1 (keep the loaded databases if their row counts match; they are
migrated to the current schema), BENCH_DATABASES_PREFIX (petition_bench: the
databases are <prefix>_600k and <prefix>_1k), BENCH_REDIS_URL (db 14; the page
cache takes the next database, or BENCH_CACHE_REDIS_URL), WEB_CONCURRENCY and
GUNICORN_THREADS (as in production).
"""

import base64
import contextlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]
import dataset  # noqa: E402

from tests.dns_server import LoopbackDNS  # noqa: E402
from tests.ports import free_port  # noqa: E402

BIN = ROOT / ".venv/bin"
RESULTS = ROOT / "bench/results"
PG = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
# BENCH_DATABASES_PREFIX: another pair of databases (petition_h19 -> petition_h19_600k, …).
PREFIX = os.environ.get("BENCH_DATABASES_PREFIX", "petition_bench")
DATABASES = {600_000: f"{PG}/{PREFIX}_600k", 1_000: f"{PG}/{PREFIX}_1k"}
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
# The page cache: as in the settings, the database after the broker's.
_redis_base, _slash, _redis_db = REDIS_URL.rpartition("/")
CACHE_REDIS_URL = os.environ.get("BENCH_CACHE_REDIS_URL",
                                 f"{_redis_base}/{(int(_redis_db or 0) + 1) % 16}")
DURATION = int(os.environ.get("BENCH_DURATION", 15))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", 16))
WRK_THREADS = int(os.environ.get("BENCH_WRK_THREADS", 2))
EMAILS = int(os.environ.get("BENCH_EMAILS", 10_000))
SLUG = dataset.PETITION
P = f"/p/{SLUG}"

# Ratio of each scenario's requests/s to the static ceiling's (issue 8).
TARGETS = {"petition": 0.5, "count": 0.7, "list": 0.3, "filtered": 0.3, "deep": 0.3,
           "search": 0.2, "searches": 0.15, "combinations": 0.15, "sign": 0.1}
# Issue 19: a crowd of different readers, each URL different, so that nearly
# every request misses the page cache (the server says which did).
DISTINCT_SCENARIOS = ("searches", "combinations")
DISTINCT_SEARCHES = 12_000
DISTINCT_COMBINATIONS = 12_000
P99_TARGETS = {"searches": 100.0}
LIST_SCENARIOS = ("list", "filtered", "deep", "search")
LABELS = {
    "static": "static file (ceiling)", "petition": "petition page", "count": "count.json",
    "list": "signatories, page 1", "filtered": "signatories, département + mandate",
    "deep": "signatories, deep page (keyset)", "search": "signatories, name search",
    "searches": "distinct searches (≥ 10,000 names)",
    "combinations": "distinct filters and deep pages",
    "sign": "signing POST",
}
def log(*args):
    print(*args, file=sys.stderr, flush=True)


# --- the databases -----------------------------------------------------------------

def base_env():
    """Production settings, as a clean environment (nothing inherited from the shell)."""
    return {
        "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "petition.settings",
        "REDIS_URL": REDIS_URL, "CACHE_REDIS_URL": CACHE_REDIS_URL,
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "CONN_MAX_AGE": "60", "MAILER": "smtp",
        # Plain HTTP from wrk on loopback: no redirect to HTTPS.
        "SECURE_SSL_REDIRECT": "false",
        # One client signs thousands of times from one address and domain.
        "RATE_SIGN_PER_IP": "0", "RATE_SIGN_PER_ADDRESS": "0", "RATE_SIGN_PER_DOMAIN": "0",
        **{name: os.environ[name] for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS")
           if name in os.environ},
    }


def row_count(url):
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            return conn.execute("SELECT count(*) FROM signatures_signature").fetchone()[0]
    except psycopg.Error:
        return None


def load_databases():
    seconds = {}
    for count, url in DATABASES.items():
        if os.environ.get("BENCH_REUSE") == "1" and row_count(url) == count:
            log(f"reusing {url} ({count} rows), migrated to the current schema")
            dataset.migrate(url, base_env())
            continue
        log(f"loading {count} signatures into {url} …")
        seconds[count] = dataset.load(count, url, base_env())
        log(f"  {count} rows in {seconds[count]:.1f} s")
    return seconds


def facts(url):
    """What the scenarios need from a database: a deep anchor, a busy département, a party."""
    with psycopg.connect(url) as conn:
        approved = conn.execute("SELECT count(*) FROM signatures_signature "
                                "WHERE state = 'approved'").fetchone()[0]
        # 90% of the way down the list, newest first: page ~10,000 at 600k.
        deep = conn.execute(
            "SELECT id FROM signatures_signature WHERE state = 'approved' "
            "ORDER BY approved_at DESC, id DESC OFFSET %s LIMIT 1",
            [int(approved * 0.9)]).fetchone()[0]
        party = conn.execute("SELECT id FROM signatures_party WHERE name = 'Parti socialiste'"
                             ).fetchone()[0]
    return {"approved": approved, "deep": deep, "party": party}


# --- the server ----------------------------------------------------------------------

class Server:
    """gunicorn with gunicorn.conf.py and the production settings, on loopback."""

    def __init__(self, url, dns_port, access_log=None):
        self.port = free_port()
        self.access_log = access_log  # a path: gunicorn's JSON access lines are kept there
        self.env = {**base_env(), "DATABASE_URL": url,
                    "SITE_URL": f"http://127.0.0.1:{self.port}",
                    "DNS_NAMESERVERS": f"127.0.0.1:{dns_port}"}

    def __enter__(self):
        # No figures or pages from another database: both Redis databases (until issue 19
        # only the broker's was emptied, and the 1,000 run was served 600,000's pages).
        for url in (REDIS_URL, CACHE_REDIS_URL):
            redis.Redis.from_url(url).flushdb()
        RESULTS.mkdir(exist_ok=True)
        self.log = open(RESULTS / "gunicorn.log", "a")  # noqa: SIM115 (closed in __exit__)
        # The access log (stdout) is written as in production, then dropped (or kept).
        self.access = open(self.access_log, "w") if self.access_log else None  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{self.port}"],
            cwd=ROOT, env=self.env, stdout=self.access or subprocess.DEVNULL, stderr=self.log,
            start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url("/healthz"), timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn died: see {RESULTS / 'gunicorn.log'}")
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()
        if self.access:
            self.access.close()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def breakers_opened_since(self, since) -> int:
        """How many times a circuit breaker opened (petition.breaker), from the kept log."""
        if not self.access_log:
            return 0
        after = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(since))
        return sum(1 for line in Path(self.access_log).read_text().splitlines()
                   if "degraded mode for" in line and line[10:29] >= after)

    def workers(self):
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return children


@contextlib.contextmanager
def round_trips(url, every=0.02):
    """While the run lasts, how long a bare round trip takes to what a signing POST waits
    on: PostgreSQL (SELECT 1), a commit (an INSERT into a temporary table: one WAL flush,
    as a signature's), the cache's Redis and the broker's (PING), every 20 ms from a
    thread of its own. p50, p99 and max in ms, per kind."""
    samples = {"postgres": [], "commit": [], "redis cache": [], "redis broker": []}
    stop = threading.Event()

    def sample():
        with psycopg.connect(url, autocommit=True) as conn:
            # Logged, as the signatures are: a temporary table's commit flushes no WAL.
            conn.execute("CREATE TABLE IF NOT EXISTS bench_commit_probe (at timestamptz)")
            clients = {"redis cache": redis.Redis.from_url(CACHE_REDIS_URL),
                       "redis broker": redis.Redis.from_url(REDIS_URL)}
            while not stop.wait(every):
                for kind, call in (("postgres", lambda: conn.execute("SELECT 1")),
                                   ("commit", lambda: conn.execute(
                                       "INSERT INTO bench_commit_probe VALUES (now())")),
                                   *((kind, client.ping) for kind, client in clients.items())):
                    started = time.perf_counter()
                    call()
                    samples[kind].append((time.perf_counter() - started) * 1000)
            conn.execute("DROP TABLE bench_commit_probe")

    prober = threading.Thread(target=sample)
    summary = {}
    prober.start()
    try:
        yield summary
    finally:
        stop.set()
        prober.join()
        for kind, times in samples.items():
            times.sort()
            if times:
                summary[kind] = {"p50": times[len(times) // 2],
                                 "p99": times[int(len(times) * 0.99)], "max": times[-1],
                                 "n": len(times)}


def cpu_seconds(pid):
    """user + system CPU time of a process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_of(server, url):
    """CPU seconds so far of the gunicorn workers and of the PostgreSQL backends of `url`."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url) as conn:
        backends = [pid for (pid,) in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name])]
    return {"gunicorn": {pid: cpu_seconds(pid) for pid in server.workers()},
            "postgres": {pid: cpu_seconds(pid) for pid in backends}}


def proc_mb(pid, file_name, field):
    """A "Field:   1234 kB" line of /proc/PID/FILE, in MB (0 once the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/{file_name}").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def pss_mb(pid):
    """Proportional set size: shared pages (the preloaded app) split between the processes."""
    return proc_mb(pid, "smaps_rollup", "Pss")


def rss_mb(pid):
    return proc_mb(pid, "status", "VmRSS")


@contextlib.contextmanager
def dns_server():
    """The tests' loopback DNS server: it answers MX for every domain the bench signs with."""
    server = LoopbackDNS().start()
    try:
        yield server
    finally:
        server.stop()


# --- wrk -------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def milliseconds(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def wrk(url, duration, script=None, env=None):
    command = ["wrk", "-t", str(WRK_THREADS), "-c", str(CONNECTIONS), "-d", f"{duration}s",
               "--latency", "--timeout", "10s"]
    if script:
        command += ["-s", str(script)]
    result = subprocess.run(command + [url], capture_output=True, text=True,
                            env={**os.environ, **(env or {})}, timeout=duration + 60)
    out = result.stdout
    if result.returncode:
        raise RuntimeError(f"wrk failed: {result.stderr or out}")
    percentiles = dict(re.findall(r"^\s*(50|99)%\s+([\d.]+(?:us|ms|s|m))\s*$", out, re.M))
    if set(percentiles) != {"50", "99"}:
        raise RuntimeError(f"could not read wrk's latency distribution:\n{out}")
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                        out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    statuses = {int(s): int(n) for s, n in re.findall(r"^status (\d+) (\d+)$", out, re.M)}
    page_cache = {name: int(n) for name, n in re.findall(r"^cache (\w+) (\d+)$", out, re.M)}
    return {
        "page_cache": page_cache,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": milliseconds(percentiles["50"]), "p99": milliseconds(percentiles["99"]),
        "errors": (sum(int(n) for n in sockets.groups()) if sockets else 0)
        + (int(non_2xx.group(1)) if non_2xx else 0),
        "statuses": statuses,
    }


def run_scenario(server, name, path, script=None, env=None, warm_up=2, settle=False,
                 cpu=None, probe=None):
    # Warm-up: connections, caches, and each worker's first use of reference data
    # (a worker's first signing POST loads the places data: several seconds, more
    # when the workers load it all at once on a busy machine, and its other threads
    # wait for the GIL meanwhile: their Redis replies time out and open a breaker).
    # `settle`: warm up again until no answer took a second and no breaker opened
    # (when the server keeps its log), at most 5 more times.
    for attempt in range(6 if settle else 1):
        warm_env = ({**env, "BENCH_RUN": f"{env['BENCH_RUN']}w{attempt}"}
                    if env and "BENCH_RUN" in env else env)
        since = time.time()
        warm = wrk(server.url(path), warm_up, script, warm_env)  # its own addresses
        opened = server.breakers_opened_since(since)
        # wrk's percentiles leave out what never answered: a warm-up spent waiting on
        # loading workers shows a handful of fast answers and its timeouts.
        if (warm["p99"] < 1000 and not opened and not warm["errors"]
                and warm["requests"] >= 5 * CONNECTIONS):
            break
        log(f"  {name}: warm-up p99 {warm['p99']:.0f} ms, {warm['requests']} answers, "
            f"{warm['errors']} errors, breakers opened {opened}, warming up again")
    log(f"  {name} …")
    started = time.time()
    spent = cpu() if cpu else {}
    with probe() if probe else contextlib.nullcontext({}) as probed:
        result = wrk(server.url(path), DURATION, script, env)
    result["probed"] = probed
    if cpu:  # CPU seconds the run cost each kind of process (a figure load does not bend)
        after = cpu()
        result["cpu_s"] = {kind: sum(after[kind].values()) - sum(
            spent.get(kind, {}).get(pid, 0) for pid in after[kind]) for kind in after}
    result["seconds"] = time.time() - started
    log(f"    {result['rps']:.0f} req/s, p50 {result['p50']:.1f} ms, "
        f"p99 {result['p99']:.1f} ms, errors {result['errors']}")
    return result


def static_path(server):
    """A file from the manifest (hashed name), as pages link to it."""
    manifest = json.loads((ROOT / "staticfiles/staticfiles.json").read_text())
    return "/static/" + manifest["paths"]["css/site.css"]


def list_paths(info, departement):
    return {
        "list": f"{P}/signatories/",
        "filtered": f"{P}/signatories/?departement={departement}&mandate=municipal_councillor",
        "deep": f"{P}/signatories/?after={info['deep']}",
        "search": f"{P}/signatories/?q=helene+maillard",
    }


def distinct_searches(url, count=DISTINCT_SEARCHES):
    """Name searches as readers type them, taken from the dataset: a full name, or a
    last name and a commune; as many different ones as `count`, in random order."""
    with psycopg.connect(url) as conn:
        conn.execute("SELECT setseed(0.19)")
        terms = [row[0] for row in conn.execute(
            "SELECT term FROM (SELECT DISTINCT lower(first_name || ' ' || last_name) AS term "
            "FROM signatures_signature WHERE state = 'approved' UNION "
            "SELECT DISTINCT lower(last_name || ' ' || locality) FROM signatures_signature "
            "WHERE state = 'approved') AS terms ORDER BY random() LIMIT %s", [count])]
    return [f"{P}/signatories/?{urllib.parse.urlencode({'q': term})}" for term in terms]


def filter_combinations(url, count=DISTINCT_COMBINATIONS // 2):
    """Département × mandate × party filters that the dataset holds, in random order."""
    with psycopg.connect(url) as conn:
        conn.execute("SELECT setseed(0.19)")
        return conn.execute(
            "SELECT * FROM (SELECT DISTINCT departement, mandate, party_id "
            "FROM signatures_signature WHERE state = 'approved' AND party_id IS NOT NULL) "
            "AS found ORDER BY random() LIMIT %s", [count]).fetchall()


def distinct_combinations(url, combinations, count=DISTINCT_COMBINATIONS):
    """`combinations` as filters (the 600,000's, the same URLs at 1,000), and keyset pages
    of this database (`after` a random approved row, alone or within its own
    département); each URL different, in random order."""
    with psycopg.connect(url) as conn:
        conn.execute("SELECT setseed(0.19)")
        anchors = conn.execute(
            "SELECT public_id, departement FROM signatures_signature "
            "WHERE state = 'approved' ORDER BY random() LIMIT %s",
            [count - len(combinations)]).fetchall()
    paths = [f"{P}/signatories/?departement={d}&mandate={m}&party={p}"
             for d, m, p in combinations]
    paths += [f"{P}/signatories/?after={public_id}" if n % 2 else
              f"{P}/signatories/?departement={departement}&after={public_id}"
              for n, (public_id, departement) in enumerate(anchors)]
    random.Random(19).shuffle(paths)
    return list(dict.fromkeys(paths))  # each URL once


def run_distinct(server, name, paths):
    """wrk through `paths`, each request the next URL; the warm-up walks them backwards,
    so the measured run meets pages the warm-up did not store."""
    RESULTS.mkdir(exist_ok=True)
    listing = RESULTS / f"paths-{name}.txt"
    listing.write_text("\n".join(paths) + "\n")
    script = ROOT / "bench/lua/distinct.lua"
    wrk(server.url(paths[0]), 2, script, {"BENCH_PATHS": str(listing), "BENCH_REVERSE": "1"})
    log(f"  {name} ({len(paths)} URLs) …")
    result = wrk(server.url(paths[0]), DURATION, script, {"BENCH_PATHS": str(listing)})
    seen = result["page_cache"]
    answered = sum(seen.values())
    result.update(urls=len(paths), hit_rate=seen.get("hit", 0) / answered if answered else 0)
    log(f"    {result['rps']:.0f} req/s, p50 {result['p50']:.1f} ms, "
        f"p99 {result['p99']:.1f} ms, errors {result['errors']}, page cache {seen}")
    return result


# --- signing ---------------------------------------------------------------------------

def csrf_pair(server):
    """A CSRF cookie and the form token that goes with it, as a browser would get them."""
    with urllib.request.urlopen(server.url(f"{P}/sign/"), timeout=10) as response:
        cookies = "; ".join(response.headers.get_all("Set-Cookie") or [])
        cookie = re.search(r"csrftoken=([^;]+)", cookies).group(1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"',
                          response.read().decode()).group(1)
    return cookie, token


def queued_challenge_ids():
    """Challenge ids in the broker's `email` queue (kombu messages in a Redis list)."""
    ids = set()
    for raw in redis.Redis.from_url(REDIS_URL).lrange("email", 0, -1):
        message = json.loads(raw)
        args = json.loads(base64.b64decode(message["body"]))[0]
        ids.add(args[0])
    return ids


def check_signatures(url, run, accepted):
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT s.id, c.id, c.state FROM signatures_signature s "
            "LEFT JOIN verification_emailchallenge c ON c.signature_id = s.id "
            "AND c.kind = 'confirm' WHERE s.email LIKE %s", [f"bench-{run}-%"]).fetchall()
    signatures = {row[0] for row in rows}
    challenges = {row[1] for row in rows if row[1] is not None and row[2] == "queued"}
    published = queued_challenge_ids() & challenges
    # wrk counts the answers it read; requests still in flight when it stopped
    # were saved too, so the database may hold a few more than were counted.
    return {"accepted": accepted, "in_database": len(signatures),
            "challenges_queued": len(challenges), "published": len(published),
            "without_published_challenge": len(signatures) - len(published),
            "lost": max(0, accepted - len(published))}


# --- export ----------------------------------------------------------------------------

def export(server):
    peak = {"rss": 0.0, "pss": 0.0}
    stop = threading.Event()

    def sample():
        workers = server.workers()
        while not stop.is_set():
            peak["rss"] = max([peak["rss"], *(rss_mb(pid) for pid in workers)])
            peak["pss"] = max([peak["pss"], *(pss_mb(pid) for pid in workers)])
            time.sleep(0.05)

    before = max(rss_mb(pid) for pid in server.workers())
    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    connection.request("GET", f"{P}/signataires.csv")
    response = connection.getresponse()
    lines = size = 0
    first_byte = None
    while chunk := response.read(1 << 20):
        first_byte = first_byte or time.monotonic() - started
        lines += chunk.count(b"\n")
        size += len(chunk)
    elapsed = time.monotonic() - started
    stop.set()
    sampler.join()
    return {"rows": lines - 1, "seconds": elapsed, "rows_per_s": (lines - 1) / elapsed,
            "first_byte_ms": (first_byte or 0) * 1000, "mb": size / 1e6,
            "peak_rss_mb": peak["rss"], "peak_pss_mb": peak["pss"], "rss_before_mb": before,
            "status": response.status}


# --- cold pages --------------------------------------------------------------------------

def cold_renders(server, paths, times=8):
    """Sequential requests with the page cache emptied before each: the cost of a render.

    The stored pages are deleted, the version left as it is: what a URL nobody
    asked for in the last minute costs (a version bump, a moderation decision,
    would also make each process read the figures, parties and petition again).
    """
    client = redis.Redis.from_url(CACHE_REDIS_URL)
    out = {}
    for name, path in paths.items():
        samples = []
        for _ in range(times):
            for key in client.scan_iter("pe:1:page:*"):
                client.delete(key)
            time.sleep(1.1)  # each process keeps the pages it served for a second
            started = time.monotonic()
            with urllib.request.urlopen(server.url(path), timeout=30) as response:
                response.read()
            samples.append((time.monotonic() - started) * 1000)
        samples.sort()
        out[name] = {"p50": samples[len(samples) // 2], "max": samples[-1]}
    return out


# --- emails ------------------------------------------------------------------------------

def emails():
    result = subprocess.run(
        [str(BIN / "python"), "outbox_throughput.py", str(EMAILS), "300"],
        cwd=ROOT / "bench", capture_output=True, text=True, timeout=3600,
        env={**os.environ, "BENCH_REDIS_URL": REDIS_URL})
    out = result.stdout
    throughput = re.search(r"throughput: (\d+) emails in ([\d.]+) s = (\d+) emails/s.*"
                           r"duplicates: (\d+)", out)
    latency = re.search(r"p50 (\d+) ms, p99 (\d+) ms", out)
    if not throughput:
        return {"error": (result.stderr or out)[-2000:]}
    return {"emails": int(throughput.group(1)), "seconds": float(throughput.group(2)),
            "per_s": int(throughput.group(3)), "duplicates": int(throughput.group(4)),
            "latency_p50": int(latency.group(1)) if latency else None,
            "latency_p99": int(latency.group(2)) if latency else None}


# --- the run -------------------------------------------------------------------------------

def collectstatic():
    env = {**base_env(), "DATABASE_URL": DATABASES[1_000]}
    subprocess.run([str(BIN / "python"), "manage.py", "collectstatic", "--no-input", "-v", "0"],
                   cwd=ROOT, env=env, check=True)


def signing_and_export(server, info, paths, results, cold, report):
    """The export, the uncached renders and the signing POST, at 600,000; the signing run."""
    # The export before signing: a worker's first signing POST loads the
    # places reference data, which would hide what the export itself costs.
    log("  export …")
    report["export"] = export(server)
    log(f"    {report['export']}")
    cold[600_000] = cold_renders(server, {k: paths[k] for k in LIST_SCENARIOS})
    return signing(server, info, results, report)


def signing(server, info, results, report):
    """The signing POST under wrk, then the accounting: nothing lost, nothing doubled."""
    run = str(int(time.time()))
    cookie, token = csrf_pair(server)
    env = {"BENCH_CSRF_COOKIE": cookie, "BENCH_CSRF_TOKEN": token,
           "BENCH_PARTY": str(info["party"]), "BENCH_RUN": run}
    results["sign"] = run_scenario(server, "sign", f"{P}/sign/",
                                   ROOT / "bench/lua/sign.lua", env, warm_up=10, settle=True,
                                   cpu=lambda: cpu_of(server, DATABASES[600_000]),
                                   probe=lambda: round_trips(DATABASES[600_000]))
    # When the measured run began (after the warm-up), as the access log writes times.
    report["signing_since"] = time.strftime(
        "%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - results["sign"]["seconds"]))
    accepted = results["sign"]["statuses"].get(302, 0)
    report["signing"] = check_signatures(DATABASES[600_000], run, accepted)
    log(f"    check: {report['signing']}")
    report["rss_after_signing"] = max(rss_mb(pid) for pid in server.workers())
    return run


def main():
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk (Debian's package), then make bench.")
    started = time.monotonic()
    load_seconds = load_databases()
    collectstatic()
    results, cold, report = {}, {}, {}
    departement = None
    with dns_server() as dns:
        info = facts(DATABASES[600_000])
        with psycopg.connect(DATABASES[600_000]) as conn:
            departement = conn.execute(
                "SELECT departement FROM signatures_signature WHERE state = 'approved' "
                "GROUP BY departement ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
        if "--export-only" in sys.argv:
            with Server(DATABASES[600_000], dns.port) as server:
                exported = export(server)
            print(f"CSV export through gunicorn: {exported['rows']} rows in "
                  f"{exported['seconds']:.2f} s = {exported['rows_per_s']:,.0f} rows/s, first "
                  f"byte {exported['first_byte_ms']:.0f} ms, peak RSS "
                  f"{exported['peak_rss_mb']:.0f} MB (before {exported['rss_before_mb']:.0f} MB),"
                  f" peak PSS {exported['peak_pss_mb']:.0f} MB; load average "
                  f"{os.getloadavg()[0]:.2f}")
            return
        if "--signing-only" in sys.argv:
            signing_only(dns)
            return
        only_distinct = "--distinct-only" in sys.argv
        # The same searches and filters at 1,000 (most find nothing there: still renders).
        searches = distinct_searches(DATABASES[600_000])
        combinations = filter_combinations(DATABASES[600_000])
        log("600,000 signatures:")
        with Server(DATABASES[600_000], dns.port) as server:
            results["static"] = run_scenario(server, "static", static_path(server))
            if not only_distinct:
                results["petition"] = run_scenario(server, "petition", f"{P}/")
                results["count"] = run_scenario(server, "count", f"{P}/count.json")
            paths = list_paths(info, departement)
            for name in () if only_distinct else LIST_SCENARIOS:
                results[name] = run_scenario(server, name, paths[name])
            results["searches"] = run_distinct(server, "searches", searches)
            results["combinations"] = run_distinct(
                server, "combinations", distinct_combinations(DATABASES[600_000], combinations))
            signed_run = None
            if not only_distinct:
                signed_run = signing_and_export(server, info, paths, results, cold, report)
        if signed_run:
            # Once the server (and what it queued) has stopped: the next run with
            # BENCH_REUSE=1 finds 600,000 rows again instead of loading them anew.
            forget_run(DATABASES[600_000], signed_run)
        log("1,000 signatures:")
        info_1k = facts(DATABASES[1_000])
        small = {}
        with Server(DATABASES[1_000], dns.port) as server:
            paths = list_paths(info_1k, departement)
            for name in () if only_distinct else LIST_SCENARIOS:
                small[name] = run_scenario(server, name, paths[name])
            small["searches"] = run_distinct(server, "searches", searches)
            small["combinations"] = run_distinct(
                server, "combinations", distinct_combinations(DATABASES[1_000], combinations))
            if not only_distinct:
                cold[1_000] = cold_renders(server, {k: paths[k] for k in LIST_SCENARIOS})
    if "--skip-emails" not in sys.argv and not only_distinct:
        log("emails …")
        report["emails"] = emails()
        log(f"  {report['emails']}")
    total = time.monotonic() - started
    text = table(results, small, cold, report, load_seconds, total)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    # A partial run (--distinct-only) does not replace the full table.
    (RESULTS / ("distinct.md" if only_distinct else "latest.md")).write_text(text)


PG_LOG = Path(os.environ.get("BENCH_PG_LOG", "/var/log/postgresql/postgresql-15-main.log"))
SLOW_STATEMENT_MS = 20


def signing_only(dns):
    """Static + signing at 600,000, table in bench/results/signing.md; the run's rows go."""
    started = time.monotonic()
    load = os.getloadavg()[0]
    info = facts(DATABASES[600_000])
    results, report = {}, {}
    access_log = RESULTS / "gunicorn-access.log"
    # PostgreSQL logs this database's statements slower than 20 ms (read from its log,
    # when this user can: BENCH_PG_LOG), for the tail.
    database = DATABASES[600_000].rsplit("/", 1)[1]
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{database}" SET log_min_duration_statement = '
                     f"{SLOW_STATEMENT_MS}")
    with Server(DATABASES[600_000], dns.port, access_log) as server:
        results["static"] = run_scenario(server, "static", static_path(server))
        run = signing(server, info, results, report)
    report["slowest"] = slowest_posts(access_log, report["signing_since"])
    report["slow_statements"] = slow_statements(database, report["signing_since"],
                                                results["sign"]["seconds"])
    forget_run(DATABASES[600_000], run)
    text = table(results, {}, {}, report, {}, time.monotonic() - started, load=load).replace(
        "# make bench", "# bench/web.py --signing-only", 1)
    text += slowest_table(report["slowest"])
    text += slow_statements_table(report["slow_statements"])
    print(text)
    (RESULTS / "signing.md").write_text(text)


def slowest_posts(access_log, since, count=10):
    """The slowest signing POSTs as gunicorn timed them, and the distribution of all of
    them, from the JSON access log (petition.logs.AccessLogger: "ms")."""
    durations = []
    for line in access_log.read_text().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if (entry.get("method") == "POST" and str(entry.get("path", "")).endswith("/sign/")
                and _started_at(entry) >= since):  # the measured run, not the warm-up
            durations.append((round(entry.get("ms", 0) * 1000), entry.get("time", "")))
    durations.sort(reverse=True)
    return {"count": len(durations), "slowest": durations[:count],
            "p99_us": durations[len(durations) // 100][0] if durations else 0,
            "p50_us": durations[len(durations) // 2][0] if durations else 0}


def slow_statements(database, since, seconds):
    """This database's statements over SLOW_STATEMENT_MS during the measured run, from
    PostgreSQL's log: {statement's first word: [durations in ms]}."""
    try:
        text = PG_LOG.read_text(errors="replace")
    except OSError:
        return None
    until = (datetime.strptime(since, "%Y-%m-%dT%H:%M:%S")
             + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")
    since = since.replace("T", " ")
    found = {}
    pattern = re.compile(r"^(\S+ \S+) UTC \[\d+\] \S+@" + re.escape(database)
                         + r" LOG:  duration: ([\d.]+) ms  (?:statement|execute [^:]*): "
                         r"(\w+)(?: INTO \"?(\w+))?")
    for line in text.splitlines():
        match = pattern.match(line)
        if match and since <= match.group(1)[:19] <= until:
            kind = " ".join(filter(None, (match.group(3).upper(), match.group(4))))
            found.setdefault(kind, []).append(float(match.group(2)))
    return found


def slow_statements_table(found):
    if found is None:
        return f"\nPostgreSQL's log ({PG_LOG}) could not be read: no slow statements counted.\n"
    if not found:
        return f"\nNo statement took {SLOW_STATEMENT_MS} ms or more during the run.\n"
    return (f"\nStatements of {SLOW_STATEMENT_MS} ms or more during the run (PostgreSQL's "
            "log_min_duration_statement): " + "; ".join(
                f"{kind} {len(times)} (max {max(times):.0f} ms)"
                for kind, times in sorted(found.items(), key=lambda item: -len(item[1])))
            + ".\n")


def _started_at(entry) -> str:
    """When a logged request arrived (the log's time is when it ended), as the log writes it."""
    try:
        ended = datetime.strptime(entry["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except (KeyError, ValueError):
        return ""
    return (ended - timedelta(milliseconds=entry.get("ms", 0))).strftime("%Y-%m-%dT%H:%M:%S")


def slowest_table(slowest):
    if not slowest["count"]:
        return ""
    lines = ["", f"Inside gunicorn (its access log, the {slowest['count']} signing POSTs of the "
             f"measured run): p50 {slowest['p50_us'] / 1000:.1f} ms, p99 "
             f"{slowest['p99_us'] / 1000:.1f} ms; the slowest: "
             + ", ".join(f"{us / 1000:.0f}" for us, _at in slowest["slowest"]) + " ms.", ""]
    return "\n".join(lines)


def forget_run(url, run):
    """Delete what the run signed (signatures, challenges, sessions), so that the
    600,000 database can be reused as loaded."""
    with psycopg.connect(url) as conn:
        ids = "SELECT id FROM signatures_signature WHERE email LIKE %s"
        for table_name in ("verification_emailchallenge", "signatures_moderationdecision"):
            conn.execute(f"DELETE FROM {table_name} WHERE signature_id IN ({ids})",
                         [f"bench-{run}%"])
        conn.execute("DELETE FROM signatures_signature WHERE email LIKE %s", [f"bench-{run}%"])
        conn.execute("DELETE FROM django_session")


def table(results, small, cold, report, load_seconds, total, load=None):
    ceiling = results["static"]["rps"]
    lines = [
        f"# make bench — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"{os.cpu_count()} cores, load average before the run "
        f"{os.getloadavg()[0] if load is None else load:.2f}; "
        f"wrk {WRK_THREADS} threads, {CONNECTIONS} connections, "
        f"{DURATION} s per scenario; gunicorn.conf.py"
        + "".join(f", {k}={os.environ[k]}" for k in ("WEB_CONCURRENCY", "GUNICORN_THREADS")
                  if k in os.environ),
        "",
        "| scenario (600,000 signatures) | req/s | p50 ms | p99 ms | errors | × static | target "
        "| 1k req/s ÷ 600k req/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, result in results.items():
        ratio = result["rps"] / ceiling if ceiling else 0
        target = TARGETS.get(name)
        verdict = "" if target is None else f"≥ {target} {'✓' if ratio >= target else '✗'}"
        if name in P99_TARGETS:
            limit = P99_TARGETS[name]
            verdict += f", p99 < {limit:.0f} {'✓' if result['p99'] < limit else '✗'}"
        growth = ""
        if name in small and result["rps"]:
            slowdown = small[name]["rps"] / result["rps"]
            growth = f"{slowdown:.2f} {'✓' if slowdown <= 1.3 else '✗'}"
        lines.append(f"| {LABELS[name]} | {result['rps']:.0f} | {result['p50']:.1f} | "
                     f"{result['p99']:.1f} | {result['errors']} | {ratio:.2f} | {verdict} "
                     f"| {growth} |")
    lines += ["", "| same, at 1,000 signatures | req/s | p50 ms | p99 ms | errors |",
              "| --- | ---: | ---: | ---: | ---: |"] if small else []
    for name, result in small.items():
        lines.append(f"| {LABELS[name]} | {result['rps']:.0f} | {result['p50']:.1f} | "
                     f"{result['p99']:.1f} | {result['errors']} |")
    lines += ["", "Distinct URLs (issue 19): the page cache's answers as the server gave them "
              "(X-Page-Cache, counted by bench/lua/distinct.lua), so a figure that rests on "
              "the cache shows here:", "",
              "| scenario | URLs | 600k hits / misses | 600k hit rate | 1k hits / misses "
              "| 1k hit rate |", "| --- | ---: | ---: | ---: | ---: | ---: |"] if small else []
    for name in DISTINCT_SCENARIOS:
        big, little = results.get(name), small.get(name)
        if not big or not little:
            continue
        lines.append(
            f"| {LABELS[name]} | {big['urls']:,} | {big['page_cache'].get('hit', 0)} / "
            f"{big['page_cache'].get('miss', 0)} | {big['hit_rate']:.1%} | "
            f"{little['page_cache'].get('hit', 0)} / {little['page_cache'].get('miss', 0)} | "
            f"{little['hit_rate']:.1%} |")
    lines += ["", "Uncached renders (page cache emptied before each of 8 sequential requests; "
              "what a cache miss costs, and how it grows with the table):",
              "", "| page | 600k p50 ms | 600k max ms | 1k p50 ms | 1k max ms |",
              "| --- | ---: | ---: | ---: | ---: |"] if cold else []
    for name in cold.get(600_000, {}):
        big, little = cold[600_000][name], cold[1_000][name]
        lines.append(f"| {LABELS[name]} | {big['p50']:.1f} | {big['max']:.1f} | "
                     f"{little['p50']:.1f} | {little['max']:.1f} |")
    signing = report.get("signing", {})
    sign = results.get("sign", {})
    if signing:  # not in a --distinct-only run
        lines += ["", f"**Signing**: {signing.get('accepted')} POSTs accepted (302), "
              f"statuses {sign.get('statuses')}; in the database: {signing.get('in_database')}, "
              f"challenges queued: {signing.get('challenges_queued')}, published to the broker: "
              f"{signing.get('published')}; saved without a published challenge: "
              f"{signing.get('without_published_challenge')}; lost: {signing.get('lost')}. "
              f"p99 {sign.get('p99', 0):.1f} ms (target < 100 ms at 16 connections)."]
        if sign.get("probed"):
            lines += ["", "Round trips probed during the signing run (ms, p50 / p99 / max): "
                      + "; ".join(f"{kind} {p['p50']:.2f} / {p['p99']:.1f} / {p['max']:.1f}"
                                  for kind, p in sign["probed"].items()) + "."]
        if sign.get("cpu_s") and sign.get("requests"):
            lines += ["", "CPU per signing POST (a loaded machine bends it less than the "
                      "times): "
                      + ", ".join(f"{kind} {seconds * 1000 / sign['requests']:.1f} ms"
                                  for kind, seconds in sign["cpu_s"].items())
                      + f" ({sign['requests']} requests)."]
    if "rss_after_signing" in report:
        lines += ["", "After the signing scenario, the largest gunicorn worker holds "
                  f"{report['rss_after_signing']:.0f} MB (VmRSS; target ≤ 100 MB; "
                  "bench/worker_memory.py says what it is made of)."]
    exported = report.get("export")
    if exported:
        lines += ["", f"**CSV export**: {exported['rows']} rows ({exported['mb']:.0f} MB) in "
                  f"{exported['seconds']:.1f} s = {exported['rows_per_s']:,.0f} rows/s "
                  f"(target ≥ 150,000, issue 19); first byte after "
                  f"{exported['first_byte_ms']:.0f} ms; "
                  f"peak RSS of a gunicorn worker {exported['peak_rss_mb']:.0f} MB "
                  f"(before the export: {exported['rss_before_mb']:.0f} MB; target < 150 MB), "
                  f"peak PSS {exported['peak_pss_mb']:.0f} MB (pages shared with the "
                  "preloading master counted in part)."]
    mail = report.get("emails")
    if mail and "error" not in mail:
        lines += ["", f"**Confirmation emails**: {mail['emails']} in {mail['seconds']:.1f} s = "
                  f"{mail['per_s']} emails/s through two Celery worker processes "
                  "(target ≥ 250, issue 19); "
                  f"duplicates: {mail['duplicates']}; submit → inbox p50 {mail['latency_p50']} ms,"
                  f" p99 {mail['latency_p99']} ms."]
    elif mail:
        lines += ["", f"**Confirmation emails**: failed: {mail['error']}"]
    loads = ", ".join(f"{count:,} rows in {seconds:.1f} s" for count, seconds
                      in load_seconds.items()) or "reused from a previous run"
    lines += ["", f"**Loading** (COPY, indexes, VACUUM ANALYZE): {loads}.",
              "", f"Whole run: {total / 60:.1f} min.", ""] if small else [
                  "", f"Whole run: {total / 60:.1f} min.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
