"""Locality search: server time per search over the 37,590 communes (target: p99 < 10 ms).

    DJANGO_SETTINGS_MODULE=petition.settings .venv/bin/python bench/locality_search.py [N]

Replays what signers type into the autocomplete: N communes drawn at random
(fixed seed), each typed letter by letter from its second letter, without
accents or in lower case, plus their postal codes as typed digit by digit and
a few homonyms and typos. Times `places.search` alone, then the whole view
(`/places/search`: rate limit, search, JSON), called in process so that the
figure is server time without the network. Also prints the one-off load time
of the index.
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "petition.settings")
os.environ.setdefault("RATE_PLACES_PER_IP", "0")  # one client asks thousands of times

import django  # noqa: E402

django.setup()

from django.test import RequestFactory  # noqa: E402

from signatures import places  # noqa: E402
from signatures.views import place_search  # noqa: E402


def queries(count: int) -> list[tuple[str, str]]:
    rng = random.Random(2026)
    communes = places.indexes()["commune"].places
    typed = []
    for place in rng.sample(communes, count):
        name = rng.choice([place.name, places.fold(place.name), place.name.lower()])
        typed += [("commune", name[:length]) for length in range(2, len(name) + 1)]
        for postal in place.postal_codes[:1]:
            typed += [("commune", postal[:length]) for length in range(2, 6)]
    typed += [("commune", q) for q in ("Saint-Denis", "saint denis (974)", "Saint-Etiene-de-Tinee",
                                       "st etienne tinee", "s", "sa", "saint", "le", "la")]
    typed += [("epci", q) for q in ("cc ", "métropole", "lyon", "grand paris")]
    typed += [("departement", q) for q in ("al", "alpes mar", "2a", "974")]
    typed += [("region", q) for q in ("ile", "bretagne", "pays de")]
    return typed


def percentiles(timings: list[float]) -> str:
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return (f"p50 {cuts[49] * 1000:.3f} ms, p99 {cuts[98] * 1000:.3f} ms, "
            f"max {max(timings) * 1000:.3f} ms over {len(timings)} searches")


def main(count: int):
    started = time.perf_counter()
    index = places.indexes()
    print(f"index loaded in {time.perf_counter() - started:.2f} s: "
          f"{len(index['commune'].places)} communes, {len(index['epci'].places)} EPCI")
    typed = queries(count)

    timings = []
    for kind, query in typed:
        started = time.perf_counter()
        places.search(kind, query)
        timings.append(time.perf_counter() - started)
    print("places.search:      " + percentiles(timings))

    factory = RequestFactory()
    timings = []
    for kind, query in typed:
        request = factory.get("/places/search", {"kind": kind, "q": query})
        started = time.perf_counter()
        response = place_search(request)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content
    print("/places/search view: " + percentiles(timings))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
