"""The campaign's first petition, shipped as Markdown files in content/."""

from pathlib import Path

from .markdown import split_title

CONTENT = Path(__file__).parent / "content"
FIRST_PETITION = "vsa-jo-2024"
CONTACT = "petition@technopolice.fr"


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
        "contact_email": CONTACT, "is_featured": True, "is_published": True,
    }


def load_first_petition(petition_model) -> bool:
    """Create the petition unless it exists (staff edits are never overwritten)."""
    _petition, created = petition_model.objects.get_or_create(
        slug=FIRST_PETITION, defaults=first_petition_fields())
    return created
