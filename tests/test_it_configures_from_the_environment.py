"""Settings come from the environment, with a safe embedded default."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRINT = (
    "import django; from django.conf import settings as s; django.setup(); "
    "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, "
    "s.MAILERS['default']['BACKEND'], s.CACHES['default']['BACKEND'])"
)


def run(env, code=PRINT):
    clean = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "petition.settings",
             "HOME": os.environ.get("HOME", "/tmp"), **env}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean,
                          capture_output=True, text=True, timeout=60)


def test_no_environment_means_the_embedded_default():
    result = run({})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True", "django.db.backends.sqlite3", "True",
        "petition.console_mail.EmailBackend",
        "django.core.cache.backends.filebased.FileBasedCache",
    ]


def test_a_configured_deployment_needs_a_secret_key():
    result = run({"DATABASE_URL": "postgres://u@127.0.0.1/x"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_configured_deployment_runs_without_debug_on_its_services():
    result = run({
        "DATABASE_URL": "postgres://u@127.0.0.1/x", "SECRET_KEY": "k" * 50,
        "REDIS_URL": "redis://127.0.0.1:6379/0", "MAILER": "brevo",
        "ANYMAIL_BREVO_API_KEY": "xkeysib-test",
    })
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False", "django.db.backends.postgresql", "False",
        "anymail.backends.brevo.EmailBackend",
        "petition.cache_backend.GuardedRedisCache",
    ]
    tracking = run({
        "DATABASE_URL": "postgres://u@127.0.0.1/x", "SECRET_KEY": "k" * 50, "MAILER": "brevo",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "ANYMAIL_BREVO_API_KEY": "xkeysib-test",
    }, "import django; from django.conf import settings as s; django.setup(); print(s.ANYMAIL)")
    assert "'track_opens': False" in tracking.stdout
    assert "'BREVO_API_KEY': 'xkeysib-test'" in tracking.stdout


def test_every_variable_read_is_documented():
    import re

    names = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', (ROOT / "petition/settings.py")
                           .read_text()))
    names |= {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS"}
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    missing = {name for name in names if name not in readme or name not in example}
    assert not missing, f"Undocumented variables: {sorted(missing)}"
