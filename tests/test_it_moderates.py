import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from signatures.models import InvalidTransition, ModerationDecision, RejectionReason, Signature
from verification.models import EmailChallenge

CHANGELIST = "/admin/signatures/signature/"


def make_signature(petition, party, n=0, state="email_confirmed", **fields):
    values = dict(petition=petition, civility="F", first_name="Anne", last_name=f"Test{n}",
                  email=f"anne{n}@mairie-lyon.fr", mandate="mayor", locality="Lyon",
                  departement="69", party=party, consented_at=timezone.now())
    values.update(fields)
    signature = Signature.objects.create(**values)
    if state != "pending_email":
        stamp = {"email_confirmed_at": timezone.now()}
        Signature.objects.filter(pk=signature.pk).update(state=state, **stamp)
        signature.refresh_from_db()
    return signature


@pytest.fixture
def staff_without_moderation(db):
    user = User.objects.create_user("staff@campagne.fr", "staff@campagne.fr", "pw-long-enough-2",
                                    is_staff=True)
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="view_signature"),
                              Permission.objects.get(codename="change_signature"))
    return user


@pytest.fixture
def far_right(db):
    return RejectionReason.objects.get(code="far-right")


def test_the_moderators_group_has_exactly_what_review_needs(db):
    codenames = set(Group.objects.get(name="Moderators").permissions.values_list(
        "codename", flat=True))
    assert {"view_signature", "change_signature", "moderate_signature", "add_party",
            "change_party", "add_rejectionreason", "change_rejectionreason"} <= codenames
    assert not {c for c in codenames if c.startswith("delete_")}
    assert not {"change_user", "add_user", "change_group", "change_petition"} & codenames


def test_the_queue_opens_on_confirmed_signatures_oldest_first(client, moderator, petition,
                                                               parties):
    newer = make_signature(petition, parties["PS"], 1)
    older = make_signature(petition, parties["PS"], 2)
    Signature.objects.filter(pk=older.pk).update(
        email_confirmed_at=timezone.now() - timezone.timedelta(days=2))
    make_signature(petition, parties["PS"], 3, state="pending_email")
    client.force_login(moderator)
    page = client.get(CHANGELIST)
    rows = list(page.context["cl"].result_list)
    assert rows == [Signature.objects.get(pk=older.pk), newer]
    assert len(client.get(CHANGELIST + "?state=all").context["cl"].result_list) == 3


def test_the_admin_index_shows_the_queue(client, moderator, petition, parties):
    make_signature(petition, parties["PS"], 1)
    client.force_login(moderator)
    page = client.get("/admin/").content.decode()
    assert "1 signature en attente de relecture" in page


def test_a_moderator_approves_and_the_public_sees_it(client, moderator, petition, parties):
    signature = make_signature(petition, parties["PS"], 1)
    client.force_login(moderator)
    response = client.post(CHANGELIST, {"action": "approve", "_selected_action": [signature.pk]},
                           follow=True)
    assert "1 signature approuvée" in response.content.decode()
    signature.refresh_from_db()
    assert signature.state == "approved"
    decision = signature.decisions.get()
    assert (decision.actor, decision.from_state, decision.to_state) == (
        moderator, "email_confirmed", "approved")
    assert "Test1" in client.get("/p/vsa-jo-2024/signatories/").content.decode()
    # The signer is told, through the same outbox.
    assert EmailChallenge.objects.get(signature=signature).kind == "approved"


def test_staff_without_the_permission_cannot_approve(client, staff_without_moderation,
                                                     petition, parties):
    signature = make_signature(petition, parties["PS"], 1)
    client.force_login(staff_without_moderation)
    page = client.get(CHANGELIST)
    action_form = page.context["action_form"]
    assert action_form is None or "approve" not in dict(action_form.fields["action"].choices)
    client.post(CHANGELIST, {"action": "approve", "_selected_action": [signature.pk]})
    signature.refresh_from_db()
    assert signature.state == "email_confirmed"


def test_staff_who_do_not_moderate_never_see_an_address(client, staff_without_moderation,
                                                        petition, parties):
    signature = make_signature(petition, parties["PS"], 1)
    client.force_login(staff_without_moderation)
    listing = client.get(f"{CHANGELIST}?state=all")
    assert listing.status_code == 200 and "Test1" in listing.content.decode()
    assert "@mairie-lyon.fr" not in listing.content.decode()
    page = client.get(f"{CHANGELIST}{signature.pk}/change/")
    assert page.status_code == 200 and "@mairie-lyon.fr" not in page.content.decode()
    probe = client.get(f"{CHANGELIST}?state=all&q=anne1@mairie-lyon.fr")
    assert probe.context["cl"].result_count == 0


