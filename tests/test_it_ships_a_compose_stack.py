"""No Docker engine runs here: Debian's docker-compose validates the file itself."""

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
    assert set(config["services"]) == {"postgres", "redis", "web", "worker", "beat", "mailpit"}


def test_app_services_share_one_definition_and_wait_for_healthy_services(tmp_path):
    services = _config(tmp_path)["services"]
    for name in ("web", "worker", "beat"):
        assert services[name]["image"] == "petition-elus"
        assert services[name]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }
    def command(name):
        value = services[name]["command"]
        return value if isinstance(value, str) else " ".join(value)

    assert "migrate" in command("web") and "gunicorn" in command("web")
    assert "celery -A petition worker" in command("worker")
    assert "celery -A petition beat" in command("beat")
    for name in ("postgres", "redis", "mailpit", "web"):
        assert services[name]["healthcheck"]["test"]
