"""« Have your elected officials signed? » for one commune, uncached, with a full register.

    .venv/bin/python bench/officials_page.py DATABASE_URL [REQUESTS]

DATABASE_URL is a database that bench/dataset.py loaded (bench/web.py's 600,000
signatures): the bench works on a copy of it, <name>_officials, made once and
kept (so that web.py's own stays as loaded). If the copy's register is not
full-sized yet, this adds a
synthetic one the size of France's: for every commune a mayor and councillors
(about 14 a commune, 490,000 lines, as the real CM file), and for every
département its deputies, senators, departmental and regional councillors
(bench/results: the real files have 577, 348, about 4,000 and 1,900 lines).
A twentieth of the mayors and of the département's officials have signed
(approved signatures with their names), so that the page marks some « signed ».

Then, in one process with the production settings (DEBUG off, every
middleware, the Redis page cache, PostgreSQL), Django's test client asks for
the page of REQUESTS (300) communes picked at random, each once and with its
stored pages deleted first: each request is a miss and a real render, as a
commune nobody asked for in the last minute is. It prints p50, p99 and max
(wall) and the p50 of this process's CPU time, and with -v the queries of one
page; with --profile, cProfile's cumulative table over all of them. With --bump,
the pages' version is bumped before each request instead, as after a decision
on a signature: the département's officials are read and marked again too.

REDIS_URL (redis://127.0.0.1:6379/4) names the Redis server; the cache is the
next database.
"""

import cProfile
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]
import dataset  # noqa: E402
from profile_render import page_cache_miss, setup_production_django  # noqa: E402
from profile_summary import print_cprofile  # noqa: E402

COUNCILLORS_PER_COMMUNE = 14
PER_DEPARTEMENT = {"dep": 6, "sen": 4, "cd": 40, "cr": 20}
SIGNED_SHARE = 20  # one in twenty


def percentile(values, share):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * share))]


def load_register(rng):
    """A full-sized synthetic register (skipped when one is there), and signatures by
    a twentieth of its mayors and département officials."""
    from django.db import transaction
    from django.utils import timezone

    from petition.models import Petition
    from signatures.models import Party, Signature
    from signatures.places import COMMUNE, DEPARTEMENT, departements, find, indexes
    from verification.register import demo
    from verification.register.models import RegisterEntry, RegisterFile

    communes = [p for p in indexes()[COMMUNE].places if not p.subtype]
    wanted = len(communes) * (1 + COUNCILLORS_PER_COMMUNE)
    if RegisterEntry.objects.filter(kind="cm").count() >= wanted - len(communes):
        return
    started = time.monotonic()
    print(f"adding a synthetic register (about {wanted:,} lines)…", flush=True)
    petition = Petition.objects.get(slug=dataset.PETITION)
    party = Party.objects.filter(refused=False, requires_detail=False).first()
    line = 0
    signers = []

    def entry(kind, **territory):
        nonlocal line
        line += 1
        made = demo.entry(kind, rng.choice(demo.LAST), rng.choice(demo.FIRST) + f" {line}",
                          line, sex=rng.choice("FM"), **territory)
        if kind != "cm" and not line % SIGNED_SHARE:
            signers.append(made)
        return made

    with transaction.atomic():
        RegisterEntry.objects.all().delete()
        batch = []
        for place in communes:
            batch.append(entry("mai", departement=place.departement, commune_code=place.code,
                               territory_name=place.name, function="Maire"))
            batch += [entry("cm", departement=place.departement, commune_code=place.code,
                            territory_name=place.name, function="Conseiller municipal")
                      for _ in range(COUNCILLORS_PER_COMMUNE)]
            if len(batch) >= 5000:
                RegisterEntry.objects.bulk_create(batch)
                batch = []
        for code, name in departements().items():
            region = find(DEPARTEMENT, code).parent if find(DEPARTEMENT, code) else ""
            for kind, count in PER_DEPARTEMENT.items():
                for number in range(1, count + 1):
                    batch.append(entry(kind, departement=code, territory_name=name,
                                       circonscription=str(number) if kind == "dep" else "",
                                       region_code=region if kind == "cr" else "",
                                       canton_code=f"{code}{number:02d}" if kind == "cd" else ""))
        RegisterEntry.objects.bulk_create(batch)
        now = timezone.now()
        for kind in ("mai", "cm", *PER_DEPARTEMENT):
            RegisterFile.objects.update_or_create(kind=kind, defaults={
                "file_name": f"synthetic-{kind}.csv", "encoding": "utf-8", "imported_at": now,
                "rows": RegisterEntry.objects.filter(kind=kind).count()})
        made = [demo.signature_for(petition, signer, party, n) for n, signer in enumerate(signers)]
        for signature in made:  # saved one by one: save() derives the keys
            signature.state = Signature.State.APPROVED
            signature.approved_at = signature.email_confirmed_at = now
            signature.save()
    RegisterEntry.objects.analyse()
    print(f"  {line:,} lines and {len(made):,} signatures in "
          f"{time.monotonic() - started:.1f} s", flush=True)


def copy_of(url) -> str:
    """<url>_officials, copied from `url` unless it exists."""
    import psycopg

    server, name = url.rsplit("/", 1)
    copy = f"{name}_officials"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [copy]).fetchone():
            print(f"copying {name} to {copy}…", flush=True)
            conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
    return f"{server}/{copy}"


def main():
    url = copy_of(sys.argv[1])
    requests = int(next((a for a in sys.argv[2:] if a.isdigit()), 300))
    setup_production_django(url)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from signatures.places import COMMUNE, indexes

    rng = random.Random(19)
    load_register(rng)
    miss = page_cache_miss("--bump" in sys.argv)

    communes = [p for p in indexes()[COMMUNE].places if not p.subtype]
    picked = rng.sample(communes, requests + 5)
    client = Client()
    path = f"/p/{dataset.PETITION}/your-officials/"
    for place in picked[:5]:  # warm-up: templates, translations, places, connection
        miss()
        assert client.get(path, {"locality": place.label, "locality_code": place.code}
                          ).status_code == 200
    times, cpu, signed = [], [], 0
    profiler = cProfile.Profile() if "--profile" in sys.argv else None
    for place in picked[5:]:
        miss()
        started, cpu_started = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        response = client.get(path, {"locality": place.label, "locality_code": place.code})
        if profiler:
            profiler.disable()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        assert response.status_code == 200 and response["X-Page-Cache"] == "miss"
        signed += response.content.decode().count("official-signed")
    with CaptureQueriesContext(connection) as queries:
        miss()
        client.get(path, {"locality": picked[0].label, "locality_code": picked[0].code})
    print(f"{requests} communes, each once, uncached, {url.rsplit('/', 1)[1]}, load average "
          f"{os.getloadavg()[0]:.2f}")
    print("| page | p50 ms | p99 ms | max ms | p50 CPU ms | queries |\n"
          "| --- | ---: | ---: | ---: | ---: | ---: |")
    print(f"| your officials, one commune | {statistics.median(times):.1f} | "
          f"{percentile(times, 0.99):.1f} | {max(times):.1f} | {statistics.median(cpu):.1f} | "
          f"{len(queries)} |")
    print(f"({signed} officials marked signed on these pages)")
    if profiler:
        print_cprofile(profiler, 40, orders=("cumulative",))
    if "-v" in sys.argv:
        for query in queries:
            print("   ", query["time"], query["sql"][:200])


if __name__ == "__main__":
    main()
