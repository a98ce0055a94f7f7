"""The outbox writes its emails with headers kept from one email to the next
(verification/outbox/mime.py): what goes out is byte for byte what Django's own
message would have been, for every kind and both languages, in any order."""

import email.policy
import random

import pytest
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from petition.models import Update
from signatures.models import Signature
from verification.models import EmailChallenge
from verification.outbox import emails, mime


def stock_copy(message: mime.OutboxEmail) -> EmailMultiAlternatives:
    """The same email as Django's own class, which parses every header each time."""
    copy = EmailMultiAlternatives(
        subject=message.subject, body=message.body, from_email=message.from_email,
        to=message.to, reply_to=message.reply_to, headers=dict(message.extra_headers))
    for content, mimetype in message.alternatives:
        copy.attach_alternative(content, mimetype)
    return copy


def written(message, policy) -> bytes:
    random.seed(7)  # the same multipart boundary for both writers
    # The same Date for both (Django dates a message when it writes it: a second
    # could tick between the two).
    message.extra_headers.setdefault("Date", "Thu, 03 Dec 2026 09:30:00 +0100")
    return message.message(policy=policy).as_bytes()


@pytest.fixture
def challenges(petition, parties):
    petition.contact_email = "contact@exemple.fr"
    petition.save()
    update = Update.objects.create(
        petition=petition, title_fr="Audition au Sénat", title_en="Senate hearing",
        body_fr="La **commission** nous reçoit.", body_en="The **committee** hears us.")
    people = [
        ("F", "Hélène", "Le Goff", "helene@mairie-quimper.fr", "fr"),
        ("M", "Jean-François", "Ŀlobet d'Ÿ " + "très-long " * 8, "jf@élus-exemple.fr", "fr"),
        ("X", "Sam", "O'Neil", "sam@mairie-brest.fr", "en"),
    ]
    rows = []
    for civility, first, last, address, language in people:
        signature = Signature.objects.create(
            petition=petition, civility=civility, first_name=first, last_name=last.strip(),
            email=address, mandate="mayor", locality="Quimper", departement="29",
            party=parties["PS"], consented_at=timezone.now(), language=language)
        for kind in EmailChallenge.Kind:
            rows.append(EmailChallenge(signature=signature, kind=kind, language=language,
                                       update=update if kind == "update" else None))
    return rows


def test_every_kind_in_both_languages_is_written_as_django_writes_it(challenges):
    # The kept headers are the process's: emptied, so that the hits below are this test's.
    mime.RepeatingHeadersPolicy._parsed.cache_clear()
    mime.RepeatingHeadersPolicy._folded.cache_clear()
    for policy in (email.policy.SMTP, email.policy.default):  # the SMTP and console backends
        for challenge in challenges + challenges[::-1]:  # the second time from kept headers
            message = emails.build_message(challenge, "token-" + challenge.kind)
            assert isinstance(message, mime.OutboxEmail)
            ours, django = written(message, policy), written(stock_copy(message), policy)
            assert ours == django, challenge.kind
    # Not a vacuous comparison: the From, subjects and parts' headers were kept.
    assert mime.RepeatingHeadersPolicy._parsed.cache_info().hits > 0
    assert mime.RepeatingHeadersPolicy._folded.cache_info().hits > 0


def test_non_ascii_and_long_headers_are_encoded_and_folded_alike(challenges):
    message = emails.build_message(challenges[len(EmailChallenge.Kind)], "token")
    raw = written(message, email.policy.SMTP)
    assert b"=?utf-8?" in raw  # the accented name and subject as encoded words
    assert b"To: jf@xn--lus-exemple-99a.fr\r\n" in raw  # the address's domain in IDNA
    assert all(len(line) <= 78 for line in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n"))


def test_a_line_break_in_a_header_is_refused_every_time(challenges):
    message = emails.build_message(challenges[0], "token")
    message.extra_headers["X-Campaign"] = "VSA\r\nBcc: everyone@exemple.fr"
    for _ in range(2):  # a refusal is never kept as if it were a header
        with pytest.raises(ValueError):
            written(message, email.policy.SMTP)
