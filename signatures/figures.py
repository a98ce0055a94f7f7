"""What the public pages count, kept as aggregates: a reader never counts the table.

A launch-day crowd reloads the count. The UK Parliament's petitions site fell
over in 2019 because every signature updated one hot counter row while crowds
polled the count. Here nothing is updated when someone signs (a signature is
public only once a moderator approves it), and nothing is counted when
someone reads:

- The aggregates of a petition (approved count, counts by mandate, party and
  département) live in the shared cache, without expiry.
- A moderation decision adjusts them once its transaction commits (`record_moves`,
  on the signatures_moved signal), from the moved rows alone, under a lock.
  So a decision shows at once, whatever the size of the table.
- Beat recounts them nightly (`repair`), which mends any drift (a lost lock, an
  edit made in SQL).
- If the cache has lost them (Redis restarted), the first reader recounts while
  the others wait for its result, instead of all counting at once.

The latest signatories are an index scan of ten rows, so they are only cached
briefly. Every change bumps the public pages' version (petition.web.pagecache), so
cached pages show it at once too.

While the cache is unreachable, each process counts from the table itself and
keeps its count LOCAL_SECONDS. A decision that could not adjust the cached
aggregates is remembered by its process, which drops them (so that the next
reader recounts) as soon as the cache answers again; the nightly repair
mends what a process forgot by restarting.
"""

import logging
import threading
import time
from collections import Counter

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import ngettext

from petition.cache_backend import CacheUnavailable
from petition.models import Petition
from petition.web import pagecache

from .models import Party, Signature
from .signals import signatures_moved
from .titles import Mandate

logger = logging.getLogger(__name__)

LATEST_SECONDS = 60
LOCK_SECONDS = 30
WAIT_SECONDS = 5
LOCAL_SECONDS = 5
_counted_here = {}  # petition id -> (monotonic, figures), while the cache is away
_not_recorded = set()  # petitions whose cached aggregates missed a decision
_local_lock = threading.Lock()
# Each process keeps them while the pages' version stands (every change of them
# bumps it): an uncached page reads them without a round trip to Redis, and the
# latest signatories without unpickling ten model instances.
_figures_kept = pagecache.VersionedMemo(size=16)
_latest_kept = pagecache.VersionedMemo(size=16)

def _key(name, petition_id):
    return f"{name}:{petition_id}"


def count_public(petition_id) -> dict:
    """Recount a petition's approved signatures in one grouped query."""
    by_mandate, by_party, by_departement = Counter(), Counter(), Counter()
    rows = (Signature.objects.approved().filter(petition_id=petition_id)
            .values_list("mandate", "departement", "party__name")
            .annotate(n=Count("id")).order_by())
    for mandate, departement, party, n in rows:
        by_mandate[mandate] += n
        by_party[party] += n
        if departement:
            by_departement[departement] += n
    return {"by_mandate": dict(by_mandate), "by_party": dict(by_party),
            "by_departement": dict(by_departement)}


def _sorted(aggregates) -> dict:
    """The shape the pages use: biggest first, zeros dropped."""
    def ranked(counts):
        return dict(sorted(((k, n) for k, n in counts.items() if n > 0),
                           key=lambda item: (-item[1], item[0])))
    return {
        "by_mandate": ranked(aggregates["by_mandate"]),
        "by_party": ranked(aggregates["by_party"]),
        "by_departement": {k: n for k, n in aggregates["by_departement"].items() if n > 0},
    }


class _Lock:
    """A lock on the shared cache (atomic add), so two processes never interleave."""

    def __init__(self, petition_id, wait=WAIT_SECONDS):
        self.key = _key("figures-lock", petition_id)
        self.wait = wait
        self.held = False

    def __enter__(self):
        deadline = time.monotonic() + self.wait
        while not (held := cache.add(self.key, 1, LOCK_SECONDS)):
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        self.held = held
        return self

    def __exit__(self, *exc):
        if self.held:
            cache.delete(self.key)


def public_figures(petition) -> dict:
    """Approved signatures by mandate code, party name and département code (do not
    change the dict: it is shared by the process's threads)."""
    try:
        _drop_unrecorded()
        return _figures_kept.get(petition.pk, lambda: _cached_figures(petition.pk))
    except CacheUnavailable:
        return _count_here(petition.pk)


def _count_here(petition_id) -> dict:
    with _local_lock:
        counted = _counted_here.get(petition_id)
    if counted and time.monotonic() - counted[0] < LOCAL_SECONDS:
        return counted[1]
    figures = _sorted(count_public(petition_id))
    with _local_lock:
        _counted_here[petition_id] = (time.monotonic(), figures)
    return figures


def _drop_unrecorded():
    """The cache answers again: aggregates that missed a decision are recounted."""
    if not _not_recorded:
        return
    with _local_lock:
        petition_ids = set(_not_recorded)
    for petition_id in petition_ids:
        cache.delete(_key("public-figures", petition_id))
        cache.delete(_key("latest-signatories", petition_id))
        with _local_lock:
            _not_recorded.discard(petition_id)
    pagecache.bump()


