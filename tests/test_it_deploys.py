"""Production: the documented variables are enough, nothing per-process sneaks in, and
gunicorn logs JSON lines without IP addresses or tokens."""

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .ports import free_port

ROOT = Path(__file__).resolve().parent.parent


def documented_environment() -> dict:
    """The variables .env.example sets, with its values (inline comments dropped)."""
    env = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if match := re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line):
            env[match.group(1)] = re.split(r"\s+#", match.group(2))[0].strip()
    return env


def run(env, *args):
    # DJANGO_SETTINGS_MODULE is what manage.py, the wsgi module and Celery set themselves.
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
             "DJANGO_SETTINGS_MODULE": "petition.settings", **env}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean,
                          capture_output=True, text=True, timeout=120)


def test_production_starts_with_only_the_documented_variables():
    env = {**documented_environment(),
           # The example's placeholders, replaced as the README asks.
           "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijkl",
           "SECURE_HSTS_PRELOAD": "true"}
    assert env["REDIS_URL"] and env["DATABASE_URL"]
    loaded = run(env, "-c", "import django; django.setup(); from django.conf import settings; "
                            "print(settings.DEBUG, settings.CACHES['default']['BACKEND'])")
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split() == ["False", "petition.cache_backend.GuardedRedisCache"]
    checked = run(env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_production_refuses_what_breaks_with_two_instances():
    base = {"DATABASE_URL": "postgres://u@127.0.0.1/x", "SECRET_KEY": "k" * 50,
            "REDIS_URL": "redis://127.0.0.1:6379/0"}
    # The system checks (petition/checks.py), which every management command runs.
    code = ("manage.py", "check")
    # A local-memory cache: each instance would count rate limits and figures alone.
    no_redis = run({k: v for k, v in base.items() if k != "REDIS_URL"}, *code)
    assert no_redis.returncode != 0 and "REDIS_URL is required" in no_redis.stderr
    # Emails written as files inside one container.
    files = run({**base, "MAILER": "file"}, *code)
    assert files.returncode != 0 and "MAILER=file" in files.stderr
    # Both stay available for local work.
    assert run({"DEBUG": "true", "DATABASE_URL": "sqlite:////tmp/x.sqlite3",
                "MAILER": "file"}, *code).returncode == 0


# Nothing listens at these addresses: a process that did not refuse would wait for them.
PRODUCTION = {"DATABASE_URL": "postgres://u@127.0.0.1:1/x", "SECRET_KEY": "k" * 50,
              "REDIS_URL": "redis://127.0.0.1:1/0"}
# Each configuration error, the setting that causes it, and its check's ID.
MISCONFIGURED = {
    "petition.E001": {k: v for k, v in PRODUCTION.items() if k != "REDIS_URL"},
    "petition.E002": {**PRODUCTION, "MAILER": "file"},
    "petition.E003": {**PRODUCTION, "MAILER": "brevo", "ANYMAIL_BREVO_API_KEY": "xkeysib-x"},
}


def test_check_deploy_names_each_configuration_error():
    for check_id, env in MISCONFIGURED.items():
        checked = run(env, "manage.py", "check", "--deploy")
        assert checked.returncode != 0, check_id
        assert f"({check_id})" in checked.stderr, checked.stderr
    # The provider is accepted once its webhooks are authenticated.
    secured = run({**MISCONFIGURED["petition.E003"], "ANYMAIL_WEBHOOK_SECRET": "user:pass"},
                  "manage.py", "check", "--deploy")
    assert "petition.E003" not in secured.stdout + secured.stderr


def start(env, *command):
    """Starts a server process as an operator would; returns (exit code, output)."""
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env}
    process = subprocess.Popen([str(Path(sys.executable).parent / command[0]), *command[1:]],
                               cwd=ROOT, env=clean, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
        return None, out
    return process.returncode, out


def test_gunicorn_refuses_to_start_on_a_configuration_error():
    port = free_port()
    env = {**MISCONFIGURED["petition.E001"], "WEB_CONCURRENCY": "1"}
    code, out = start(env, "gunicorn", "--bind", f"127.0.0.1:{port}")
    assert code not in (None, 0), out
    assert "petition.E001" in out and "refuses to start" in out, out


def test_celery_worker_and_beat_refuse_to_start_on_a_configuration_error(tmp_path):
    code, out = start(MISCONFIGURED["petition.E002"], "celery", "-A", "petition", "worker",
                      "--pool", "solo", "--without-gossip", "--without-mingle")
    assert code not in (None, 0), out
    assert "petition.E002" in out and "refuses to start" in out, out
    code, out = start(MISCONFIGURED["petition.E003"], "celery", "-A", "petition", "beat",
                      "--schedule", str(tmp_path / "beat-schedule"))
    assert code not in (None, 0), out
    assert "petition.E003" in out and "refuses to start" in out, out


def test_gunicorn_logs_json_without_ip_or_tokens(transactional_db, petition):
    from django.conf import settings

    port = free_port()
    env = {key: os.environ[key] for key in os.environ
           if key in ("PATH", "HOME", "DATABASE_URL", "REDIS_URL", "SECRET_KEY",
                      "PLAIN_STATIC_NAMES", "MAILER")}
    env.update(ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="false", WEB_CONCURRENCY="1",
               GUNICORN_THREADS="2", DATABASE_URL=_test_database_url(settings))
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz")
        token = "SECRETtoken1234567890abcdef"
        for path in (f"/confirm/{token}/", "/p/vsa-jo-2024/?q=someone"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10).read()
            except urllib.error.HTTPError:
                pass
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    access = [json.loads(line) for line in out.splitlines()
              if line.startswith("{") and '"gunicorn.access"' in line]
    paths = {entry["path"]: entry for entry in access}
    assert "/confirm/…" in paths and "/p/vsa-jo-2024/" in paths, out
    assert paths["/p/vsa-jo-2024/"]["status"] == 200
    assert token not in out + err and "someone" not in out + err
    assert "127.0.0.1" not in json.dumps(access)
    # The server's own lines are JSON too, and say which worker class runs.
    assert any("gthread" in json.loads(line)["message"] for line in err.splitlines()
               if line.startswith("{")), err


# pytest's process runs threads; gunicorn's master has none when on_starting forks.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")
def test_gunicorn_builds_the_places_index_before_forking_its_workers():
    """Built in each worker, it held up that worker's first signing POST for seconds
    (docs/performance.md); built once in the master, the workers share its pages. A
    child process builds it and the master receives it: it answers as one built here."""
    import runpy

    from signatures import places

    places.indexes.cache_clear()
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert config["preload_app"] is True
    config["on_starting"](server=None)
    assert places.indexes.cache_info().currsize == 1
    here = places.build_indexes(places.read_data(places.PLACES_FILE))
    for kind, query in (("commune", "saint etienne"), ("commune", "69001"), ("epci", "metro"),
                        ("departement", "gironde"), ("region", "ile")):
        assert places.search(kind, query) == here[kind].search(query)
        assert places.search(kind, query), (kind, query)
    assert places.find("commune", "69123") == here["commune"].find("69123")


def _test_database_url(settings):
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _wait_for(url, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_a_web_worker_leaves_the_dossier_pdf_libraries_to_the_task():
    """fpdf2 and fontTools cost each gunicorn worker 20 MB (docs/performance.md, "A web
    worker's memory"); only the Celery task that writes the dossier imports them."""
    env = {**documented_environment(),
           "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijkl"}
    loaded = run(env, "-c", "import sys, petition.wsgi; from django.urls import get_resolver; "
                            "get_resolver().url_patterns; from signatures.delivery import models; "
                            "print(sorted({m.split('.')[0] for m in sys.modules} & "
                            "{'fpdf', 'fontTools'}))")
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split() == ["[]"]
    # What the task imports when it writes the file does load them: the check above sees them.
    built = run(env, "-c", "import sys, django; django.setup(); "
                           "from signatures.delivery import pdf; print('fpdf' in sys.modules)")
    assert built.stdout.split() == ["True"], built.stderr
