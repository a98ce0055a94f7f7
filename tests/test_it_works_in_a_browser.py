"""The whole journey in Debian's Chromium, driven by Playwright, without JavaScript."""

import pytest
from playwright.sync_api import expect, sync_playwright

from signatures.models import Signature

from .conftest import CHROMIUM_ARGS, link_in

pytestmark = pytest.mark.browser



@pytest.fixture
def browser_page():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=CHROMIUM_ARGS)
        # No JavaScript: the site must work without it.
        context = browser.new_context(java_script_enabled=False, locale="fr-FR")
        page = context.new_page()
        outside = []
        page.on("request", lambda request: outside.append(request.url)
                if not request.url.startswith(("http://localhost", "data:")) else None)
        yield page
        browser.close()
        assert outside == [], f"requests to other sites: {outside}"


def sign_as_the_mayor_of_orleans(page, parties, email):
    """Fill the signing form (already open) as Camille Martin, and send it."""
    page.get_by_label("Madame").check()
    page.get_by_label("Prénom").fill("Camille")
    page.get_by_label("Nom :", exact=True).fill("Martin")
    page.get_by_label("Adresse e-mail officielle").fill(email)
    page.get_by_label("Mandat :", exact=True).select_option("mayor")
    page.get_by_label("Localité du mandat").fill("Orléans")
    page.get_by_label("Département").select_option("45")
    page.get_by_label("Parti :", exact=True).select_option(str(parties["PS"].pk))
    page.get_by_label("J’accepte").check()
    page.get_by_role("button", name="Signer").click()


def test_read_sign_confirm_in_the_browser(
        live_server, browser_page, petition, parties, smtp_server, celery_worker_on_redis):
    page = browser_page
    page.goto(live_server.url + "/")
    expect(page.locator("h1").first).to_contain_text("Non à la VSA")
    expect(page.locator("li.footnote-item")).to_have_count(9)
    page.get_by_role("link", name="Signer la pétition").first.click()

    sign_as_the_mayor_of_orleans(page, parties, "camille.martin@ville-exemple.fr")

    expect(page.locator("h1")).to_have_text("Vérifiez votre boîte de réception")
    message = smtp_server.wait_for(1, timeout=30)
    assert message["To"] == "camille.martin@ville-exemple.fr"

    page.goto(link_in(message).replace("http://127.0.0.1:8000", live_server.url))
    expect(page.get_by_text("maire d'Orléans (45)")).to_be_visible()
    page.get_by_role("button", name="Confirmer ma signature").click()
    expect(page.locator("h1")).to_contain_text("Merci")
    assert Signature.objects.get().state == Signature.State.EMAIL_CONFIRMED


def test_an_error_is_shown_next_to_its_field(live_server, browser_page, petition, parties):
    page = browser_page
    page.goto(live_server.url + "/p/vsa-jo-2024/sign/")
    page.get_by_label("Prénom").fill("<script>alert(1)</script>")
    page.get_by_role("button", name="Signer").click()
    field_error = page.locator("#id_first_name_error")
    expect(field_error).to_contain_text("Utilisez uniquement des lettres")
    expect(page.get_by_label("Prénom")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error-summary")).to_be_visible()
    assert not Signature.objects.exists()


def test_a_moderator_filters_the_queue_rejects_one_and_approves_another(
        live_server, scripted_page, petition, parties):
    from django.contrib.auth.models import User
    from django.utils import timezone

    from signatures.roles import ensure_moderators_group

    user = User.objects.create_user("mod@campagne.fr", password="un-mot-de-passe-solide",
                                    is_staff=True)
    user.groups.add(ensure_moderators_group())
    # A refused party chosen from the list is rejected by the system at confirmation
    # (test_it_rejects_refused_parties_at_confirmation); one typed as free text waits
    # for a moderator, flagged.
    for n, (name, party, typed) in enumerate([("Lepen", "Autre", "Front national"),
                                              ("Martin", "PS", ""), ("Durand", "PS", "")]):
        signature = Signature.objects.create(
            petition=petition, civility="M", first_name="Jean", last_name=name,
            email=f"j{n}@mairie.fr", mandate="mayor", locality="Lyon", departement="69",
            party=parties[party], party_detail=typed, consented_at=timezone.now())
        signature.confirm_email()
    page = scripted_page
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Nom d’utilisateur").fill("mod@campagne.fr")
    page.get_by_label("Mot de passe").fill("un-mot-de-passe-solide")
    page.get_by_role("button", name="Connexion").click()
    expect(page.locator("#review-queue")).to_contain_text("3 signatures en attente de relecture")
    page.locator("#review-queue a").click()

    # Filter the queue on the refused-party flag.
    page.goto(page.url.split("?")[0] + "?refused_party_flag__exact=1")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    page.locator("#result_list tbody tr input[type=checkbox]").check()
    page.locator("select[name=action]").select_option("reject")
    page.locator(".actions button[type=submit]").click()
    page.get_by_label("Motif").select_option(label="Parti d'extrême droite")
    page.get_by_label("Note interne").fill("Tête de liste RN")
    page.get_by_role("button", name="Rejeter").click()
    expect(page.locator(".messagelist")).to_contain_text("1 signature rejetée")

    page.goto(live_server.url + "/admin/signatures/signature/?q=Martin")
    page.locator("#result_list tbody tr input[type=checkbox]").check()
    page.locator("select[name=action]").select_option("approve")
    page.locator(".actions button[type=submit]").click()
    expect(page.locator(".messagelist")).to_contain_text("1 signature approuvée")

    states = dict(Signature.objects.values_list("last_name", "state"))
    assert states == {"Lepen": "rejected", "Martin": "approved", "Durand": "email_confirmed"}
    page.goto(live_server.url + "/admin/signatures/signature/?state=all&q=Durand")
    page.locator("#result_list tbody tr th a").first.click()
    expect(page.locator("#content h2").first).to_be_visible()
    rejected = Signature.objects.get(last_name="Lepen").decisions.last()
    assert (rejected.reason.code, rejected.note, rejected.actor) == ("far-right",
                                                                      "Tête de liste RN", user)


def test_a_sign_bar_stays_in_view_on_small_screens(live_server, browser_page, petition):
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 667})
    page.goto(live_server.url + "/p/vsa-jo-2024/")
    bar = page.locator(".sticky-sign")
    # Halfway through the text, the bar sits on the bottom edge of the screen.
    page.locator(".petition-text p").nth(8).scroll_into_view_if_needed()
    box = bar.bounding_box()
    assert box is not None and abs(box["y"] + box["height"] - 667) < 2, box
    expect(bar.get_by_role("link", name="Signer la pétition")).to_be_visible()
    bar.get_by_role("link", name="Signer la pétition").click()
    expect(page.locator("h1")).to_have_text("Signer la pétition")
    # On a wide screen the header's button is enough: no bar.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/p/vsa-jo-2024/")
    expect(page.locator(".sticky-sign")).to_be_hidden()
    expect(page.locator("header.campaign").get_by_role("link", name="Signer la pétition")
           ).to_be_in_viewport()


