"""`make run`'s embedded default (SQLite, eager Celery, emails printed) signs, confirms,
moderates (the desk, the staff site's bulk action) and publishes, end to end.

The rest of the suite runs on PostgreSQL, where the outbox's claim and record and the
desk's lease are single statements SQLite cannot run (FOR UPDATE, writes inside WITH).
Those paths once left `make run` printing no confirmation email at all.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def printed(seen, moment):
    """The emails printed at that moment of the walk, by their subject's first part."""
    return [subject.split(" : ")[0] for subject in seen[moment]]


def test_a_signer_and_a_moderator_go_all_the_way_on_sqlite(tmp_path):
    # As `make run` (Makefile: RUN_ENV), except that the database is a file of the
    # test's own, and so the cache is the process's memory instead of var/cache/
    # (settings: a DATABASE_URL turns the embedded default's file cache off).
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "DEBUG": "true",
           "MAILER": "console", "ALLOWED_HOSTS": "testserver",
           "SITE_URL": "http://127.0.0.1:8000",
           # Every kind of email the walk can cause, printed: the rejection notice is
           # a campaign's choice (off by default), and signing again a minute later
           # would otherwise fall inside the cooldown and send nothing.
           "NOTIFY_SIGNER_ON_REJECTION": "true", "RESEND_COOLDOWN_SECONDS": "0"}
    result = subprocess.run([sys.executable, str(ROOT / "tests" / "embedded_walkthrough.py")],
                            env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "No hostname was supplied" not in result.stderr  # terminal noise, at every start
    assert seen["vendor"] == "sqlite"
    assert seen["sign_status"] == 302
    assert seen["confirm_links_printed"] == 1, seen  # the email is in the terminal
    assert (seen["confirm_page"], seen["confirm_post"]) == (200, 302)
    assert seen["state_after_confirming"] == "email_confirmed"
    assert seen["desk_status"] == 200 and seen["desk_shows_the_signer"], seen
    assert seen["desk_can_approve"] and seen["decide_status"] == 302, seen
    assert seen["state_after_the_desk"] == "approved"
    assert printed(seen, "emails_printed_on_approval") == ["Votre signature est publiée"], seen
    assert seen["bulk_reject_status"] == 302, seen
    assert seen["state_after_the_bulk_action"] == "rejected"
    assert printed(seen, "emails_printed_on_rejection") == ["À propos de votre signature"], seen
    assert seen["sign_again_status"] == 302
    assert printed(seen, "emails_printed_on_signing_again") == ["Vous avez déjà signé"], seen
    assert seen["signatures_of_the_first_address"] == 1
    assert seen["listed"] and seen["csv_lists_the_signer"], seen
    assert seen["count"]["total"] == 1, seen
