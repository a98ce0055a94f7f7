"""Synthetic signatories for the web benchmark, loaded with COPY.

    .venv/bin/python bench/dataset.py 600000 postgres://postgres@127.0.0.1:5432/petition_bench_600k

The database is dropped, migrated like production (manage.py migrate), and
filled with signatures of the first petition: mandates, départements and
parties in plausible proportions (most signers are municipal councillors,
few are senators; populous départements sign more; most are unaffiliated),
95% approved, the rest awaiting confirmation, awaiting review or rejected
(refused parties are always rejected). Deterministic: the same count gives
the same rows.
"""

import json
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from signatures.folding import fold  # noqa: E402  (no Django: loading needs none)

PETITION = "vsa-jo-2024"

# Share of signers by mandate, after France's ~600,000 mandates (about
# 500,000 municipal councillors of whom 35,000 mayors, a few thousand
# departmental and regional councillors, 925 members of parliament).
MANDATES = {
    "municipal_councillor": 700, "deputy_mayor": 120, "mayor": 55,
    "community_councillor": 90, "district_councillor": 5, "departmental_councillor": 7,
    "regional_councillor": 3, "territorial_assembly": 1, "deputy": 1, "senator": 1,
    "mep": 0.2, "consular_councillor": 0.8, "other": 2,
}
PLACELESS = {"mep", "consular_councillor"}
# Share by party name; the rest of the seeded parties share what is left.
PARTIES = {
    "Sans étiquette": 520, "Parti socialiste": 80, "Les Républicains": 80,
    "Les Écologistes": 40, "Parti communiste français": 35, "La France insoumise": 30,
    "Renaissance": 30, "Mouvement démocrate": 15, "Horizons": 10,
    "Union des démocrates et indépendants": 10, "Rassemblement national": 15, "Autre": 15,
}
FIRST_NAMES = (
    "Marie Jean Anne Pierre Catherine Philippe Isabelle Michel Nathalie Alain Sylvie Patrick "
    "Christine Nicolas Sophie Christophe Valérie Éric Sandrine Laurent Céline Stéphane Claire "
    "Frédéric Hélène Olivier Julie David Aurélie Thierry Émilie Pascal Camille Julien Élodie "
    "Sébastien Léa François Chloé Bruno Agnès Gérard Françoise Yann Maëlle Loïc Gaëlle Hervé "
    "Solène Benoît Nadia Karim Fatima Mohamed Inès Thomas Manon Antoine Lucie Mathieu").split()
# Ranked by frequency (a Zipf law over the list makes Martin common and Maillard rare).
LAST_NAMES = (
    "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel "
    "Lefebvre Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine "
    "Rousseau Vincent Muller Lefèvre Faure André Mercier Blanc Guérin Boyer Garnier Chevalier "
    "François Legrand Gauthier Garcia Perrin Robin Clément Morin Nicolas Henry Roussel "
    "Mathieu Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noël Meyer Dufour Meunier "
    "Brun Blanchard Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard "
    "Roche Renard Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine "
    "Renaud Dumas Lacroix Olivier Philippe Bourgeois Pierre Benoît Rey Leclerc Payet Rolland "
    "Le Goff Kerjean Le Gall Tanguy Etcheverry Oyharçabal Ferrari Santoni Nguyen Benali "
    "Haddad Diallo Traoré Hoarau Grondin Maillard").split()
LOCALITY_WORDS = (
    "Saint-Martin Sainte-Marie Villeneuve Beaumont Montigny Neuville Fontaine Bourg Châteauneuf "
    "La Chapelle Le Mesnil Les Essarts Moulins Pontarlier Rivière Mont Val Bois Roche "
    "Champagne Vaux Belleville L'Isle Aubigny Orval Longchamp Vernon Clairvaux Aurillac Ussel "
    "Quimper Lannion Mauléon Oloron Bastia Corte Le Lamentin Saint-Pierre Cayenne").split()


def departements():
    data = json.loads((ROOT / "signatures/data/departements.json").read_text())
    return [d["code"] for d in data["departements"]]


def admin_url(url):
    return url.rsplit("/", 1)[0] + "/postgres"


def recreate(url):
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def migrate(url, env):
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
                   cwd=ROOT, env={**env, "DATABASE_URL": url}, check=True)


def columns(conn):
    """The signature table's columns with their NOT NULL flag, whatever migrations added."""
    return conn.execute(
        "SELECT column_name, is_nullable = 'NO', data_type FROM information_schema.columns "
        "WHERE table_name = 'signatures_signature' AND column_name <> 'id' "
        "ORDER BY ordinal_position").fetchall()


def filler(data_type):
    """A value for a NOT NULL column this loader does not know (added by a later migration)."""
    if data_type in ("boolean",):
        return False
    if data_type in ("integer", "smallint", "bigint", "numeric", "double precision"):
        return 0
    if data_type in ("jsonb", "json"):
        return Jsonb({})
    if "timestamp" in data_type:
        return datetime.now(UTC)
    return ""


