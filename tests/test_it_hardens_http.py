import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_security_headers_on_every_page(client, petition):
    response = client.get("/p/vsa-jo-2024/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


def test_a_forged_host_header_is_refused(client, petition):
    assert client.get("/p/vsa-jo-2024/", HTTP_HOST="evil.example").status_code == 400


def test_an_oversized_body_is_refused(client, petition, signature_data):
    response = client.post("/p/vsa-jo-2024/sign/",
                           {**signature_data, "comment": "x" * 300_000})
    assert response.status_code == 400


def test_check_deploy_is_clean_with_the_production_environment():
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
           "DATABASE_URL": "postgres://u@127.0.0.1/x", "REDIS_URL": "redis://127.0.0.1:6379/0",
           "CACHE_REDIS_URL": "redis://127.0.0.1:6380/0",
           "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijkl",
           "ALLOWED_HOSTS": "petition.example.org", "MAILER": "smtp",
           "SITE_URL": "https://petition.example.org", "SECURE_HSTS_PRELOAD": "true"}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy",
                             "--fail-level", "WARNING"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
