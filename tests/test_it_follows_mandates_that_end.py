"""Elections, resignations and deaths change the register during a campaign."""

from datetime import date

import time_machine
from django.test import Client

from verification.register import matching as register

from . import rne_samples
from .rne_samples import person
from .test_it_matches_the_register import BREST, SAINT_ETIENNE, import_rne, signer

LIST = "/p/vsa-jo-2024/signatories/"


def mayors(tmp_path, released, *rows):
    return rne_samples.write(tmp_path / f"elus-maires-mai-{released}.csv", "mai", rows)


def recheck_after_the_import(django_capture_on_commit_callbacks):
    """What beat's queue_register_checks hands the workers: signatures checked before it."""
    with django_capture_on_commit_callbacks(execute=True):
        return register.check(list(register.due().values_list("pk", flat=True)))


def test_a_mayor_a_new_release_no_longer_lists(db, tmp_path, petition, parties, moderator,
                                               django_capture_on_commit_callbacks):
    with time_machine.travel("2026-03-01 10:00 +0100", tick=False):
        import_rne(mayors(tmp_path, "2026-01-15",
                          {**SAINT_ETIENNE, **person("MARTIN", "Claire")},
                          {**BREST, **person("LE GOFF", "Hélène")}))
        claire = signer(petition, parties, "Claire", "Martin", "mayor", code="06120",
                        locality="Saint-Étienne-de-Tinée", departement="06")
        helene = signer(petition, parties, "Hélène", "Le Goff", "mayor", code="29019",
                        locality="Brest", departement="29")
        recheck_after_the_import(django_capture_on_commit_callbacks)
        for signature in (claire, helene):
            signature.confirm_email()
            signature.approve(moderator)
        claire.refresh_from_db()
        assert (claire.register_match, claire.register_mandate_ended_on) == ("exact", None)

    # June: the municipal by-election in Saint-Étienne-de-Tinée has a new mayor.
    with time_machine.travel("2026-06-02 09:00 +0200", tick=False):
        import_rne(mayors(tmp_path, "2026-06-01",
                          {**SAINT_ETIENNE, **person("GIRAUD", "Paul", sex="M")},
                          {**BREST, **person("LE GOFF", "Hélène")}))
        assert set(register.due()) == {claire, helene}  # beat re-matches everyone
        assert recheck_after_the_import(django_capture_on_commit_callbacks) == 2

        claire.refresh_from_db()
        helene.refresh_from_db()
        assert claire.register_mandate_ended_on == date(2026, 6, 1)
        assert claire.register_mandate_ended
        assert claire.register_match == "none"
        assert claire.register_match_note.startswith(
            "Mandat qui n’est plus au répertoire (depuis le 01/06/2026).")
        assert claire.state == "approved"  # the moderators' decision stays theirs
        assert (helene.register_match, helene.register_mandate_ended_on) == ("exact", None)

        client = Client()
        client.force_login(moderator)
        queue = client.get("/admin/signatures/signature/", {"state": "all",
                                                            "mandate_ended": "yes"})
        assert [s.pk for s in queue.context["cl"].result_list] == [claire.pk]
        assert "mandat qui n’est plus au répertoire depuis le 01/06/2026" in (
            queue.content.decode())

        # By default, the public list shows the mandate held at signing, with its date.
        page = Client().get(LIST).content.decode()
        assert "maire de Saint-Étienne-de-Tinée (06), à la signature le 1 mars 2026" in page
        assert "ancienne maire" not in page
        assert "maire de Brest (29)</span>" in page

        petition.ended_mandates = petition.EndedMandates.FORMER
        with django_capture_on_commit_callbacks(execute=True):  # cached pages go
            petition.save()
        page = Client().get(LIST).content.decode()
        assert "ancienne maire de Saint-Étienne-de-Tinée (06)</span>" in page
        english = Client().get("/en" + LIST).content.decode()
        assert "former mayor, Saint-Étienne-de-Tinée (06)" in english

    # A later release lists her again (a correction): the mark goes.
    with time_machine.travel("2026-07-01 09:00 +0200", tick=False):
        import_rne(mayors(tmp_path, "2026-07-01",
                          {**SAINT_ETIENNE, **person("MARTIN", "Claire")},
                          {**BREST, **person("LE GOFF", "Hélène")}))
        recheck_after_the_import(django_capture_on_commit_callbacks)
        claire.refresh_from_db()
        assert (claire.register_match, claire.register_mandate_ended_on) == ("exact", None)
        assert "ancienne" not in Client().get(LIST).content.decode()


def test_a_line_with_an_end_date_ends_the_mandate(db, tmp_path, petition, parties):
    path = rne_samples.write_layout(tmp_path, "2026", "dep", [
        {"Code du département": "06", "Code de la circonscription législative": "0603",
         **person("BERNARD", "Thomas", sex="M", started="22/06/2022"),
         rne_samples.MANDATE_END: "09/06/2024"}], extra=[rne_samples.MANDATE_END])
    import_rne(path)
    thomas = signer(petition, parties, "Thomas", "Bernard", "deputy", code="06",
                    departement="06", civility="M", circonscription="3")
    register.check([thomas.pk])
    thomas.refresh_from_db()
    assert thomas.register_match == "exact"  # the line is his
    assert thomas.register_mandate_ended_on == date(2024, 6, 9)
    assert "jusqu’au 09/06/2024" in thomas.register_match_note
