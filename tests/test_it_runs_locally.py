"""`make run`: a port of one's choosing, and emails that can be read and copied in the terminal."""

import io
import subprocess
from pathlib import Path

from petition.console_mail import EmailBackend
from verification.models import EmailChallenge
from verification.outbox.emails import build_message

ROOT = Path(__file__).resolve().parent.parent


def test_make_run_takes_a_port_and_the_links_follow():
    plan = subprocess.run(["make", "-n", "run", "PORT=8001"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout
    assert "SITE_URL=http://127.0.0.1:8001 .venv/bin/python manage.py runserver 127.0.0.1:8001" \
        in plan
    plan = subprocess.run(["make", "-n", "run", "HOST=0.0.0.0", "PORT=9000"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout
    assert "runserver 0.0.0.0:9000" in plan and "SITE_URL=http://0.0.0.0:9000" in plan


def test_the_terminal_shows_emails_decoded_with_whole_links(confirm_token, settings):
    settings.SITE_URL = "http://127.0.0.1:8001"
    challenge = EmailChallenge.objects.get(signature__last_name="Kerjean")
    message = build_message(challenge, confirm_token)
    # What Django's own console backend prints: encoded, a link cut by a soft break.
    assert "=?utf-8?" in message.message().as_string() or "=\n" in (
        message.message().as_string())
    terminal = io.StringIO()
    EmailBackend(stream=terminal).send_messages([message])
    printed = terminal.getvalue()
    assert f"Subject: {message.subject}\n" in printed
    assert "é" in message.subject and "=?utf-8?" not in printed
    assert f"http://127.0.0.1:8001/confirm/{confirm_token}/" in printed.splitlines() or any(
        f"http://127.0.0.1:8001/confirm/{confirm_token}/" in line for line in printed.splitlines())
    assert "=\n" not in printed and "=3D" not in printed


def test_make_demo_can_run_twice_and_the_counts_follow(petition, parties, settings):
    from django.core.management import call_command

    from signatures.figures import approved_count
    from signatures.models import Signature

    settings.DEBUG = True
    out = io.StringIO()
    call_command("demo_data", count=7, stdout=out)
    assert approved_count(petition) == 7
    call_command("demo_data", count=4, stdout=out)
    assert Signature.objects.filter(petition=petition).count() == 4
    assert approved_count(petition) == 4  # recounted, not left at 7 (or 11)
    assert "replacing the 7 of an earlier run" in out.getvalue()


def test_load_petition_says_what_already_present_means(petition):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("load_petition", stdout=out)
    assert "loaded by the migrations" in out.getvalue()


def test_demo_signatories_are_plausible(petition, parties, settings):
    from django.core.management import call_command

    from signatures.management.commands.demo_data import FEMININE, MASCULINE
    from signatures.models import Signature

    settings.DEBUG = True
    call_command("demo_data", count=120, stdout=open("/dev/null", "w"))
    rows = list(Signature.objects.approved())
    assert len(rows) == 120
    for row in rows:
        assert not (row.civility == "F" and row.first_name in MASCULINE), row.full_name
        assert not (row.civility == "M" and row.first_name in FEMININE), row.full_name
        if row.mandate in ("mayor", "municipal_councillor", "deputy_mayor"):
            assert row.locality_code and len(row.locality_code) == 5, row.title
        assert row.departement not in ("984", "989")


def test_make_demo_sets_up_the_local_database_first():
    # On a fresh checkout, `make demo` before any `make run` found no tables (a traceback).
    plan = subprocess.run(["make", "-n", "demo"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.splitlines()
    steps = [next(n for n, line in enumerate(plan) if f"manage.py {command}" in line)
             for command in ("migrate", "load_petition", "demo_data", "demo_register")]
    assert steps == sorted(steps)
