"""What the public pages count, cached per petition.

A launch-day crowd must not aggregate the table on every view, so every
figure is cached; `forget` drops them all when a signature enters or leaves
the public list (see SignatureQuerySet.move and erase_personal_data).
"""

from collections import Counter

from django.core.cache import cache
from django.db.models import Count

SECONDS = 60


def _key(name, petition_id):
    return f"{name}:{petition_id}"


def _cached(name, petition, compute):
    key = _key(name, petition.pk)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, SECONDS)
    return value


def approved_count(petition) -> int:
    return _cached("approved-count", petition, lambda: petition.signatures.approved().count())


def latest_signatories(petition, size=10):
    return _cached("latest-signatories", petition, lambda: list(
        petition.signatures.approved().select_related("party")
        .order_by("-approved_at", "-id")[:size]))


def public_figures(petition) -> dict:
    """Approved signatures by mandate code, party name and département code."""
    def compute():
        approved = petition.signatures.approved()
        # One grouped query gives both mandates and départements (at most a few
        # thousand pairs); parties need their own.
        by_mandate, by_departement = Counter(), Counter()
        for mandate, departement, n in (approved.values_list("mandate", "departement")
                                        .annotate(n=Count("id")).order_by()):
            by_mandate[mandate] += n
            if departement:
                by_departement[departement] += n
        return {
            "by_mandate": dict(sorted(by_mandate.items(), key=lambda item: (-item[1], item[0]))),
            "by_party": dict(approved.values_list("party__name").annotate(n=Count("id"))
                             .order_by("-n", "party__name")),
            "by_departement": dict(by_departement),
        }
    return _cached("public-figures", petition, compute)


def forget(petition_ids):
    cache.delete_many([_key(name, petition_id) for petition_id in set(petition_ids)
                       for name in ("approved-count", "latest-signatories", "public-figures")])
