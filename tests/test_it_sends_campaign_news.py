"""Campaign news: the separate consent at signing, the moderator's update, its paced send
through the outbox, one-click unsubscription, and the links' refusals."""

import base64
import json
import re
import time

import pytest
from django.core import signing
from django.test import Client, override_settings
from django.utils import timezone

from petition.models import Update
from signatures.forms import NEWS_CONSENT_VERSION
from signatures.models import Signature
from verification import queue
from verification.models import EmailChallenge
from verification.news import sending
from verification.outbox import delivery
from verification.outbox.webhooks import apply_tracking_event

from .conftest import html_part, make_moderator, text_part, wait_until

SIGN = "/p/vsa-jo-2024/sign/"


def approved_signers(petition, party, count, consented, start=0, state="approved"):
    """Signatures straight into the table (bulk_create bypasses save()): the first
    `consented` of them asked for news."""
    now = timezone.now()
    rows = []
    for n in range(start, start + count):
        address = f"elu{n}@mairie-{n}.fr"
        rows.append(Signature(
            petition=petition, state=state, civility="F", first_name="Anne", last_name=f"Nom{n}",
            name_key=f"nom{n} anne", search_key=f"anne nom{n}", email=address,
            email_normalised=address, email_domain=f"mairie-{n}.fr",
            mandate="mayor" if n % 2 else "municipal_councillor", locality="Rennes",
            departement="35" if n % 3 else "29", party=party, consented_at=now,
            approved_at=now if state == "approved" else None,
            language="en" if n % 10 == 0 else "fr",
            **({"news_consent_at": now, "news_consent_version": NEWS_CONSENT_VERSION,
                "news_changed_at": now} if n - start < consented else {})))
    return Signature.objects.bulk_create(rows)


def an_update(petition, body="Le **Conseil d'État** a été saisi."):
    return Update.objects.create(petition=petition, title_fr="Nous avons déposé un recours",
                                 body_fr=body, title_en="We went to court",
                                 body_en="The **Conseil d'État** has been asked.")


def path_of(url):
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def unsubscribe_link(message):
    match = re.fullmatch(r"<(https?://[^>]+)>", message["List-Unsubscribe"])
    assert match, message["List-Unsubscribe"]
    return path_of(match.group(1))


# --- at signing -------------------------------------------------------------------------

def test_the_news_box_is_separate_and_unticked(client, petition, signature_data):
    page = client.get(SIGN).content.decode()
    box = re.search(r'<input[^>]*name="news"[^>]*>', page).group(0)
    assert 'type="checkbox"' in box and "checked" not in box
    # The box, then its sentence (no colon: it is not a field to fill), then what it means.
    assert re.search(r'name="news"[^>]*> <label for="id_news">Recevoir les nouvelles de cette '
                     r'campagne</label><div class="helptext" id="id_news_helptext">', page)
    assert 'aria-describedby="id_news_helptext"' in box

    client.post(SIGN, signature_data)
    client.post(SIGN, {**signature_data, "email": "b@mairie-exemple.fr", "news": "on"})
    without, with_news = Signature.objects.order_by("pk")
    assert without.news_consent_at is None and without.news_consent_version == ""
    assert with_news.news_consent_at is not None
    assert with_news.news_consent_version == NEWS_CONSENT_VERSION
    assert with_news.consented_at is not None  # the display consent is another box


# --- the required end-to-end run ------------------------------------------------------

