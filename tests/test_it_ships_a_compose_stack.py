"""No Docker engine runs here: Debian's docker-compose validates the file itself."""

import re
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _config(tmp_path):
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    result = subprocess.run(
        ["docker-compose", "-f", str(tmp_path / "docker-compose.yml"), "config"],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_the_compose_file_is_valid_and_has_every_service(tmp_path):
    config = _config(tmp_path)
    assert set(config["services"]) == {
        "postgres", "redis", "redis-cache", "migrate", "web", "worker", "beat", "mailpit"}
    # The development SMTP sink only comes with `--profile dev`.
    assert config["services"]["mailpit"]["profiles"] == ["dev"]
    assert [name for name, service in config["services"].items()
            if "profiles" in service] == ["mailpit"]
    assert set(config["volumes"]) == {"postgres-data", "redis-data", "beat-schedule",
                                      "evidence", "dossiers"}
    # Evidence files of signatures received outside the form outlive the container.
    mounts = [mount if isinstance(mount, str) else f"{mount['source']}:{mount['target']}"
              for mount in config["services"]["web"]["volumes"]]
    assert any(mount.startswith("evidence:/var/lib/petition/evidence") for mount in mounts)
    # The worker writes the delivery dossiers that the web serves: one volume for both.
    for name in ("web", "worker"):
        mounts = [mount if isinstance(mount, str) else f"{mount['source']}:{mount['target']}"
                  for mount in config["services"][name]["volumes"]]
        assert any(mount.startswith("dossiers:/var/lib/petition/dossiers") for mount in mounts)
        assert config["services"][name]["environment"]["DELIVERY_DOSSIER_ROOT"] == (
            "/var/lib/petition/dossiers")


def command(services, name):
    value = services[name]["command"]
    return value if isinstance(value, str) else " ".join(value)


def test_app_services_share_one_definition_and_wait_for_healthy_services(tmp_path):
    services = _config(tmp_path)["services"]
    text = (ROOT / "docker-compose.yml").read_text()
    assert text.count("x-app: &app") == 1
    for name in ("migrate", "web", "worker", "beat"):
        assert services[name]["image"] == "petition-elus"
        assert re.search(rf"^  {name}:\n    <<: \*app$", text, re.M), name
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "redis-cache": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }
    assert "gunicorn" in command(services, "web")
    assert "celery -A petition worker" in command(services, "worker")
    assert "--queues email,default" in command(services, "worker")
    assert "celery -A petition beat" in command(services, "beat")
    for name in ("postgres", "redis", "redis-cache", "mailpit", "web"):
        assert services[name]["healthcheck"]["test"]


def test_the_cache_evicts_and_the_broker_never_does(tmp_path):
    """README, "Redis: cache and broker": a flood of page views must not stop email."""
    services = _config(tmp_path)["services"]
    assert "--maxmemory-policy noeviction" in command(services, "redis")
    cache = command(services, "redis-cache")
    assert "--maxmemory-policy allkeys-lru" in cache and "--maxmemory 256mb" in cache
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        assert environment["CACHE_REDIS_URL"] == "redis://redis-cache:6379/0"


def test_migrations_run_once_before_the_app_starts(tmp_path):
    services = _config(tmp_path)["services"]
    assert command(services, "migrate") == "python manage.py migrate --no-input"
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    for name in ("web", "worker", "beat"):
        assert "migrate" not in command(services, name)


def test_the_image_is_built_in_stages_and_runs_without_privileges():
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", dockerfile, flags=re.M)[1:]
    assert len(stages) >= 2
    build, runtime = stages[0], stages[-1]
    assert "compilemessages" in build and "collectstatic" in build
    assert "gettext" not in runtime and "pip install" not in runtime
    users = re.findall(r"^USER (\S+)$", runtime, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r'^CMD \["gunicorn"\]$', runtime, re.M)  # gunicorn.conf.py does the rest
