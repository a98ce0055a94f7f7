"""What one uncached render of a public page costs, and where it goes (cProfile).

    .venv/bin/python bench/profile_render.py DATABASE_URL [REQUESTS] [--profile]

In one process, with the production settings (DEBUG off, every middleware,
the Redis page cache; PLAIN_STATIC_NAMES so that no collectstatic is needed),
Django's test client asks for each page REQUESTS times (30), the page cache
emptied before each request (its pages deleted, as bench/web.py's cold renders
do), so every request is a miss and a real render, as a URL nobody asked for
in the last minute is. With --bump, the version is bumped instead, as after a
moderation decision: the figures, parties and petition are read again too. It prints the p50 and the
largest time of each page, and the p50 of this process's CPU time for it
(which a loaded machine inflates less: the database's and Redis's work is
not in it) and, with --profile, the top of cProfile's
cumulative and own-time tables over all of them. On a shared machine, read the
call counts and the shares rather than the milliseconds.

The database is one that bench/dataset.py loaded (bench/web.py's, or a copy).
REDIS_URL (redis://127.0.0.1:6379/4) names the Redis server; the cache is the
next database.
"""

import cProfile
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]
import dataset  # noqa: E402
from profile_summary import print_cprofile  # noqa: E402

P = f"/p/{dataset.PETITION}"


def pages(anchor, departement, name):
    return {
        "petition page": f"{P}/",
        "signatories, page 1": f"{P}/signatories/",
        "signatories, département + mandate":
            f"{P}/signatories/?departement={departement}&mandate=municipal_councillor",
        "signatories, deep page (keyset)": f"{P}/signatories/?after={anchor}",
        "signatories, name search": f"{P}/signatories/?q={name}",
    }


def page_cache_miss(bump=False):
    """A function that makes the next request of each page a miss (also used by
    bench/officials_page.py): the stored pages deleted, as for a URL nobody asked for
    in the last minute; with `bump`, the version bumped, as after a decision."""
    from django.core.cache import cache

    from petition.web import pagecache

    redis_client = cache._cache.get_client(write=True)

    def miss():
        if bump:
            pagecache.bump()
            return
        for key in redis_client.scan_iter("pe:1:page:*"):
            redis_client.delete(key)
        pagecache.forget_recent_pages()  # and the pages this process kept for a second

    return miss


def setup_production_django(url):
    """Django in this process as production runs it (DEBUG off, every middleware, the
    Redis cache), on `url`, for Django's test client (also bench/officials_page.py)."""
    os.environ.update({
        "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "petition.settings",
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 40, "DEBUG": "false",
        "ALLOWED_HOSTS": "testserver", "SECURE_SSL_REDIRECT": "false",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/4"),
        "PLAIN_STATIC_NAMES": "true", "MAILER": "smtp", "CONN_MAX_AGE": "60"})
    import django

    django.setup()


def main():
    url = sys.argv[1]
    requests = int(next((a for a in sys.argv[2:] if a.isdigit()), 30))
    setup_production_django(url)
    from django.db import connection
    from django.test import Client


    with connection.cursor() as cursor:
        cursor.execute("SELECT public_id FROM signatures_signature WHERE state = 'approved' "
                       "ORDER BY approved_at DESC, id DESC OFFSET "
                       "(SELECT count(*) * 9 / 10 FROM signatures_signature "
                       " WHERE state = 'approved') LIMIT 1")
        anchor = cursor.fetchone()[0]
        cursor.execute("SELECT departement FROM signatures_signature WHERE state = 'approved' "
                       "GROUP BY departement ORDER BY count(*) DESC LIMIT 1")
        departement = cursor.fetchone()[0]
        cursor.execute("SELECT lower(first_name || '+' || last_name) FROM signatures_signature "
                       "WHERE state = 'approved' ORDER BY id LIMIT 1 OFFSET 100")
        name = cursor.fetchone()[0]
    client = Client()
    targets = pages(anchor, departement, name)
    miss = page_cache_miss("--bump" in sys.argv)

    for path in targets.values():  # warm-up: templates, translations, places, connection
        miss()
        assert client.get(path).status_code == 200, path
    profiler = cProfile.Profile() if "--profile" in sys.argv else None
    print(f"{requests} uncached renders each, {url.rsplit('/', 1)[1]}, "
          f"load average {os.getloadavg()[0]:.2f}")
    print("| page | p50 ms | max ms | p50 CPU ms |\n| --- | ---: | ---: | ---: |")
    for label, path in targets.items():
        times, cpu = [], []
        for _ in range(requests):
            miss()
            started, cpu_started = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            response = client.get(path)
            if profiler:
                profiler.disable()
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            assert response.status_code == 200 and response["X-Page-Cache"] == "miss"
        print(f"| {label} | {statistics.median(times):.1f} | {max(times):.1f} | "
              f"{statistics.median(cpu):.1f} |")
    if profiler:
        print_cprofile(profiler, 30)


if __name__ == "__main__":
    main()