def test_errors_take_the_focus_and_each_link_lands_on_its_field(
        live_server, browser_page, petition, parties):
    page = browser_page
    page.goto(live_server.url + "/p/vsa-jo-2024/sign/")
    page.get_by_role("button", name="Signer").click()
    assert page.title().startswith("Erreur\u202f: ")
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Indiquez votre prénom")
    assert "Ce champ est obligatoire" not in summary.inner_text()
    # The civility is a group of radio buttons: the link lands on the first one.
    summary.get_by_role("link", name="Choisissez Madame, Monsieur ou Non précisé").click()
    expect(page.get_by_label("Madame")).to_be_focused()
    summary.get_by_role("link", name="Indiquez votre prénom").click()
    expect(page.get_by_label("Prénom")).to_be_focused()


def test_other_fields_are_optional_without_javascript(live_server, browser_page, petition,
                                                      parties):
    page = browser_page
    page.goto(live_server.url + "/p/vsa-jo-2024/sign/")
    expect(page.get_by_label("Votre mandat, si « autre » (facultatif)")).to_be_visible()
    expect(page.get_by_label("Nom du parti, si « autre » (facultatif)")).to_be_visible()


def test_other_fields_appear_once_other_is_chosen_with_javascript(
        live_server, scripted_page, petition, parties):
    page = scripted_page
    page.goto(live_server.url + "/p/vsa-jo-2024/sign/")
    mandate_other = page.locator("#id_mandate_other")
    party_detail = page.locator("#id_party_detail")
    expect(mandate_other).to_be_hidden()
    expect(party_detail).to_be_hidden()
    page.get_by_label("Mandat :", exact=True).select_option("other")
    expect(mandate_other).to_be_visible()
    # Shown, it is needed: its label no longer says optional.
    expect(page.locator("label[for=id_mandate_other]")).to_have_text("Votre mandat, si « autre » :")
    page.get_by_label("Mandat :", exact=True).select_option("mayor")
    expect(mandate_other).to_be_hidden()
    page.get_by_label("Parti :", exact=True).select_option(str(parties["Autre"].pk))
    expect(party_detail).to_be_visible()
    page.get_by_label("Parti :", exact=True).select_option(str(parties["PS"].pk))
    expect(party_detail).to_be_hidden()


