"""The privacy notice names who is responsible, on what basis, who receives what, and where
to complain."""

import html
import re


def text(response):
    markup = re.sub(r"<[^>]+>", "", response.content.decode())
    return html.unescape(re.sub(r"[ \t\r\n]+", " ", markup))


def test_it_names_the_controller_basis_recipients_and_the_cnil(client, petition):
    response = client.get("/privacy/")
    page, words = response.content.decode(), text(response)
    # No controller set: the organiser is named.
    assert "Le responsable du traitement est l’organisateur de la campagne, Technopolice." in words
    assert "Votre consentement (RGPD, article 6.1.a)" in words
    assert "opinions politiques (RGPD, article 9)" in words
    assert "consentement explicite" in words
    assert "Les modérateurs et modératrices de l’équipe de campagne" in words
    assert "L’hébergeur du site et son prestataire d’envoi d’e-mails" in words
    assert '<a href="https://www.cnil.fr/fr/plaintes">' in page
    assert '<a href="mailto:petition@technopolice.fr">petition@technopolice.fr</a>' in page
    # The durations come from the settings (tests/test_it_lets_signers_withdraw.py).
    assert "Un lien de confirmation est valable" in words


def test_the_controller_is_set_per_petition(client, petition, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        petition.data_controller = "Association <Exemple>, 1 rue de la Paix, 75002 Paris"
        petition.save()
    response = client.get("/en/privacy/")
    assert ("The data controller is Association &lt;Exemple&gt;, 1 rue de la Paix, "
            "75002 Paris.") in response.content.decode()
    assert "revealing your political opinions (GDPR, article 9)" in text(response)
