"""A signer and a moderator on `make run`'s embedded default, in one process.

Run by tests/test_it_runs_on_the_embedded_default.py with no DATABASE_URL's server:
SQLite, Celery eager, emails printed by the console mailer. The rest of the suite runs
on PostgreSQL, where the outbox and the desk take their one-statement paths; this walks
the paths SQLite takes. It prints one JSON line: what a person would have seen.
"""

import contextlib
import io
import json
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "petition.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

SLUG = "vsa-jo-2024"


GAELLE = {"civility": "F", "first_name": "Gaëlle", "last_name": "Le Bihan",
          "email": "g.lebihan@mairie-quimper.fr", "locality": "Quimper"}
MARC = {"civility": "M", "first_name": "Marc", "last_name": "Essai",
        "email": "m.essai@mairie-brest.fr", "locality": "Brest"}


def subjects(printed):
    """The subjects of the emails printed in this stretch of the terminal."""
    return re.findall(r"^Subject: (.*)$", printed, re.M)


def confirm_links(printed):
    return re.findall(rf"{re.escape(settings.SITE_URL)}(/confirm/[^\s/]+/)", printed)


def sign(client, signer, party):
    """The form as a mayor of the Finistère fills it in."""
    return client.post(f"/p/{SLUG}/sign/", {
        **signer, "mandate": "mayor", "departement": "29", "party": str(party.pk),
        "consent": "on"})


def main(terminal):
    seen = {"vendor": django.db.connection.vendor}
    call_command("migrate", verbosity=0)
    call_command("load_petition", stdout=io.StringIO())
    from django.contrib.auth.models import User

    from signatures.models import Party, Signature
    from signatures.roles import ensure_moderators_group

    signer = Client()
    party = Party.objects.filter(refused=False, requires_detail=False).first()
    seen["sign_status"] = sign(signer, GAELLE, party).status_code
    links = confirm_links(terminal.getvalue())
    seen["confirm_links_printed"] = len(links)
    if links:
        seen["confirm_page"] = signer.get(links[0]).status_code
        seen["confirm_post"] = signer.post(links[0]).status_code
    signature = Signature.objects.get(email=GAELLE["email"])
    seen["state_after_confirming"] = signature.state

    moderator = User.objects.create_user("mod@campagne.fr", "mod@campagne.fr", "pw-long-1",
                                         is_staff=True)
    moderator.groups.add(ensure_moderators_group())
    desk = Client()
    desk.force_login(moderator)
    page = desk.get(f"/{settings.ADMIN_PATH}/desk/")
    seen["desk_status"] = page.status_code
    seen["desk_shows_the_signer"] = "Le Bihan" in page.content.decode()
    # The decision form's hidden fields, as the browser would post them with « Approve ».
    form = re.search(r'<form[^>]*id="desk-decisions".*?</form>', page.content.decode(), re.S)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"',
                             form.group(0))) if form else {}
    seen["desk_can_approve"] = bool(form) and not re.search(
        r'value="approve"[^>]*disabled', form.group(0))
    before = len(terminal.getvalue())
    decided = desk.post(f"/{settings.ADMIN_PATH}/desk/{signature.pk}/decide/",
                        {**fields, "action": "approve"})
    seen["decide_status"] = decided.status_code
    seen["emails_printed_on_approval"] = subjects(terminal.getvalue()[before:])
    signature.refresh_from_db()
    seen["state_after_the_desk"] = signature.state

    # A second signer, rejected with a reason through the staff site's bulk action.
    before = len(terminal.getvalue())
    sign(Client(), MARC, party)
    Client().post(confirm_links(terminal.getvalue()[before:])[0])
    second = Signature.objects.get(email=MARC["email"])
    from signatures.models import RejectionReason

    before = len(terminal.getvalue())
    rejected = desk.post(f"/{settings.ADMIN_PATH}/signatures/signature/", {
        "action": "reject", "apply": "1", "_selected_action": [second.pk],
        "reason": RejectionReason.objects.filter(is_active=True).first().pk})
    seen["bulk_reject_status"] = rejected.status_code
    second.refresh_from_db()
    seen["state_after_the_bulk_action"] = second.state
    seen["emails_printed_on_rejection"] = subjects(terminal.getvalue()[before:])
    # The first signer signs again: one « already signed » notice, nothing else saved.
    before = len(terminal.getvalue())
    seen["sign_again_status"] = sign(Client(), GAELLE, party).status_code
    seen["emails_printed_on_signing_again"] = subjects(terminal.getvalue()[before:])
    seen["signatures_of_the_first_address"] = Signature.objects.filter(
        email=GAELLE["email"]).count()

    public = Client()
    listing = public.get(f"/p/{SLUG}/signatories/?q=Bihan")
    seen["list_status"] = listing.status_code
    seen["listed"] = "Le Bihan" in listing.content.decode()
    csv = public.get(f"/p/{SLUG}/signataires.csv")
    seen["csv_status"] = csv.status_code
    seen["csv_lists_the_signer"] = "Le Bihan" in b"".join(csv.streaming_content).decode()
    seen["count"] = public.get(f"/p/{SLUG}/count.json").json()
    return seen


if __name__ == "__main__":
    # What `make run` prints in the terminal, the emails among it; the mailer keeps the
    # stream it was opened on, so it is redirected once, for the whole walk.
    terminal = io.StringIO()
    with contextlib.redirect_stdout(terminal):
        seen = main(terminal)
    print(json.dumps(seen))