def test_the_list_shows_the_filtered_count_and_pages_both_ways(
        live_server, browser_page, petition, parties, monkeypatch):
    from django.utils import timezone

    from signatures import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    people = [("senator", "29"), ("senator", "56"), ("senator", "35"), ("mayor", "29")]
    created = [Signature.objects.create(
        petition=petition, civility="F", first_name="Anne", last_name=f"Nom{n}",
        email=f"a{n}@mairie.fr", mandate=mandate, locality="Brest", departement=dep,
        party=parties["PS"], consented_at=timezone.now()) for n, (mandate, dep) in
        enumerate(people)]
    rows = Signature.objects.filter(pk__in=[s.pk for s in created])
    rows.move("confirm_email")
    rows.move("approve")
    page = browser_page
    page.goto(live_server.url + "/p/vsa-jo-2024/signatories/")
    page.get_by_label("Mandat").select_option("senator")
    page.get_by_role("button", name="Afficher").click()
    count = page.locator(".result-count")
    expect(count).to_have_text("3 signataires correspondent à ces filtres — montrant 1 à 2 sur 3")
    page.get_by_role("link", name="Signataires suivant·es").click()
    expect(count).to_contain_text("montrant 3 à 3 sur 3")
    expect(page.locator(".signatories li")).to_have_count(1)
    page.get_by_role("link", name="Signataires précédent·es").click()
    expect(count).to_contain_text("montrant 1 à 2 sur 3")
    expect(page.get_by_role("link", name="Signataires précédent·es")).to_have_count(0)


def test_the_map_has_a_legend_of_its_colour_classes(live_server, browser_page, petition,
                                                    parties):
    from django.utils import timezone

    created = [Signature.objects.create(
        petition=petition, civility="F", first_name="Anne", last_name=f"Nom{n}",
        email=f"m{n}@mairie.fr", mandate="mayor", locality="Brest", departement=dep,
        party=parties["PS"], consented_at=timezone.now())
        for n, dep in enumerate(["29"] * 6 + ["56"] * 2 + ["35"])]
    rows = Signature.objects.filter(pk__in=[s.pk for s in created])
    rows.move("confirm_email")
    rows.move("approve")
    page = browser_page
    page.goto(live_server.url + "/p/vsa-jo-2024/signatories/")
    legend = page.locator(".map-legend")
    expect(legend).to_be_visible()
    items = legend.locator("li")
    texts = [text.strip() for text in items.all_inner_texts()]
    assert texts[0] == "aucune" and texts[-1].endswith("à 6"), texts
    # Each swatch has the colour of its class on the map, and the classes differ.
    swatch_colours = [items.nth(i).locator(".swatch").evaluate(
        "e => getComputedStyle(e).backgroundColor") for i in range(items.count())]
    assert len(set(swatch_colours)) == len(swatch_colours)
    finistere = page.locator(".fr-map a[href$='departement=29'] path").first
    assert finistere.evaluate("e => getComputedStyle(e).fill") == swatch_colours[-1]
    # The table of every département is folded away.
    expect(page.locator("details.departement-table table")).to_be_hidden()


def test_a_signer_corrects_a_mistyped_address_on_the_check_inbox_page(
        live_server, browser_page, petition, parties, smtp_server, celery_worker_on_redis):
    page = browser_page
    page.goto(live_server.url + "/p/vsa-jo-2024/sign/")
    sign_as_the_mayor_of_orleans(page, parties, "camille.martin@ville-exmple.fr")
    expect(page.locator("h1")).to_have_text("Vérifiez votre boîte de réception")
    expect(page.locator("main")).to_contain_text("ca…@ville-exmple.fr")
    first_email = smtp_server.wait_for(1, timeout=30)
    assert first_email["To"] == "camille.martin@ville-exmple.fr"

    page.get_by_label("La bonne adresse e-mail").fill("camille.martin@ville-exemple.fr")
    page.get_by_role("button", name="Corriger l’adresse").click()

    expect(page.locator("h1")).to_have_text("Vérifiez votre boîte de réception")
    expect(page.get_by_text("Adresse corrigée")).to_be_visible()
    expect(page.locator("main")).to_contain_text("ca…@ville-exemple.fr")
    expect(page.locator("main")).not_to_contain_text("ville-exmple.fr")
    smtp_server.wait_for(2, timeout=30)
    second_email = smtp_server.messages[1]
    assert second_email["To"] == "camille.martin@ville-exemple.fr"
    assert len(smtp_server.messages) == 2  # nothing more went to the mistyped address

    # The first link is dead: no button confirms the withdrawn signature.
    page.goto(link_in(first_email).replace("http://127.0.0.1:8000", live_server.url))
    expect(page.get_by_role("button", name="Confirmer ma signature")).to_have_count(0)
    first = Signature.objects.get(state=Signature.State.WITHDRAWN)
    assert first.email == "" and first.first_name != "Camille"  # its personal data erased

    page.goto(link_in(second_email).replace("http://127.0.0.1:8000", live_server.url))
    page.get_by_role("button", name="Confirmer ma signature").click()
    expect(page.locator("h1")).to_contain_text("Merci")
    confirmed = Signature.objects.get(state=Signature.State.EMAIL_CONFIRMED)
    assert (confirmed.email, confirmed.first_name) == ("camille.martin@ville-exemple.fr",
                                                        "Camille")
    assert Signature.objects.count() == 2
