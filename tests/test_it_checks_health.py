import os
import subprocess
import sys
from pathlib import Path

from .ports import free_port


def test_healthz_answers_200_when_database_and_broker_answer(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_names_the_broker_when_it_is_down(client, db, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"].startswith("failed")


def test_healthz_names_the_database_when_it_is_down():
    """A real PostgreSQL client pointed at a port where nothing listens."""
    code = ("import django, json; django.setup(); from django.test import Client; "
            "r = Client().get('/healthz', HTTP_HOST='localhost'); "
            "print(r.status_code, json.dumps(r.json()))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "petition.settings",
           "ALLOWED_HOSTS": "localhost", "SECURE_SSL_REDIRECT": "false",
           "DATABASE_URL": f"postgres://u@127.0.0.1:{free_port()}/x"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, timeout=60, cwd=Path(__file__).resolve().parent.parent)
    assert result.stdout, result.stderr
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503"
    assert '"database": "failed: OperationalError"' in body
    assert '"broker": "ok"' in body