def test_anonymous_visitors_are_sent_to_the_login(client, petition, parties):
    signature = make_signature(petition, parties["PS"], 1)
    response = client.post(CHANGELIST, {"action": "approve", "_selected_action": [signature.pk]})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    signature.refresh_from_db()
    assert signature.state == "email_confirmed"


def test_reject_asks_for_a_reason_on_an_intermediate_page(client, moderator, petition,
                                                          parties, far_right):
    signature = make_signature(petition, parties["PS"], 1)
    client.force_login(moderator)
    page = client.post(CHANGELIST, {"action": "reject", "_selected_action": [signature.pk]})
    assert page.status_code == 200
    assert "Extrême droite" in page.content.decode() or "extrême droite" in page.content.decode()
    signature.refresh_from_db()
    assert signature.state == "email_confirmed"  # nothing happens before the reason
    client.post(CHANGELIST, {"action": "reject", "_selected_action": [signature.pk],
                             "apply": "1", "reason": far_right.pk, "note": "RN en 2020"})
    signature.refresh_from_db()
    assert signature.state == "rejected"
    decision = signature.decisions.get()
    assert (decision.reason, decision.note, decision.actor) == (far_right, "RN en 2020",
                                                                moderator)
    # Rejection emails are off by default.
    assert not EmailChallenge.objects.filter(kind="rejected").exists()


def test_a_refused_party_can_never_be_approved(client, moderator, petition, parties):
    chosen = make_signature(petition, parties["RN"], 1)
    typed = make_signature(petition, parties["Autre"], 2, party_detail="Rassemblement  National")
    abbreviated = make_signature(petition, parties["Autre"], 3, party_detail="r.n.")
    assert chosen.refused_party_flag and typed.refused_party_flag and abbreviated.refused_party_flag
    client.force_login(moderator)
    response = client.post(CHANGELIST, {"action": "approve",
                                        "_selected_action": [chosen.pk, typed.pk, abbreviated.pk]},
                           follow=True)
    assert "parti est refusé" in response.content.decode()
    assert set(Signature.objects.values_list("state", flat=True)) == {"email_confirmed"}
    with pytest.raises(InvalidTransition):
        chosen.approve(moderator)


def test_invalid_transitions_are_skipped_and_counted(client, moderator, petition, parties):
    pending = make_signature(petition, parties["PS"], 1, state="pending_email")
    ready = make_signature(petition, parties["PS"], 2)
    client.force_login(moderator)
    response = client.post(CHANGELIST + "?state=all",
                           {"action": "approve", "_selected_action": [pending.pk, ready.pk]},
                           follow=True)
    assert "1 signature ignorée" in response.content.decode()
    assert Signature.objects.get(pk=ready.pk).state == "approved"
    assert Signature.objects.get(pk=pending.pk).state == "pending_email"
    # Idempotent: approving again changes nothing and writes no trail.
    client.post(CHANGELIST + "?state=all", {"action": "approve", "_selected_action": [ready.pk]})
    assert ModerationDecision.objects.filter(signature=ready).count() == 1


def test_every_transition_follows_the_state_machine(petition, parties, moderator, far_right):
    signature = make_signature(petition, parties["PS"], 1, state="pending_email")
    signature.confirm_email()
    signature.approve(moderator)
    signature.return_to_review(moderator)
    assert signature.state == "email_confirmed" and signature.approved_at is None
    signature.reject(moderator, far_right)
    signature.return_to_review(moderator)
    signature.approve(moderator)
    signature.reject(moderator, far_right)
    signature.withdraw()
    with pytest.raises(InvalidTransition):
        signature.approve(moderator)
    trail = list(signature.decisions.values_list("transition", "from_state", "to_state"))
    assert trail == [
        ("confirm_email", "pending_email", "email_confirmed"),
        ("approve", "email_confirmed", "approved"),
        ("return_to_review", "approved", "email_confirmed"),
        ("reject", "email_confirmed", "rejected"),
        ("return_to_review", "rejected", "email_confirmed"),
        ("approve", "email_confirmed", "approved"),
        ("reject", "approved", "rejected"),
        ("withdraw", "rejected", "withdrawn"),
    ]
    expiring = make_signature(petition, parties["PS"], 2, state="pending_email")
    expiring.expire()
    with pytest.raises(InvalidTransition):
        expiring.withdraw()


