"""A crowd cannot fill the cache: pages are keyed on what they read and on one host, a page
has a size cap, and the cache lives apart from the broker, so a flood of page views never
stops email delivery."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.core.cache import cache
from django.test import Client, override_settings

from .ports import free_port

ROOT = Path(__file__).resolve().parent.parent
PAGE = "/p/vsa-jo-2024/"
LIST = "/p/vsa-jo-2024/signatories/"


def stored_pages() -> list:
    client = cache._cache.get_client(write=False)
    return [key for key in client.scan_iter("*page:*") if not key.endswith(b":rendering")]


def test_parameters_a_page_does_not_read_make_no_new_page(client, petition):
    for n in range(50):
        client.get(PAGE, {"utm_source": f"campaign-{n}"})
        client.get(LIST, {"utm_source": f"campaign-{n}", "fbclid": n})
    assert len(stored_pages()) == 2
    assert client.get(LIST, {"utm_medium": "x"})["X-Page-Cache"] == "hit"


def test_the_order_of_parameters_makes_no_new_page(client, petition):
    client.get(f"{LIST}?mandate=mayor&departement=69")
    assert client.get(f"{LIST}?departement=69&mandate=mayor")["X-Page-Cache"] == "hit"
    # A repeated parameter counts as the value the page reads (the last one).
    assert client.get(f"{LIST}?mandate=senator&departement=69&mandate=mayor"
                      )["X-Page-Cache"] == "hit"
    assert len(stored_pages()) == 1


def test_every_spelling_of_the_host_shares_one_page(client, petition, settings):
    settings.ALLOWED_HOSTS = ["petition.example.org", "localhost", "testserver"]
    settings.SITE_URL = "https://petition.example.org"
    for host in ("petition.example.org", "petition.example.org:8443", "localhost:1",
                 "localhost:65000", "PETITION.example.org"):
        page = client.get(PAGE, HTTP_HOST=host)
        assert page.status_code == 200
        text = page.content.decode()
        # Absolute links name the site, never the host a request made up.
        assert ":8443" not in text and "localhost" not in text
        assert "https://petition.example.org/" in text
    assert len(stored_pages()) == 1
    assert client.get(PAGE, HTTP_HOST="evil.example").status_code == 400


def test_a_page_larger_than_the_cap_is_not_stored(client, petition, settings):
    settings.PAGE_CACHE_MAX_BYTES = 2_000
    first = client.get(LIST)
    assert len(first.content) > 2_000
    assert client.get(LIST)["X-Page-Cache"] == "miss"  # rendered again: not kept
    assert stored_pages() == []


# --- the cache and the broker -------------------------------------------------------


def start_redis(policy: str, maxmemory: str = "8mb"):
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--maxmemory", maxmemory, "--maxmemory-policy", policy],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            return process, port
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def production_settings(environment: dict) -> dict:
    """The cache and broker URLs that settings.py derives from a production environment."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
           "DATABASE_URL": "postgres://u@127.0.0.1/x", "SECRET_KEY": "x" * 50,
           "ALLOWED_HOSTS": "localhost", "MAILER": "smtp", **environment}
    code = ("import json, django; from django.conf import settings as s; django.setup(); "
            "print(json.dumps({'caches': s.CACHES, 'broker': s.CELERY_BROKER_URL}))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60,
                            env={**env, "DJANGO_SETTINGS_MODULE": "petition.settings"})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_one_redis_url_gives_the_cache_and_the_broker_separate_databases():
    derived = production_settings({"REDIS_URL": "redis://redis.internal:6379/0"})
    assert derived["broker"] == "redis://redis.internal:6379/0"
    assert derived["caches"]["default"]["LOCATION"] == "redis://redis.internal:6379/1"
    split = production_settings({"REDIS_URL": "redis://redis:6379/0",
                                 "CACHE_REDIS_URL": "redis://redis-cache:6379/0"})
    assert split["broker"] == "redis://redis:6379/0"
    assert split["caches"]["default"]["LOCATION"] == "redis://redis-cache:6379/0"


@pytest.fixture
def two_redis():
    """The production pair, small: the broker never evicts, the cache evicts least used."""
    broker, broker_port = start_redis("noeviction")
    page_cache, cache_port = start_redis("allkeys-lru")
    yield broker_port, cache_port
    for process in (broker, page_cache):
        process.terminate()
        process.wait(10)


@pytest.mark.worker
def test_a_flood_of_page_views_never_stops_email(
        transactional_db, petition, signature_data, smtp_server, two_redis, settings):
    from celery.contrib.testing.worker import start_worker

    from petition.celery import app
    from petition.web import pagecache

    broker_port, cache_port = two_redis
    derived = production_settings({
        "REDIS_URL": f"redis://127.0.0.1:{broker_port}/0",
        "CACHE_REDIS_URL": f"redis://127.0.0.1:{cache_port}/0"})
    settings.RATE_LIMITS = {scope: (0, 3600) for scope in settings.RATE_LIMITS}
    saved_broker = app.conf.broker_url
    app.conf.broker_url = derived["broker"]
    app._pool = None
    app.amqp._producer_pool = None
    try:
        with override_settings(CACHES=derived["caches"]):
            pagecache.forget_local()
            # Searches are stored for a few seconds each: 400 of them are far more than 8 MB.
            crowd = Client()
            statuses = {crowd.get(LIST, {"q": f"flood {n}"}).status_code for n in range(400)}
            assert statuses == {200}
            with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10,
                              loglevel="WARNING"):
                signer = Client()
                assert signer.post("/p/vsa-jo-2024/sign/", signature_data).status_code == 302
                smtp_server.wait_for(1, timeout=30)
        cache_info = redis.Redis(port=cache_port).info()
        assert cache_info["evicted_keys"] > 0  # the flood did fill the cache
        assert redis.Redis(port=broker_port).info()["used_memory"] < 8 * 1024 * 1024
    finally:
        app.conf.broker_url = saved_broker
        app._pool = None
        app.amqp._producer_pool = None
        pagecache.forget_local()


def test_check_deploy_warns_when_the_cache_shares_the_brokers_server():
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
           "DATABASE_URL": "postgres://u@127.0.0.1/x", "SECRET_KEY": "x" * 60,
           "ALLOWED_HOSTS": "petition.example.org", "MAILER": "smtp",
           "REDIS_URL": "redis://redis:6379/0"}
    shared = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=60)
    assert "petition.W004" in shared.stdout + shared.stderr
    apart = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT,
                           env={**env, "CACHE_REDIS_URL": "redis://redis-cache:6379/0"},
                           capture_output=True, text=True, timeout=60)
    assert "petition.W004" not in apart.stdout + apart.stderr
