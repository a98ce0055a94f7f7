"""The register is a second guard against far-right signatures: its political nuance."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from signatures.models import InvalidTransition, ModerationDecision, Signature
from verification.models import FarRightNuance
from verification.register import matching as register

from . import rne_samples
from .rne_samples import person
from .test_it_matches_the_register import AJACCIO, NICE, checked, import_rne, signer

CHANGELIST = "/admin/signatures/signature/"


@pytest.fixture
def municipal_file_with_nuances(tmp_path):
    return rne_samples.write_layout(tmp_path, "2024", "cm", [
        {**NICE, **person("ROSSI", "Jean-Pierre", sex="M", started="03/07/2020"),
         rne_samples.NUANCE: "LRN"},
        {**AJACCIO, **person("LEFÈVRE", "Michèle", started="03/07/2020"),
         rne_samples.NUANCE: "LDVG"},
    ], extra=[rne_samples.NUANCE])


@pytest.fixture
def flagged(db, far_right_nuances, municipal_file_with_nuances, petition, parties):
    import_rne(municipal_file_with_nuances)
    signatures = [
        # Declared socialist: the register's list nuance says otherwise.
        signer(petition, parties, "Jean-Pierre", "Rossi", "municipal_councillor",
               code="06088", locality="Nice", departement="06", civility="M"),
        signer(petition, parties, "Michèle", "Lefèvre", "municipal_councillor",
               code="2A004", locality="Ajaccio", departement="2A"),
    ]
    Signature.objects.filter(pk__in=[s.pk for s in signatures]).update(state="email_confirmed")
    return [checked(signature) for signature in signatures]


def test_the_seeded_classes_are_the_ministrys(db, far_right_nuances):
    assert FarRightNuance.codes() == {"RN", "REC", "EXD", "UXD", "LRN", "LREC", "LEXD", "LUXD"}


def test_a_far_right_nuance_flags_the_signature_whatever_the_party(flagged):
    rossi, lefevre = flagged
    assert (rossi.party.short_name, rossi.register_nuance, rossi.register_nuance_flag) == (
        "PS", "LRN", True)
    assert not rossi.refused_party_flag  # the party they declared is not refused
    assert (lefevre.register_nuance, lefevre.register_nuance_flag) == ("LDVG", False)
    assert "nuance LRN" in rossi.register_match_note
    assert register.match(rossi).far_right


def test_the_flag_blocks_approval_as_a_refused_party_does(flagged, client, moderator):
    rossi, lefevre = flagged
    with pytest.raises(InvalidTransition, match="far-right nuance"):
        rossi.approve(moderator)
    client.force_login(moderator)
    page = client.post(CHANGELIST, {"action": "approve",
                                    "_selected_action": [rossi.pk, lefevre.pk]},
                       follow=True).content.decode()
    assert ("1 signature non approuvée\u202f: le répertoire donne à son signataire une nuance "
            "d’extrême droite.") in page
    assert dict(Signature.objects.values_list("last_name", "state")) == {
        "Rossi": "email_confirmed", "Lefèvre": "approved"}
    listing = client.get(CHANGELIST, {"state": "all", "register_nuance_flag__exact": "1"})
    assert [s.pk for s in listing.context["cl"].result_list] == [rossi.pk]
    assert "nuance LRN au répertoire (extrême droite)" in listing.content.decode()


def test_only_a_moderator_with_the_permission_clears_it_with_a_note_in_the_trail(
        flagged, client, moderator, municipal_file_with_nuances):
    rossi, _lefevre = flagged
    client.force_login(moderator)
    actions = dict(client.get(CHANGELIST).context["action_form"].fields["action"].choices)
    assert "clear_register_nuance_flag" not in actions
    client.post(CHANGELIST, {"action": "clear_register_nuance_flag", "apply": "1",
                             "note": "Sans étiquette", "_selected_action": [rossi.pk]})
    with pytest.raises(PermissionDenied):
        rossi.clear_register_nuance_flag(moderator, "pas le droit")
    rossi.refresh_from_db()
    assert rossi.register_nuance_flag

    moderator.user_permissions.add(Permission.objects.get(codename="clear_register_nuance_flag"))
    form = client.post(CHANGELIST, {"action": "clear_register_nuance_flag",
                                    "_selected_action": [rossi.pk]}).content.decode()
    assert "Rossi" in form and "nuance LRN" in form
    empty = client.post(CHANGELIST, {"action": "clear_register_nuance_flag", "apply": "1",
                                     "note": "  ", "_selected_action": [rossi.pk]})
    assert "Ce champ est obligatoire." in empty.content.decode()
    done = client.post(CHANGELIST, {
        "action": "clear_register_nuance_flag", "apply": "1", "_selected_action": [rossi.pk],
        "note": "Élu sur une liste d'union locale; a quitté le RN en 2021 (courrier du 3/11)."},
        follow=True).content.decode()
    assert "1 signature\u202f: signalement de nuance d’extrême droite levé." in done

    rossi.refresh_from_db()
    assert not rossi.register_nuance_flag and rossi.register_nuance_cleared_at
    decision = ModerationDecision.objects.get(signature=rossi)
    assert (decision.transition, decision.actor, decision.note) == (
        "clear_register_nuance", moderator,
        "Élu sur une liste d'union locale; a quitté le RN en 2021 (courrier du 3/11).")
    rossi.approve(moderator)
    assert rossi.state == "approved"

    # The next release still says LRN: the moderator's decision stands.
    import_rne(municipal_file_with_nuances)
    assert checked(rossi).register_nuance == "LRN"
    assert not rossi.register_nuance_flag


def test_the_classes_are_edited_in_the_admin(flagged, client, admin_user):
    _rossi, lefevre = flagged
    client.force_login(admin_user)
    response = client.post("/admin/verification/farrightnuance/add/",
                           {"code": " ldvg ", "label": "Exemple"})
    assert response.status_code == 302
    lefevre.refresh_from_db()
    assert lefevre.register_nuance_flag  # at once, without waiting for an import
    FarRightNuance.objects.get(code="LDVG").delete()
    lefevre.refresh_from_db()
    assert not lefevre.register_nuance_flag