def _cached_figures(petition_id) -> dict:
    key = _key("public-figures", petition_id)
    figures = cache.get(key)
    if figures is not None:
        return figures
    # Lost from the cache: one reader recounts, the others find its result.
    with _Lock(petition_id) as lock:
        figures = cache.get(key)
        if figures is None:
            figures = _sorted(count_public(petition_id))
            if lock.held:
                cache.set(key, figures, None)
    return figures


def approved_count(petition, figures=None) -> int:
    """From `figures` when the caller has them already (one cache read less)."""
    return sum((figures or public_figures(petition))["by_mandate"].values())


PARLIAMENTARY = (Mandate.DEPUTY, Mandate.SENATOR, Mandate.MEP)


def summary(figures) -> str:
    """« 12 maires, 3 parlementaires, 40 départements »: what a visitor takes in at a glance."""
    by_mandate = figures["by_mandate"]
    mayors = by_mandate.get(Mandate.MAYOR, 0)
    parliamentarians = sum(by_mandate.get(code, 0) for code in PARLIAMENTARY)
    departements = len(figures["by_departement"])
    parts = []
    if mayors:
        parts.append(ngettext("%(n)d mayor", "%(n)d mayors", mayors) % {"n": mayors})
    if parliamentarians:
        parts.append(ngettext("%(n)d member of parliament", "%(n)d members of parliament",
                              parliamentarians) % {"n": parliamentarians})
    if departements:
        parts.append(ngettext("%(n)d département", "%(n)d départements", departements)
                     % {"n": departements})
    return ", ".join(parts)


def latest_signatories(petition, size=10):
    return _latest_kept.get((petition.pk, size), lambda: _latest_signatories(petition, size))


def _latest_signatories(petition, size):
    key = _key("latest-signatories", petition.pk)
    try:
        latest = cache.get(key)
    except CacheUnavailable:
        latest = None
    if latest is None:
        latest = list(petition.signatures.approved().select_related("party")
                      .order_by("-approved_at", "-public_id")[:size])
        try:
            cache.set(key, latest, LATEST_SECONDS)
        except CacheUnavailable:
            pass  # ten rows on an index: read again next time
    return latest


@receiver([post_save, post_delete], sender=Party)
def recount_when_a_party_changes(sender, **kwargs):
    """The figures count by party name, and the pages show parties (rows, filter): a
    renamed party is recounted (rare, and one reader recounts under the lock)."""
    def forget():
        for petition_id in Petition.objects.values_list("pk", flat=True):
            try:
                cache.delete(_key("public-figures", petition_id))
            except CacheUnavailable:
                with _local_lock:
                    _not_recorded.add(petition_id)  # dropped once the cache answers
        pagecache.bump()

    transaction.on_commit(forget)


@receiver(signatures_moved)
def count_public_moves(sender, sources, target, **kwargs):
    """+1 for a signature entering the public list, -1 for one leaving it."""
    approved = Signature.State.APPROVED
    moves = {pk: 1 if target == approved else -1
             for source, pks in sources.items() if approved in (source, target)
             for pk in pks}
    if moves:
        transaction.on_commit(lambda: record_moves(moves))


def record_moves(moves):
    """Adjust the aggregates for signatures that entered (+1) or left (-1) the public list.

    `moves` maps a signature id to +1 or -1. Called once the transaction has
    committed; reads only the moved rows.
    """
    rows = (Signature.objects.filter(pk__in=list(moves))
            .values_list("pk", "petition_id", "mandate", "departement", "party__name"))
    by_petition = {}
    for pk, petition_id, mandate, departement, party in rows:
        by_petition.setdefault(petition_id, []).append(
            (moves[pk], mandate, departement, party))
    with _local_lock:
        for petition_id in by_petition:
            _counted_here.pop(petition_id, None)  # this process shows it at once
    try:
        _drop_unrecorded()
        _adjust(by_petition)
    except CacheUnavailable:
        logger.warning("Public figures not adjusted (cache unreachable): recounted once "
                       "it answers")
        with _local_lock:
            _not_recorded.update(by_petition)
    pagecache.bump()


def _adjust(by_petition):
    for petition_id, changes in by_petition.items():
        key = _key("public-figures", petition_id)
        with _Lock(petition_id) as lock:
            figures = cache.get(key)
            if figures is not None and lock.held:
                for name in ("by_mandate", "by_party", "by_departement"):
                    figures[name] = Counter(figures[name])
                for sign, mandate, departement, party in changes:
                    figures["by_mandate"][mandate] += sign
                    figures["by_party"][party] += sign
                    if departement:
                        figures["by_departement"][departement] += sign
                cache.set(key, _sorted(figures), None)
            else:
                # Unknown or unsafe to adjust: the next reader recounts.
                cache.delete(key)
        cache.delete(_key("latest-signatories", petition_id))


def repair(petition_ids) -> int:
    """Recount from the table (beat, nightly). Returns how many petitions were off."""
    off = 0
    for petition_id in petition_ids:
        key = _key("public-figures", petition_id)
        with _Lock(petition_id):
            fresh = _sorted(count_public(petition_id))
            if cache.get(key) != fresh:
                off += 1
            cache.set(key, fresh, None)
        cache.delete(_key("latest-signatories", petition_id))
    if off:
        pagecache.bump()
    return off
