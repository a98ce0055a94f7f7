"""A moderator records a signature the campaign received by email, by letter or as a
council resolution: the signing form's checks, the same life, its evidence, its trail."""

import tracemalloc
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from signatures import places
from signatures.intake.models import Evidence
from signatures.models import ModerationDecision, Signature
from verification.models import EmailChallenge

from .conftest import link_in, wait_until

RECORD = "/admin/signatures/signature/record/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    settings.SIGNATURE_EVIDENCE_ROOT = tmp_path / "evidence"
    return settings.SIGNATURE_EVIDENCE_ROOT


@pytest.fixture
def emailed(parties):
    """What a moderator types from an email an elected official sent to the campaign."""
    return {
        "civility": "F", "first_name": "Claire", "last_name": "Le Bihan",
        "email": "c.lebihan@mairie-quimper.fr", "mandate": "mayor", "locality": "Quimper",
        "departement": "29", "party": str(parties["PS"].pk), "comment": "", "consent": "on",
        "source": "email", "language": "fr", "sender": "C.LeBihan@mairie-quimper.fr",
        "received_at": "Tue, 1 Dec 2026 10:02:00 +0100",
        "message_id": "<CAF-1234.5678@mairie-quimper.fr>",
        "note": "Reçu sur l'adresse de la campagne.",
    }


@pytest.fixture
def confirmer(moderator):
    """A moderator who also holds record_confirmed_signature."""
    moderator.user_permissions.add(Permission.objects.get(codename="record_confirmed_signature"))
    return User.objects.get(pk=moderator.pk)  # a fresh permission cache


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def page(response):
    return response.content.decode().replace("\u00a0", " ")


@pytest.mark.worker
def test_an_emailed_signature_gets_its_challenge_and_the_signer_confirms_it(
        petition, parties, moderator, emailed, smtp_server, celery_worker_on_redis):
    response = logged_in(moderator).post(RECORD, emailed)
    signature = Signature.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/signatures/signature/{signature.pk}/change/"
    assert signature.source == Signature.Source.EMAIL
    assert signature.state == Signature.State.PENDING_EMAIL
    assert signature.title == "maire de Quimper (29)"
    evidence = signature.evidence
    assert (evidence.sender, evidence.message_id, evidence.entered_by) == (
        "c.lebihan@mairie-quimper.fr", "<CAF-1234.5678@mairie-quimper.fr>", moderator)
    assert evidence.received_at == datetime(2026, 12, 1, 9, 2, tzinfo=UTC)  # +0100 kept
    entry = signature.decisions.get()
    assert (entry.transition, entry.actor) == ("record", moderator)
    assert "Message-ID <CAF-1234.5678@mairie-quimper.fr>" in entry.note

    # The usual challenge, by the worker, through SMTP, to the given address.
    message = smtp_server.wait_for(1, timeout=30)
    assert message["To"] == "c.lebihan@mairie-quimper.fr"
    assert message["Subject"].startswith("Confirmez votre signature")
    wait_until(lambda: EmailChallenge.objects.get().state == "sent", message="sent state")
    signer = Client()
    path = "/" + link_in(message).split("://", 1)[1].split("/", 1)[1]
    signer.post(path)
    signature.refresh_from_db()
    assert signature.state == Signature.State.EMAIL_CONFIRMED
    assert [d.transition for d in signature.decisions.all()] == ["record", "confirm_email"]


