"""What kind of mailbox an address is: an institution's, a webmail, or other."""

WEBMAIL = {
    "gmail.com", "googlemail.com", "yahoo.fr", "yahoo.com", "hotmail.fr", "hotmail.com",
    "outlook.fr", "outlook.com", "live.fr", "live.com", "msn.com", "orange.fr", "wanadoo.fr",
    "free.fr", "sfr.fr", "neuf.fr", "laposte.net", "bbox.fr", "icloud.com", "me.com",
    "protonmail.com", "proton.me", "gmx.fr", "gmx.com", "aol.com", "numericable.fr",
    "club-internet.fr", "aliceadsl.fr", "tutanota.com", "riseup.net", "yandex.com",
}

# Institutions whose addresses are official by construction.
OFFICIAL_SUFFIXES = (
    ".gouv.fr", "assemblee-nationale.fr", "senat.fr", "europarl.europa.eu",
    "paris.fr", ".paris.fr", "corse.fr", "isuconseil.fr",
)
# Words that local authorities' own domains carry.
OFFICIAL_WORDS = (
    "mairie", "ville-", "ville.", "commune", "agglo", "metropole", "departement", "region",
    "conseil", "cc-", "communaute", "collectivite", "territoire", "cg", "cd", "ctc",
)


def domain_kind(domain: str) -> str:
    domain = domain.lower().strip(".")
    if domain in WEBMAIL:
        return "webmail"
    if domain.endswith(OFFICIAL_SUFFIXES) or domain in {s.lstrip(".") for s in OFFICIAL_SUFFIXES}:
        return "official"
    label = domain.rsplit(".", 1)[0]
    if domain.endswith(".fr") and any(label.startswith(w) or f".{w}" in label or
                                      f"-{w}" in label for w in OFFICIAL_WORDS if len(w) > 3):
        return "official"
    return "other"
