"""The delivery dossier: a PDF of the approved signatories, by département then mandate."""

import io
import random
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfReader

from signatures.delivery.pdf import Area, write
from signatures.folding import fold
from signatures.models import Signature
from signatures.places import departement_name
from signatures.titles import Mandate

FIRST = ["Anne", "Yann", "Zoé", "Karim", "Hélène", "Gwenaël", "Aïcha", "Loïc", "Paul", "Inès"]
LAST = ["Martin", "Le Goff", "Émery", "Benali", "Kerjean", "Nguyen", "Dupont-Moreau", "Faure"]
DEPARTEMENTS = ["01", "13", "29", "2A", "59", "75", "974", "976"]
MANDATES = [Mandate.MUNICIPAL_COUNCILLOR, Mandate.MAYOR, Mandate.DEPUTY_MAYOR,
            Mandate.DEPARTMENTAL_COUNCILLOR, Mandate.SENATOR]


def approved_signatories(petition, parties, count, state=Signature.State.APPROVED, seed=7):
    """`count` signatures in one INSERT, each name unique (a number in the last name)."""
    rng = random.Random(seed)
    now = timezone.now()
    rows = []
    for n in range(count):
        departement = rng.choice(DEPARTEMENTS)
        first, last = rng.choice(FIRST), f"{rng.choice(LAST)}{seed}{n:05d}"
        rows.append(Signature(
            petition=petition, state=state, civility=rng.choice("FMX"), first_name=first,
            last_name=last, name_key=fold(f"{last} {first}"), email=f"s{n}@x{seed}.fr",
            email_normalised=f"s{n}@x{seed}.fr", email_domain=f"x{seed}.fr",
            mandate=rng.choice(MANDATES), locality=departement_name(departement),
            departement=departement, party=parties["Sans étiquette"], consented_at=now,
            approved_at=now,
            public_id=rng.randrange(1, 2**62)))
    Signature.objects.bulk_create(rows, batch_size=1000)
    return rows


def sections(path):
    """Each page's text, keyed by the département its running head (or heading) names."""
    reader = PdfReader(path)
    found = {}
    for page in reader.pages:
        text = page.extract_text()
        heading = re.search(r"Département\s*:\s*(\S+) –", text) or re.search(
            r"^(\S+) – .* — [\d\u202f\u00a0 ]+ signataires?", text, re.MULTILINE)
        if heading:
            found.setdefault(heading.group(1), []).append(text)
    return reader, {code: "\n".join(pages) for code, pages in found.items()}


@pytest.mark.django_db
def test_every_approved_name_is_in_its_departements_section(petition, parties, tmp_path):
    signatories = approved_signatories(petition, parties, 2000)
    # Neither pending nor rejected signatures are handed to anyone.
    hidden = approved_signatories(petition, parties, 20, Signature.State.EMAIL_CONFIRMED, 8)
    hidden += approved_signatories(petition, parties, 20, Signature.State.REJECTED, 9)
    output = tmp_path / "dossier.pdf"
    progress = []
    assert write(petition, output, progress=lambda done, total: progress.append(done)) == 2000
    assert progress[-1] == 2000 and len(progress) >= 2

    reader, by_departement = sections(output)
    assert set(by_departement) == set(DEPARTEMENTS)
    for signature in signatories:
        elsewhere = [code for code, text in by_departement.items()
                     if code != signature.departement and signature.last_name in text]
        assert signature.last_name in by_departement[signature.departement], signature.last_name
        assert not elsewhere, (signature.last_name, elsewhere)
    everything = "\n".join(by_departement.values())
    assert not [s.last_name for s in hidden if s.last_name in everything]
    first = reader.pages[0].extract_text()
    # The cover: the French text's title, the date and the counts by mandate.
    assert petition.title_fr[:30] in " ".join(first.split())
    assert "Maire" in first and "Sénateur" in first
    assert "Signataires approuvés au" in first
    # The public title and the party are printed with each name.
    assert "Sans étiquette" in everything
    assert re.search(r"(maire|sénat\w+|conseill\w+) (de|du|des|d')", everything)


@pytest.mark.django_db
def test_a_departements_dossier_holds_only_its_signatories(petition, parties, tmp_path):
    signatories = approved_signatories(petition, parties, 300)
    output = tmp_path / "29.pdf"
    held = write(petition, output, Area("29", senators=True))
    ours = [s for s in signatories if s.departement == "29"]
    assert held == len(ours)
    text = "\n".join(page.extract_text() for page in PdfReader(output).pages)
    assert "sénateurs" in text and "Finistère" in text
    assert all(s.last_name in text for s in ours)
    assert not [s.last_name for s in signatories if s.departement != "29"
                and s.last_name in text]


@pytest.mark.django_db
def test_the_command_writes_the_file_with_a_progress_bar(petition, parties, tmp_path):
    approved_signatories(petition, parties, 50)
    output = tmp_path / "out.pdf"
    out, err = io.StringIO(), io.StringIO()
    call_command("delivery_dossier", "--departement", "13", "--output", str(output),
                 stdout=out, stderr=err)
    assert output.read_bytes().startswith(b"%PDF")
    assert "signatories" in out.getvalue() or "signataires" in out.getvalue()
    assert "100 %" in err.getvalue() or "100%" in err.getvalue()
