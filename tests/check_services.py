"""Fail early, and say how to fix it, when PostgreSQL or Redis is not reachable."""

import os
import sys

import psycopg
import redis

problems = []
database_url = os.environ["DATABASE_URL"]
try:
    # Connect to the maintenance database: the test database is created by pytest.
    base = database_url.rsplit("/", 1)[0] + "/postgres"
    psycopg.connect(base, connect_timeout=3).close()
except Exception as error:
    problems.append(
        f"PostgreSQL is not reachable at {database_url} ({error}).\n"
        "  Start it with:"
        " pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
        "  or set TEST_DATABASE_URL=postgres://user:password@host:port/name"
    )
try:
    redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=3).ping()
except Exception as error:
    problems.append(
        f"Redis is not reachable at {os.environ['REDIS_URL']} ({error}).\n"
        "  Start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ''\n"
        "  or set TEST_REDIS_URL=redis://host:port/db"
    )
if problems:
    print("make test needs PostgreSQL and Redis:\n" + "\n".join(problems), file=sys.stderr)
    sys.exit(1)
