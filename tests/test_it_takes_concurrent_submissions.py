from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from signatures.models import Signature
from verification.models import EmailChallenge


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_submissions_of_one_address_make_one_signature(
        petition, signature_data, settings):
    # This is about the database; rate limits have their own tests.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sign-ip": (0, 3600),
                            "sign-address": (0, 3600)}
    def submit(_):
        try:
            return Client().post("/p/vsa-jo-2024/sign/", signature_data).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=25) as pool:
        statuses = list(pool.map(submit, range(50)))
    assert statuses == [302] * 50  # no error for anyone
    assert Signature.objects.count() == 1
    # One challenge; the repeats fall within the resend cooldown: no mail bombing.
    assert list(EmailChallenge.objects.values_list("kind", flat=True)) == ["confirm"]
