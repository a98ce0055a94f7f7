"""Départements (reference data derived from Etalab's COG 2026, see data/)."""

import json
from functools import cache
from pathlib import Path

from django.utils.translation import gettext_lazy as _

ABROAD = "99"


@cache
def departements() -> dict[str, str]:
    data = json.loads((Path(__file__).parent / "data" / "departements.json").read_text())
    return {d["code"]: d["name"] for d in data["departements"]}


def departement_choices():
    yield ("", _("Choose a département"))
    for code, name in departements().items():
        yield (code, f"{code} – {name}")
    yield (ABROAD, f"{ABROAD} – " + str(_("French citizens abroad")))


@cache
def regions() -> dict[str, list[str]]:
    """Région name -> its départements' codes."""
    data = json.loads((Path(__file__).parent / "data" / "departements.json").read_text())
    by_region = {}
    for d in data["departements"]:
        by_region.setdefault(d["region"] or d["name"], []).append(d["code"])
    return dict(sorted(by_region.items()))


def departement_name(code: str) -> str:
    if code == ABROAD:
        return str(_("French citizens abroad"))
    return departements().get(code, "")
