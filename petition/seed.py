"""The campaign's first petition, shipped as Markdown files in content/."""

from pathlib import Path

from .markdown import split_title

CONTENT = Path(__file__).parent / "content"
FIRST_PETITION = "vsa-jo-2024"
CONTACT = "petition@technopolice.fr"

# What the campaign itself writes around the text (the text stays as written):
# short titles keep email subjects under 80 characters.
CAMPAIGN = {
    "display_title_fr": "Non à la VSA\u202f: pétition des élu·es",
    "display_title_en": "Officials against algorithmic surveillance",
    "organiser": "Technopolice",
    "target_fr": "Le Parlement (Assemblée nationale et Sénat)",
    "target_en": "Parliament (National Assembly and Senate)",
    "how_to_sign_fr": (
        "Remplissez le formulaire de ce site\u202f: nous envoyons un lien "
        "de confirmation à votre adresse e-mail officielle. Ou écrivez depuis cette adresse à "
        f"[{CONTACT}](mailto:{CONTACT}), en précisant votre mandat et, le cas échéant, "
        "votre parti\u202f: l’équipe de campagne enregistre votre signature."),
    "how_to_sign_en": (
        "Fill in this site's form: we email a confirmation link to your "
        "official address. Or write from that address to "
        f"[{CONTACT}](mailto:{CONTACT}), stating your mandate and, where applicable, your "
        "party: the campaign team records your signature."),
}


def first_petition_fields() -> dict:
    title_fr, body_fr = split_title((CONTENT / f"{FIRST_PETITION}.fr.md").read_text())
    title_en, body_en = split_title((CONTENT / f"{FIRST_PETITION}.en.md").read_text())
    # The English file opens with its "this is a translation" notice; the site
    # shows its own notice, translated, so the stored text starts after it.
    body_en = "\n".join(
        line for line in body_en.splitlines() if not line.startswith("> This is an English")
    ).lstrip("\n")
    return {
        "title_fr": title_fr, "body_fr": body_fr, "title_en": title_en, "body_en": body_en,
        "contact_email": CONTACT, "is_featured": True, "is_published": True, **CAMPAIGN,
    }


def load_first_petition(petition_model) -> bool:
    """Create the petition unless it exists (staff edits are never overwritten)."""
    # An early migration's model lacks the later fields; a later migration fills them.
    known = {field.name for field in petition_model._meta.get_fields()}
    defaults = {name: value for name, value in first_petition_fields().items() if name in known}
    _petition, created = petition_model.objects.get_or_create(
        slug=FIRST_PETITION, defaults=defaults)
    return created


def fill_campaign_fields(petition_model):
    """Give the first petition its campaign box and short titles, keeping any staff edit."""
    for petition in petition_model.objects.filter(slug=FIRST_PETITION):
        for name, value in CAMPAIGN.items():
            if not getattr(petition, name):
                setattr(petition, name, value)
        petition.save(update_fields=list(CAMPAIGN))
