"""gunicorn settings for production (read from the working directory: `gunicorn` alone uses it).

gthread workers: a worker streaming a 600,000-row CSV export for several seconds
keeps serving other requests from its other threads, and its heartbeat keeps
running, so `timeout` never kills a long export. Threads also overlap the waits
on PostgreSQL and Redis, which is most of a page's time.
"""

import multiprocessing
import os

wsgi_app = "petition.wsgi"
bind = ["0.0.0.0:8000"]
# Processes: WEB_CONCURRENCY, else two per core (threads do the rest).
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count())
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
# A worker whose heartbeat stops for this long is restarted; requests
# themselves are bounded by the proxy's timeout.
timeout = 30
graceful_timeout = 30
# Behind a reverse proxy that keeps connections open to us.
keepalive = 5
# Recycle workers now and then, with jitter so they do not all restart together.
max_requests = 20_000
max_requests_jitter = 2_000
# Import the app before forking: workers share its memory and start fast.
preload_app = True

# JSON lines on stdout; the access log has no IP address and no tokens (petition/logs.py).
logger_class = "petition.logs.AccessLogger"
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


def on_starting(server):
    """In the master, after the app is preloaded and before any worker is forked: the
    places index (half a second alone, seconds when four workers build it at once on a
    loaded machine) is built once and shared by the workers' copy-on-write pages (it is
    gc.freeze()d), instead of holding up each worker's first signing POST and the other
    threads of its process (docs/performance.md, "The tail"). A child process builds it,
    so that the master, whose pages every worker's RSS counts, never holds the build's
    peak (docs/performance.md, "A web worker's memory")."""
    from signatures import places

    places.preload_before_forking()
