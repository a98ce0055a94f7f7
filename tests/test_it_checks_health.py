import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from petition.models import Heartbeat
from verification.models import EmailChallenge

from .conftest import wait_until
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


def test_the_system_health_shows_workers_beat_and_a_late_outbox(
        celery_processes, client, settings, petition, parties):
    """Real worker and beat processes beat; stopped, they are missed."""
    worker = celery_processes.worker("w1", free_port())
    beat = celery_processes.beat()
    celery_processes.wait_for_workers(2)
    wait_until(lambda: Heartbeat.objects.filter(kind="beat").exists(), message="beat beating")
    body = client.get("/healthz/system").json()
    assert body["status"] == "ok", body
    assert body["workers"]["alive"] == 2, body  # the two prefork children
    assert body["workers"]["last_heartbeat_seconds_ago"] <= 2, body
    assert body["beat"]["last_heartbeat_seconds_ago"] <= 12, body

    os.killpg(worker.pid, signal.SIGTERM)  # a warm shutdown: its processes say goodbye
    os.killpg(beat.pid, signal.SIGKILL)  # beat just stops beating
    worker.wait(30)
    settings.CHALLENGE_STUCK_SENDING_SECONDS = 1
    time.sleep(1.5)
    response = client.get("/healthz/system")
    body = response.json()
    assert response.status_code == 503, body
    assert body["problems"] == ["workers", "beat"], body
    assert body["workers"]["alive"] == 0, body


def test_the_system_health_fails_when_the_oldest_queued_email_is_late(client, db, settings,
                                                                      confirm_token):
    for name, kind in (("host:1:a", "worker"), ("beat@host", "beat")):
        Heartbeat.objects.create(name=name, kind=kind, seen_at=timezone.now())
    settings.OUTBOX_LATE_SECONDS = 600
    EmailChallenge.objects.filter(state="sending").update(state="queued")
    assert client.get("/healthz/system").status_code == 200
    EmailChallenge.objects.update(queued_at=timezone.now() - timedelta(minutes=11))
    response = client.get("/healthz/system")
    assert response.status_code == 503
    assert response.json()["problems"] == ["outbox"]
    assert response.json()["outbox"]["oldest_queued_seconds_ago"] >= 660


def test_a_worker_that_beats_but_takes_nothing_from_a_full_queue_stops_touching_its_file(
        own_redis, settings, tmp_path, transactional_db):
    """The compose health check is the file's age: it must go stale for a stalled consumer.

    (transactional_db: record() replaces the connection as a worker does.)"""
    import redis

    from petition import heartbeats

    settings.HEARTBEAT_FILE = str(tmp_path / "heartbeat")
    settings.CELERY_BROKER_URL = own_redis.url
    settings.CHALLENGE_REQUEUE_AFTER_SECONDS = 1
    beating = heartbeats._Beating()
    file = Path(settings.HEARTBEAT_FILE)

    def beats_and_touches():
        file.unlink(missing_ok=True)
        heartbeats.record("vm:1:abc", Heartbeat.Kind.WORKER, beating.consuming)
        assert Heartbeat.objects.filter(name="vm:1:abc").exists()  # the sweeper's row, always
        return file.exists()

    assert beats_and_touches()  # just started
    time.sleep(1.2)
    assert beats_and_touches()  # idle, but nothing waits: healthy
    redis.Redis.from_url(own_redis.url).lpush("email", "a message")
    assert not beats_and_touches()  # messages wait and this process took none
    beating.task_started()
    assert beats_and_touches()  # a long task under way
    beating.task_ended()
    assert beats_and_touches()  # one just ended
