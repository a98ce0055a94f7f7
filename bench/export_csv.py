"""The CSV export of every approved signatory, in one process: rows per second and peak RSS.

    .venv/bin/python bench/export_csv.py DATABASE_URL [--excel]

Django's test client with the production settings (DEBUG off, PLAIN_STATIC_NAMES),
streaming /p/<slug>/signataires.csv as a client would read it; bench/web.py
measures the same through gunicorn. Prints the rows, the seconds, rows/s, the
time to the first block and the process's peak RSS (ru_maxrss) before and after.
"""

import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]
import dataset  # noqa: E402


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    os.environ.update({
        "DATABASE_URL": sys.argv[1], "DJANGO_SETTINGS_MODULE": "petition.settings",
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 40, "DEBUG": "false",
        "ALLOWED_HOSTS": "testserver", "SECURE_SSL_REDIRECT": "false",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/4"),
        "PLAIN_STATIC_NAMES": "true", "MAILER": "smtp"})
    import django

    django.setup()
    from django.test import Client

    query = "?excel=1" if "--excel" in sys.argv else ""
    before = peak_mb()
    started = time.perf_counter()
    response = Client().get(f"/p/{dataset.PETITION}/signataires.csv{query}")
    lines = size = 0
    first = None
    for block in response.streaming_content:
        first = first or time.perf_counter() - started
        lines += block.count(b"\n")
        size += len(block)
    seconds = time.perf_counter() - started
    print(f"{lines - 1} rows ({size / 1e6:.0f} MB) in {seconds:.2f} s = "
          f"{(lines - 1) / seconds:,.0f} rows/s; first block after {first * 1000:.0f} ms; "
          f"peak RSS {peak_mb():.0f} MB (before: {before:.0f} MB); "
          f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