@pytest.mark.worker
def test_an_update_reaches_exactly_the_signers_who_asked_and_yields_to_confirmations(
        petition, parties, signature_data, smtp_server, celery_worker_on_redis, settings):
    settings.NEWS_EMAILS_PER_MINUTE = 1200  # 20 a second: the send lasts about six seconds
    consenting = approved_signers(petition, parties["PS"], 300, consented=120)
    # Asked for news but not approved: nothing for them.
    approved_signers(petition, parties["PS"], 10, consented=10, start=1000,
                     state="email_confirmed")
    expected = {s.email for s in consenting[:120]}
    update = an_update(petition)

    assert queue.send_update(update) == 120
    smtp_server.wait_for(20, timeout=30)
    # Confirmations asked for while the send is under way go out first.
    client, marks = Client(), []
    for n in range(3):
        response = client.post(SIGN, {**signature_data, "email": f"maire{n}@mairie-exemple.fr"})
        assert response.status_code == 302
        marks.append(len(smtp_server.messages))  # the challenge is committed and published
    smtp_server.wait_for(123, timeout=60)

    messages = list(smtp_server.messages)
    news = [m for m in messages if m["List-Unsubscribe"]]
    assert sorted(m["To"] for m in news) == sorted(expected)  # each of the 120, once
    for n, mark in enumerate(marks):
        position = next(i for i, m in enumerate(messages)
                        if m["To"] == f"maire{n}@mairie-exemple.fr")
        # At most the one news email already on its way when the challenge was committed.
        news_before = [m for m in messages[mark:position] if m["List-Unsubscribe"]]
        assert len(news_before) <= 1, "news went out while a confirmation waited"
    assert marks[0] < 120, "the confirmations were not asked for during the send"

    message = news[0]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Conseil d'État" in html_part(message) and "<strong>" in html_part(message)
    wait_until(lambda: update.emails.filter(state="sent").count() == 120, message="rows sent")

    # RFC 8058: the mail program POSTs "List-Unsubscribe=One-Click" to the link, no cookie.
    response = Client().post(unsubscribe_link(message), "List-Unsubscribe=One-Click",
                             content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    gone = Signature.objects.get(email=message["To"])
    assert gone.news_consent_at is None and gone.news_stopped_because == "signer"

    # Sending again (a double click, a restarted send) writes and delivers nothing twice.
    assert queue.send_update(update) == 0
    time.sleep(2)
    assert len(smtp_server.messages) == 123
    assert update.emails.count() == 120


# --- the moderator's side ---------------------------------------------------------------

@pytest.fixture
def writer(db):
    from django.contrib.auth.models import Permission

    user = make_moderator("redaction@campagne.fr", "a-long-password-1")
    user.user_permissions.add(Permission.objects.get(codename="send_update"))
    return user


def test_only_holders_of_the_permission_write_updates(client, petition, moderator):
    client.force_login(moderator)  # moderates signatures, may not write to thousands
    assert client.get("/admin/petition/update/").status_code == 403
    update = an_update(petition)
    assert client.get(f"/admin/petition/update/{update.pk}/preview/").status_code == 403
    assert client.post(f"/admin/petition/update/{update.pk}/send/",
                       {"send": "1"}).status_code == 403
    assert update.emails.count() == 0


def test_write_preview_test_and_send_narrowed(client, petition, parties, writer, smtp_server,
                                              django_capture_on_commit_callbacks):
    approved_signers(petition, parties["PS"], 30, consented=30)
    client.force_login(writer)
    response = client.post("/admin/petition/update/add/", {
        "petition": petition.pk, "title_fr": "Recours déposé",
        "body_fr": "Voici <script>alert(1)</script> [un lien](javascript:alert(2)) *ok*",
        "title_en": "", "body_en": ""})
    assert response.status_code == 302
    update = Update.objects.get()
    assert update.created_by == writer

    preview = client.get(f"/admin/petition/update/{update.pk}/preview/").content.decode()
    assert "<em>ok</em>" in preview
    assert "<script>alert" not in preview and 'href="javascript' not in preview

    client.post(f"/admin/petition/update/{update.pk}/test/")
    tests = smtp_server.wait_for(2)
    assert {m["To"] for m in smtp_server.messages} == {"redaction@campagne.fr"}
    assert tests["Subject"].startswith("[TEST")
    assert "<script>" not in html_part(tests)
    # A test's links lead nowhere: the made-up signer does not exist.
    assert Client().post(unsubscribe_link(tests)).status_code == 404
    assert Update.objects.get().published_at is None
    assert "Recours déposé" not in client.get("/p/vsa-jo-2024/").content.decode()

    page = client.get(f"/admin/petition/update/{update.pk}/send/",
                      {"mandates": ["mayor"], "departements": ["35"]}).content.decode()
    mayors_35 = sending.audience(update, ["mayor"], ["35"]).count()
    assert 0 < mayors_35 < 30
    assert f"{mayors_35} signataires" in page or f"{mayors_35} signers" in page
    with django_capture_on_commit_callbacks(execute=True):  # the page cache is bumped
        client.post(f"/admin/petition/update/{update.pk}/send/",
                    {"mandates": ["mayor"], "departements": ["35"], "send": "1"})
    assert update.emails.count() == mayors_35
    assert set(update.emails.values_list("signature__mandate", "signature__departement")
               .distinct()) == {("mayor", "35")}

    # Published on the petition page, dated, for everyone; no longer editable.
    public = Client().get("/p/vsa-jo-2024/").content.decode()
    assert "Recours déposé" in public and "<em>ok</em>" in public
    assert "<script>alert" not in public
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\d">', public.split('id="news"')[1])
    change = client.post(f"/admin/petition/update/{update.pk}/change/",
                         {"petition": petition.pk, "title_fr": "Autre", "body_fr": "x"})
    assert change.status_code == 403
    assert Update.objects.get().title_fr == "Recours déposé"


def test_bad_audience_values_get_a_message_not_a_500(client, petition, writer):
    update = an_update(petition)
    client.force_login(writer)
    response = client.post(f"/admin/petition/update/{update.pk}/send/",
                           {"mandates": ["emperor"], "departements": ["<script>"], "send": "1"})
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert update.emails.count() == 0 and Update.objects.get().published_at is None


# --- sending rules ------------------------------------------------------------------------

def test_a_signer_who_stops_the_news_after_the_send_began_gets_nothing(
        petition, parties, smtp_server):
    first, second = approved_signers(petition, parties["PS"], 2, consented=2)
    update = an_update(petition)
    queue.send_update(update)  # no worker here: the batch is run below, in this thread
    sending.send_batch()
    assert len(smtp_server.messages) == 2
    other = an_update(petition)
    sending.write_emails(other)
    first.choose_news(False)
    assert sending.send_batch() is not None
    assert [m["To"] for m in smtp_server.messages[2:]] == [second.email]
    assert other.emails.get(signature=first).last_error.startswith("cancelled")


def test_news_wait_while_a_confirmation_waits_and_the_sweeper_leaves_them(
        client, petition, parties, signature_data, smtp_server, settings, broken_broker):
    from verification.outbox.models import restart_due

    approved_signers(petition, parties["PS"], 3, consented=3)
    update = an_update(petition)
    with broken_broker():
        client.post(SIGN, signature_data)  # a confirmation stays queued
        queue.send_update(update)
    assert sending.send_batch() == sending.YIELD_SECONDS
    assert update.emails.filter(state="queued").count() == 3
    settings.CHALLENGE_REQUEUE_AFTER_SECONDS = 0
    due = restart_due()
    assert due == [EmailChallenge.objects.get(kind="confirm").pk]  # news are not the sweeper's
    assert EmailChallenge.objects.oldest_waiting_since() is not None
    delivery.deliver(due[0])
    assert sending.send_batch() is not None
    assert len(smtp_server.messages) == 4 and smtp_server.messages[0]["To"] == signature_data[
        "email"]


def test_news_never_use_up_the_resend_cap(client, petition, signature_data, settings):
    from verification.outbox.models import may_email_again

    client.post(SIGN, {**signature_data, "news": "on"})
    signature = Signature.objects.get()
    Signature.objects.filter(pk=signature.pk).move("confirm_email")
    Signature.objects.filter(pk=signature.pk).move("approve")
    settings.RESEND_COOLDOWN_SECONDS = 0
    for _n in range(settings.RESEND_MAX_EMAILS):
        sending.write_emails(an_update(petition))
    assert EmailChallenge.objects.filter(kind="update").count() == settings.RESEND_MAX_EMAILS
    assert may_email_again(signature)


POSTMARK_BOUNCE = {
    "RecordType": "Bounce", "MessageStream": "broadcast", "ID": 4323372036854775807,
    "Type": "HardBounce", "TypeCode": 1, "Name": "Hard bounce", "Tag": "",
    "MessageID": "b5a3e2c4-0000-4d7e-9c1e-news", "Metadata": {}, "ServerID": 23,
    "Description": "The server was unable to deliver your message.", "Details": "",
    "Email": "elu0@mairie-0.fr", "From": "petition@example.org",
    "BouncedAt": "2026-11-28T10:00:00Z", "DumpAvailable": False, "Inactive": True,
    "CanActivate": True, "Subject": "Nous avons déposé un recours",
}


def test_a_bounce_or_a_complaint_stops_news_to_that_address(client, petition, parties, settings):
    secret = "hook-user:hook-password"
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": secret}
    signer, other = approved_signers(petition, parties["PS"], 2, consented=2)
    update = an_update(petition)
    sending.write_emails(update)
    row = update.emails.get(signature=signer)
    row.claim()
    row.mark_sent(POSTMARK_BOUNCE["MessageID"])
    auth = "Basic " + base64.b64encode(secret.encode()).decode()
    with override_settings(MAILER="postmark"):
        for _replay in range(2):
            response = client.post("/anymail/postmark/tracking/", json.dumps(POSTMARK_BOUNCE),
                                   content_type="application/json", HTTP_AUTHORIZATION=auth)
            assert response.status_code == 200
    signer.refresh_from_db()
    assert signer.news_consent_at is None and signer.news_stopped_because == "bounced"
    assert sending.write_emails(an_update(petition)) == 1  # only the other signer

    # A complaint (anymail's normalised event), about any email to that address.
    class Event:
        event_type, message_id, event_id, esp_event = "complained", "m-2", "e-2", {}

    other_row = update.emails.get(signature=other)
    other_row.claim()
    other_row.mark_sent("m-2")
    assert apply_tracking_event(Event, "postmark")
    other.refresh_from_db()
    assert other.news_stopped_because == "complained"


# --- the links ----------------------------------------------------------------------------

def subscribed_signer(petition, parties):
    return approved_signers(petition, parties["PS"], 1, consented=1)[0]


def test_forged_stale_unknown_and_misused_links_get_one_same_answer(petition, parties):
    signer = subscribed_signer(petition, parties)
    client = Client()
    unsubscribe = signer.news_token("unsubscribe")
    answers = {
        "forged": client.post(f"/news/unsubscribe/{unsubscribe[:-3]}abc/"),
        "other purpose": client.post(f"/news/preferences/{unsubscribe}/", {"news": "on"}),
        "withdrawal token": client.post(f"/news/unsubscribe/{signer.withdrawal_token()}/"),
        "unknown": client.post("/news/unsubscribe/{}/".format(signing.dumps(
            [10**9, 0], salt="signatures.news.unsubscribe", compress=True))),
        "odd": client.get("/news/preferences/" + "é%00" * 90 + "/"),
    }
    assert Signature.objects.get().news_consent_at is not None  # none of them did anything
    assert client.post(f"/news/unsubscribe/{unsubscribe}/").status_code == 200
    # Replayed after the choice changed (here, to undo a later re-subscription).
    preferences = Signature.objects.get().news_token("preferences")
    client.post(f"/news/preferences/{preferences}/", {"news": "on"})
    answers["replayed"] = client.post(f"/news/unsubscribe/{unsubscribe}/")
    assert Signature.objects.get().news_consent_at is not None
    # The same page, but for the language switch's link to this very URL.
    bodies = {name: (r.status_code, re.sub(rb'/news/[a-z]+/[^"]*', b"", r.content))
              for name, r in answers.items()}
    assert set(bodies.values()) == {bodies["forged"]}, bodies.keys()
    assert bodies["forged"][0] == 404
    assert signer.email.encode() not in bodies["forged"][1]


def test_any_email_lets_the_signer_ask_for_news_confirmed_by_post(
        client, petition, signature_data, smtp_server):
    client.post(SIGN, signature_data)  # no news asked
    delivery.deliver(EmailChallenge.objects.get().pk)
    confirmation = smtp_server.wait_for(1)
    link = re.search(r"https?://\S+/news/preferences/\S+/", text_part(confirmation)).group(0)
    page = client.get(path_of(link))
    assert "Vous ne recevez pas les nouvelles" in page.content.decode()
    assert Signature.objects.get().news_consent_at is None  # a GET changes nothing
    saved = client.post(path_of(link), {"news": "on"}).content.decode()
    signature = Signature.objects.get()
    assert signature.news_consent_at and signature.news_consent_version == NEWS_CONSENT_VERSION
    assert "Vous recevez les nouvelles" in saved
    assert client.get(path_of(link)).status_code == 404  # that link's choice is made
    fresh = re.search(r'action="(/news/preferences/[^"]+/)"', saved).group(1)
    client.post(fresh, {})
    assert Signature.objects.get().news_consent_at is None


def test_erasing_a_signer_erases_the_consent_to_news(petition, parties):
    signer = subscribed_signer(petition, parties)
    signer.withdraw_and_erase()
    assert (signer.news_consent_at, signer.news_consent_version) == (None, "")


def test_the_privacy_page_speaks_of_news(client, petition):
    page = client.get("/privacy/").content.decode()
    assert "nouvelles de la campagne" in page
    english = client.get("/en/privacy/").content.decode()
    assert "campaign's news" in english