def test_a_permitted_moderator_marks_it_confirmed_and_it_goes_straight_to_review(
        petition, parties, confirmer, emailed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(confirmer).post(RECORD, {**emailed, "mark_confirmed": "on"})
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert signature.state == Signature.State.EMAIL_CONFIRMED
    assert signature.email_confirmed_at is not None
    recorded, confirmed = signature.decisions.all()
    assert (recorded.transition, confirmed.transition) == ("record", "confirm_email")
    assert confirmed.actor == confirmer
    assert "sans la demande de confirmation" in confirmed.note
    assert "c.lebihan@mairie-quimper.fr" in confirmed.note
    assert "<CAF-1234.5678@mairie-quimper.fr>" in confirmed.note
    # No challenge for an address the campaign already holds an email from.
    assert not EmailChallenge.objects.filter(kind="confirm").exists()
    # It waits in the review queue like any confirmed signature.
    queue = logged_in(confirmer).get("/admin/signatures/signature/")
    assert "Le Bihan" in page(queue)


def test_without_the_permission_the_option_is_refused_on_the_server(
        petition, parties, moderator, emailed):
    client = logged_in(moderator)
    form = page(client.get(RECORD))
    assert 'type="hidden" name="mark_confirmed"' in form  # not offered
    response = client.post(RECORD, {**emailed, "mark_confirmed": "on"})  # forged anyway
    assert response.status_code == 200
    assert "Vous ne pouvez pas marquer une signature confirmée" in page(response)
    assert not Signature.objects.exists()
    assert not Evidence.objects.exists()


def test_the_confirmation_needs_an_email_from_the_signers_own_address(
        petition, parties, confirmer, emailed):
    response = logged_in(confirmer).post(RECORD, {
        **emailed, "mark_confirmed": "on", "sender": "someone@gmail.com", "message_id": ""})
    assert response.status_code == 200
    assert "envoyé d’une autre adresse que celle du signataire" in page(response)
    assert "Nécessaire pour marquer la signature confirmée." in page(response)
    assert not Signature.objects.exists()


def test_staff_without_moderation_cannot_record(petition, parties, emailed):
    clerk = User.objects.create_user("clerk@campagne.fr", "clerk@campagne.fr", "pw-long-enough-3",
                                     is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_signature"))
    client = logged_in(clerk)
    assert client.get(RECORD).status_code == 403
    assert client.post(RECORD, emailed).status_code == 403
    assert not Signature.objects.exists()
    assert "Enregistrer une signature" not in page(client.get("/admin/signatures/signature/"))


def test_the_signing_forms_checks_apply(petition, parties, moderator, emailed):
    client = logged_in(moderator)
    response = client.post(RECORD, {**emailed, "first_name": "<script>alert(1)</script>",
                                    "locality": "Quimperlédouze"})
    text = page(response)
    assert response.status_code == 200
    assert "Utilisez uniquement des lettres" in text
    assert "Nous n’avons pas trouvé « Quimperlédouze »" in text
    assert "<script>alert(1)</script>" not in text
    other = client.post(RECORD, {**emailed, "party": str(parties["Autre"].pk)})
    assert "Indiquez le nom de votre parti." in page(other)
    assert not Signature.objects.exists()


def test_a_refused_party_is_recorded_flagged_as_from_the_form(
        petition, parties, moderator, emailed):
    logged_in(moderator).post(RECORD, {**emailed, "party": str(parties["RN"].pk)})
    assert Signature.objects.get().refused_party_flag


def test_an_address_that_already_signed_is_told_to_the_moderator(
        petition, parties, moderator, emailed, client, signature_data):
    client.post("/p/vsa-jo-2024/sign/", {**signature_data, "email": emailed["email"]})
    existing = Signature.objects.get()
    response = logged_in(moderator).post(RECORD, emailed)
    assert f"Cette adresse a déjà signé cette pétition (signature n° {existing.pk})" \
        in page(response)
    assert Signature.objects.count() == 1
    assert EmailChallenge.objects.count() == 1  # the signer gets no second email


def test_a_hostile_note_is_kept_as_typed_and_shown_escaped(
        petition, parties, moderator, emailed):
    client = logged_in(moderator)
    client.post(RECORD, {**emailed, "note": "<script>alert('note')</script>"})
    signature = Signature.objects.get()
    assert signature.evidence.note == "<script>alert('note')</script>"
    change = page(client.get(f"/admin/signatures/signature/{signature.pk}/change/"))
    assert "&lt;script&gt;alert(&#x27;note&#x27;)&lt;/script&gt;" in change
    assert "<script>alert('note')" not in change


@pytest.mark.parametrize("field,value,message", [
    ("note", "ok\u202eevil", "La note contient des caractères invisibles ou de contrôle."),
    ("message_id", "<abc@x>\r\nBcc: victim@example.org",
     "Un Message-ID s’écrit <quelque-chose@quelque-part>, sans espaces."),
    ("received_at", "hier soir", "Écrivez la date comme dans l’en-tête Date"),
    ("sender", "a@b.fr\nBcc: c@d.fr", "Saisissez une adresse de courriel valide."),
    ("last_name", "x" * 10_000, "au plus 100 caractères"),
])
def test_hostile_evidence_gets_a_message_next_to_the_field_and_nothing_is_saved(
        petition, parties, moderator, emailed, field, value, message):
    response = logged_in(moderator).post(RECORD, {**emailed, field: value})
    assert response.status_code == 200
    assert message in page(response).replace("&#x27;", "’").replace("&lt;", "<").replace(
        "&gt;", ">")
    assert not Signature.objects.exists() and not Evidence.objects.exists()


def test_an_evidence_file_is_kept_privately_and_served_to_moderators_only(
        petition, parties, moderator, emailed, evidence_root, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = logged_in(moderator)
    upload = SimpleUploadedFile("mail.txt", PDF, content_type="text/plain")
    client.post(RECORD, {**emailed, "file": upload})
    evidence = Signature.objects.get().evidence
    assert evidence.file_type == "application/pdf"  # by its content, not its name
    stored = evidence_root / evidence.file.name
    assert stored.read_bytes() == PDF
    assert "mail" not in evidence.file.name  # never the uploaded name
    assert not str(stored).startswith(str(settings.STATIC_ROOT))
    url = f"/admin/signatures/signature/{evidence.signature_id}/evidence/"
    change = page(client.get(f"/admin/signatures/signature/{evidence.signature_id}/change/"))
    assert url in change
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert Client().get(url).status_code == 302  # to the login
    clerk = User.objects.create_user("clerk@campagne.fr", "clerk@campagne.fr",
                                     "pw-long-enough-3", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_signature"))
    assert logged_in(clerk).get(url).status_code == 403


@pytest.mark.parametrize("name,content", [
    ("scan.pdf", b"<html><script>alert(1)</script></html>"),
    ("photo.jpg", b"MZ\x90\x00\x03 a Windows program"),
    ("image.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>'),
])
def test_an_evidence_file_that_is_not_a_pdf_or_an_image_is_refused_by_its_content(
        petition, parties, moderator, emailed, evidence_root, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = logged_in(moderator).post(RECORD, {
        **emailed, "file": SimpleUploadedFile(name, content, content_type="application/pdf")})
    assert "Ce fichier n’est ni un PDF ni une image" in page(response)
    assert not Signature.objects.exists()
    assert not evidence_root.exists() or not any(evidence_root.rglob("*.*"))


class GeneratedBody:
    """A request body made as it is read, as a socket delivers it: the test holds no copy."""

    def __init__(self, head: bytes, size: int, tail: bytes):
        self.pieces = iter([head, *([b"0" * 65536] * (size // 65536)), tail])
        self.length = len(head) + size // 65536 * 65536 + len(tail)
        self.buffer = b""

    def read(self, size=-1):
        while size < 0 or len(self.buffer) < size:
            piece = next(self.pieces, None)
            if piece is None:
                break
            self.buffer += piece
        size = len(self.buffer) if size < 0 else size
        taken, self.buffer = self.buffer[:size], self.buffer[size:]
        return taken

    def readline(self, size=-1):
        return self.read(size)


def test_a_50_mb_file_is_refused_as_it_arrives_without_being_held_in_memory(
        petition, parties, moderator, emailed, evidence_root):
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    boundary = "----intake-test-boundary"
    csrf = "a" * 32
    fields = {**emailed, "csrfmiddlewaretoken": csrf}
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        f"{value}\r\n".encode() for name, value in fields.items())
    head += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
             f'filename="huge.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n'
             ).encode()
    body = GeneratedBody(head, 50 * 1024 * 1024, f"\r\n--{boundary}--\r\n".encode())
    session = logged_in(moderator).cookies["sessionid"].value
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": RECORD, "SERVER_NAME": "localhost",
        "SERVER_PORT": "80", "wsgi.url_scheme": "http", "wsgi.input": body,
        "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
        "CONTENT_LENGTH": str(body.length),
        "HTTP_COOKIE": f"sessionid={session}; csrftoken={csrf}",
    }
    status = []
    places.indexes()  # the reference data of localities, loaded once per process
    # As Django's test client does: the test's transaction keeps its connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    tracemalloc.start()
    try:
        response = WSGIHandler()(environ, lambda code, headers: status.append(code))
        _current, peak = tracemalloc.get_traced_memory()
        text = b"".join(response).decode().replace("\u00a0", " ")
        response.close()
    finally:
        tracemalloc.stop()
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert status == ["200 OK"]
    assert "Ce fichier dépasse 10 Mo" in text
    assert "Le Bihan" in text  # the other fields came through, kept in the form
    assert peak < 8 * 1024 * 1024, f"{peak / 1e6:.0f} MB held while refusing a 50 MB file"
    assert not Signature.objects.exists()


def test_the_source_is_never_public_and_the_signature_counts_like_any_other(
        petition, parties, confirmer, emailed, django_capture_on_commit_callbacks):
    client = logged_in(confirmer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RECORD, {**emailed, "mark_confirmed": "on"})
        Signature.objects.get().approve(confirmer)
    public = Client()
    listing = page(public.get("/p/vsa-jo-2024/signatories/"))
    exported_csv = b"".join(public.get("/p/vsa-jo-2024/signataires.csv").streaming_content)
    exported_json = b"".join(public.get("/p/vsa-jo-2024/signataires.json").streaming_content)
    count = public.get("/p/vsa-jo-2024/count.json").json()
    assert "Le Bihan" in listing
    assert b"Le Bihan" in exported_csv and b"Le Bihan" in exported_json
    assert count["total"] == 1
    for shown in (listing, exported_csv.decode(), exported_json.decode()):
        for word in ("e-mail à la campagne", "email to the campaign", "source", "CAF-1234",
                     "mairie-quimper.fr", "Reçu sur"):
            assert word not in shown


def test_erasing_the_signers_data_erases_the_evidence_too(
        petition, parties, moderator, emailed, evidence_root, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    logged_in(moderator).post(RECORD, {**emailed, "file": SimpleUploadedFile("a.pdf", PDF)})
    signature = Signature.objects.get()
    stored = evidence_root / signature.evidence.file.name
    with django_capture_on_commit_callbacks(execute=True):
        Signature.objects.filter(pk=signature.pk).erase_personal_data()
    evidence = Evidence.objects.get()
    assert (evidence.sender, evidence.message_id, evidence.note, evidence.file.name) == (
        "", "", "", "")
    assert not stored.exists()
    assert ModerationDecision.objects.get(transition="record").note == ""