def public_id(n):
    """Distinct for each row and unrelated to its order, as the model's random ids are.

    Multiplying by an odd number is a bijection modulo 2**62, so no two rows collide.
    """
    return (n * 0x9E3779B97F4A7C15) % 2**62 + 1


def rows(count, petition_id, parties, refused):
    rng = random.Random(count)
    codes = departements()
    # Populous départements sign more: a log-normal weight per département.
    weights = [rng.lognormvariate(0, 0.8) for _ in codes]
    mandate_names, mandate_weights = zip(*MANDATES.items(), strict=True)
    party_ids = list(parties.values())
    party_weights = [PARTIES.get(name, 3) for name in parties]
    last_weights = [1 / (rank + 1) ** 0.9 for rank in range(len(LAST_NAMES))]
    start = datetime(2026, 10, 1, 8, tzinfo=UTC)
    folded = {}
    # Draw in blocks: random.choices with k is far quicker than one draw per row.
    mandates = rng.choices(mandate_names, mandate_weights, k=count)
    depts = rng.choices(codes, weights, k=count)
    party_draws = rng.choices(party_ids, party_weights, k=count)
    firsts = rng.choices(FIRST_NAMES, k=count)
    lasts = rng.choices(LAST_NAMES, last_weights, k=count)
    places = rng.choices(LOCALITY_WORDS, k=count)
    for n in range(count):
        first, last, mandate = firsts[n], lasts[n], mandates[n]
        departement = "99" if mandate == "consular_councillor" else depts[n]
        locality = "" if mandate in PLACELESS else f"{places[n]} {departement}"
        key = (first, last, locality)
        if key not in folded:
            folded[key] = (fold(f"{last} {first}"), fold(f"{first} {last} {locality}"))
        name_key, search_key = folded[key]
        party = party_draws[n]
        created = start + timedelta(seconds=n * 4 + rng.random())
        draw = rng.random()
        if party in refused:
            state = "rejected"
        elif draw < 0.95:
            state = "approved"
        elif draw < 0.97:
            state = "email_confirmed"
        elif draw < 0.99:
            state = "pending_email"
        else:
            state = "rejected"
        confirmed = created + timedelta(minutes=5) if state != "pending_email" else None
        decided = created + timedelta(hours=6) if state in ("approved", "rejected") else None
        local = f"{fold(first).replace(' ', '-')}.{fold(last).replace(' ', '-')}.{n}"
        email = f"{local}@mairie-{departement}.fr"
        yield {
            "petition_id": petition_id, "state": state,
            "civility": "F" if n % 2 else "M", "first_name": first, "last_name": last,
            "name_key": name_key, "search_key": search_key, "email": email,
            "email_normalised": email, "email_domain": email.rpartition("@")[2],
            "email_domain_kind": "official", "email_delivery": "delivered",
            "mandate": mandate, "mandate_other": "maire honoraire" if mandate == "other" else "",
            "locality": locality, "departement": departement, "party_id": party,
            "party_detail": "Divers gauche" if party == parties.get("Autre") else "",
            "refused_party_flag": party in refused, "comment": "", "consented_at": created,
            "consent_version": "2026-11", "language": "fr" if n % 10 else "en",
            "created_at": created, "email_confirmed_at": confirmed,
            "approved_at": decided if state == "approved" else None, "decided_at": decided,
            "public_id": public_id(n),
        }


def load(count, url, env=None):
    """Recreate, migrate and fill one database; returns the seconds the COPY and indexes took."""
    env = env or dict(os.environ)
    recreate(url)
    migrate(url, env)
    with psycopg.connect(url) as conn:
        petition_id = conn.execute("SELECT id FROM petition_petition WHERE slug = %s",
                                   [PETITION]).fetchone()[0]
        parties = dict(conn.execute("SELECT name, id FROM signatures_party ORDER BY position"))
        refused = {pk for (pk,) in conn.execute(
            "SELECT id FROM signatures_party WHERE refused")}
        table = columns(conn)
        names = [name for name, _required, _type in table]
        defaults = {name: filler(kind) for name, required, kind in table if required}
        started = time.monotonic()
        with conn.cursor() as cursor:
            with cursor.copy(f"COPY signatures_signature ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows(count, petition_id, parties, refused):
                    copy.write_row([row[name] if name in row else defaults.get(name)
                                    for name in names])
        conn.commit()
    # Planner statistics and the visibility map, as autovacuum would leave them.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE signatures_signature")
    return time.monotonic() - started


if __name__ == "__main__":
    seconds = load(int(sys.argv[1]), sys.argv[2])
    print(f"loaded {sys.argv[1]} signatures in {seconds:.1f} s")
