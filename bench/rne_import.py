"""Import time and peak memory of `manage.py import_rne` on a municipal-sized file.

    .venv/bin/python bench/rne_import.py [rows]     # default 490,000, like the real CM file

Writes a synthetic elus-conseillers-municipaux-cm.csv in the published format
(quoted `;` headers, UTF-8 with a BOM, dd/mm/yyyy dates, birth dates and
professions that the import must drop, Corsica, 69M and overseas codes), then
runs the real command in a child process against the real PostgreSQL
(BENCH_DATABASE_URL, by default a database of its own: petition_bench_rne).
It reports wall time and the child's peak RSS for:

1. a file a tenth of the size, so that the peaks show memory does not grow
   with the file;
2. the first import of the full file;
3. the same file again (a new release replacing 490,000 rows in one transaction).

Then it times the matching of 1,000 signatures against the full register.
"""

import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/petition_bench_rne")

from harness import ENV, ROOT, setup_django  # noqa: E402

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 490_000

HEADERS = ["Code du département", "Libellé du département",
           "Code de la collectivité à statut particulier",
           "Libellé de la collectivité à statut particulier", "Code de la commune",
           "Libellé de la commune", "Nom de l'élu", "Prénom de l'élu", "Code sexe",
           "Date de naissance", "Code de la catégorie socio-professionnelle",
           "Libellé de la catégorie socio-professionnelle", "Date de début du mandat",
           "Libellé de la fonction", "Date de début de la fonction", "Code nationalité"]
LAST = ["MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS",
        "MOREAU", "LAURENT", "SIMON", "MICHEL", "LEFÈVRE", "LEROY", "ROUX", "DAVID", "BERTRAND",
        "MOREL", "FOURNIER", "GIRARD", "LE GOFF", "N'DIAYE", "D'ALMEIDA", "SAINT-ANDRÉ",
        "CASANOVA", "HOARAU", "GUÉRIN", "MÜLLER"]
FIRST = ["Marie", "Jean", "Jean-Pierre", "Michèle", "Claire", "Éloïse", "François", "Anne",
         "Marie-Ange", "Noël", "Hélène", "Jean-Marc", "Loïc", "Chloé", "Pierre", "Nathalie"]
DEPARTEMENTS = [f"{n:02d}" for n in range(1, 96) if n != 20] + [
    "2A", "2B", "69M", "971", "972", "973", "974", "976"]
SYLLABLES = ["ber", "du", "ma", "ro", "lan", "che", "vi", "gal", "to", "mon", "ri", "sa", "quer",
             "ne", "bou", "ta", "lo", "fon", "pi", "gue"]
# 8,000 rarer names beside the common ones: one row in five carries a common
# name, so "Jean Martin" has a few hundred lines, as in the real file.
RARE = ["".join(SYLLABLES[(n // 20 ** k) % 20] for k in range(3)).upper() + suffix
        for n in range(4000) for suffix in ("", "-LE")]


def last_name(rng):
    return rng.choice(LAST) if rng.random() < 0.2 else rng.choice(RARE)


FUNCTIONS = ["Maire", "1er adjoint au Maire", "2ème adjoint au Maire", "3ème adjoint au Maire",
             "Maire délégué"]


def write_file(path: Path, rows: int):
    rng = random.Random(2026)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        out.write(";".join(f'"{title}"' for title in HEADERS) + "\r\n")
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        for n in range(rows):
            departement = rng.choice(DEPARTEMENTS)
            prefix = "69" if departement == "69M" else departement
            commune = (f"{prefix}{rng.randrange(1, 99):02d}" if len(prefix) == 3
                       else f"{prefix}{rng.randrange(1, 999):03d}")
            function = rng.choice(FUNCTIONS) if n % 9 == 0 else ""
            writer.writerow([
                departement, f"Département {departement}", "", "", commune, f"Commune {commune}",
                last_name(rng), rng.choice(FIRST), rng.choice("MF"),
                f"{rng.randrange(1, 28):02d}/{rng.randrange(1, 13):02d}/"
                f"{rng.randrange(1940, 2002)}",
                "23", "Chef d'entreprise de 10 salariés ou plus",
                f"{rng.randrange(1, 28):02d}/0{rng.randrange(3, 7)}/2020",
                function, "03/07/2020" if function else "", "FR"])


def run_import(path: Path):
    """The real command in a child process: wall time and that child's own peak RSS."""
    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as log:
        child = subprocess.Popen(
            [str(ROOT / ".venv/bin/python"), "manage.py", "import_rne", str(path),
             "--no-recheck"], cwd=ROOT, env=ENV, stdout=log, stderr=subprocess.STDOUT, text=True)
        # wait4 gives this child's rusage (Popen.wait would reap it without).
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.monotonic() - started
        log.seek(0)
        output = log.read().strip()
    if child.returncode:
        sys.exit(f"import failed: {output}")
    return elapsed, usage.ru_maxrss / 1024, output


def match_timings(count=1000):
    """Time of one signature's lookup against the full register (two indexed queries)."""
    from harness import percentile

    from signatures.models import Signature
    from verification.register import matching as register

    rng = random.Random(7)
    timings = []
    for _ in range(count):
        departement = rng.choice(DEPARTEMENTS)
        signer = Signature(civility="F", first_name=rng.choice(FIRST),
                           last_name=last_name(rng).title(), mandate="municipal_councillor",
                           locality="", locality_code="", circonscription="",
                           departement="69" if departement == "69M" else departement)
        started = time.perf_counter()
        register.match(signer)
        timings.append((time.perf_counter() - started) * 1000)
    print(f"match one signature against {ROWS:,} lines: p50 {percentile(timings, 50):.1f} ms, "
          f"p99 {percentile(timings, 99):.1f} ms")


def main():
    setup_django()
    from verification.models import RegisterEntry

    with tempfile.TemporaryDirectory() as folder:
        big = Path(folder) / "elus-conseillers-municipaux-cm.csv"
        started = time.monotonic()
        write_file(big, ROWS)
        print(f"wrote {ROWS:,} rows ({big.stat().st_size / 1e6:.0f} MB) "
              f"in {time.monotonic() - started:.1f} s")

        small_dir = Path(folder) / "small"
        small_dir.mkdir()
        small = small_dir / "elus-conseillers-municipaux-cm.csv"
        write_file(small, ROWS // 10)

        for label, path in (("a tenth of the file", small), ("first import", big),
                            ("re-import (replace)", big)):
            elapsed, peak, output = run_import(path)
            print(f"{label}: {elapsed:.1f} s, peak RSS {peak:.0f} MB")
            print(f"  {output}")
        match_timings()
        print(f"rows in the register: {RegisterEntry.objects.count():,}")


if __name__ == "__main__":
    main()