def test_a_bulk_action_on_500_signatures_runs_in_bounded_queries(
        client, moderator, petition, parties):
    ids = [make_signature(petition, parties["PS"], n).pk for n in range(500)]
    client.force_login(moderator)
    with CaptureQueriesContext(connection) as queries:
        client.post(CHANGELIST, {"action": "approve", "_selected_action": ids})
    assert Signature.objects.approved().count() == 500
    assert len(queries) <= 30, len(queries)


def test_moderator_edits_are_on_record_with_before_and_after(client, moderator, petition,
                                                              parties):
    signature = make_signature(petition, parties["PS"], 1)
    client.force_login(moderator)
    url = f"{CHANGELIST}{signature.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items()
            if name in form.fields and value is not None}
    data.update({"locality": "Lyon 3e", "party": parties["PS"].pk,
                 "decisions-TOTAL_FORMS": 0, "decisions-INITIAL_FORMS": 0})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    decision = ModerationDecision.objects.get(signature=signature, transition="edit")
    assert decision.changes == {"locality": ["Lyon", "Lyon 3e"]}
    assert decision.actor == moderator
    from django.contrib.admin.models import LogEntry

    assert LogEntry.objects.filter(object_id=str(signature.pk)).exists()


def test_the_trail_cannot_be_deleted_from_the_admin(client, moderator, petition, parties):
    signature = make_signature(petition, parties["PS"], 1)
    client.force_login(moderator)
    assert client.get(f"{CHANGELIST}{signature.pk}/delete/").status_code == 403
    assert client.get("/admin/signatures/moderationdecision/").status_code == 404


def test_possible_duplicates_are_listed(client, moderator, petition, parties):
    first = make_signature(petition, parties["PS"], 1, first_name="Marie-Hélène",
                           last_name="Dupont-Moreau", locality="Lyon")
    make_signature(petition, parties["PS"], 2, first_name="marie helene",
                   last_name="DUPONT MOREAU", locality="lyon")
    make_signature(petition, parties["PS"], 3, first_name="Marie Hélène",
                   last_name="Dupont Moreau", locality="Brest", email="mh@mairie-lyon.fr")
    make_signature(petition, parties["PS"], 4, first_name="Marie", last_name="Dupont",
                   locality="Lyon")
    assert len(first.possible_duplicates()) == 2
    client.force_login(moderator)
    page = client.get(f"{CHANGELIST}{first.pk}/change/").content.decode()
    assert "DUPONT MOREAU" in page and "Dupont Moreau (Brest" in page


def test_nothing_unapproved_reaches_a_public_page(client, petition, parties, moderator):
    for n, state in enumerate(["pending_email", "email_confirmed", "rejected", "withdrawn"]):
        make_signature(petition, parties["PS"], n, state=state, last_name=f"Hidden{n}")
    approved = make_signature(petition, parties["PS"], 9, last_name="Visible")
    approved.approve(moderator)
    for url in ["/", "/p/vsa-jo-2024/", "/p/vsa-jo-2024/signatories/",
                "/en/p/vsa-jo-2024/signatories/"]:
        page = client.get(url).content.decode()
        assert "Hidden" not in page
        assert "@mairie-lyon.fr" not in page
    assert "Visible" in client.get("/p/vsa-jo-2024/signatories/").content.decode()
    # The English page has not been read yet: rendered now, not from the page cache.
    assert client.get("/en/p/vsa-jo-2024/").context["count"] == 1


def test_a_moderator_is_added_by_email_with_a_one_time_link(client, db, capsys):
    call_command("add_moderator", "Nouvelle@Campagne.fr")
    out = capsys.readouterr().out
    user = User.objects.get(username="nouvelle@campagne.fr")
    assert user.is_staff and not user.has_usable_password()
    assert user.has_perm("signatures.moderate_signature")
    path = out.split("http://127.0.0.1:8000", 1)[1].strip()
    page = client.get(path, follow=True)
    assert page.status_code == 200
    set_url = page.redirect_chain[-1][0]
    client.post(set_url, {"new_password1": "un-mot-de-passe-solide-42",
                          "new_password2": "un-mot-de-passe-solide-42"})
    user.refresh_from_db()
    assert user.check_password("un-mot-de-passe-solide-42")
    again = client.get(path, follow=True)
    assert "Choisissez votre mot de passe" not in again.content.decode()
