"""Who gets which signature on the desk, and decisions that a stale page cannot overwrite."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from signatures import moderation
from signatures.models import ModerationDecision, MoveResult, Signature

from .models import DeskLease
from .verdict import recommended_for_approval

# Long enough to read and decide; short enough that a closed tab frees its
# signature quickly. Each page view renews it.
LEASE_SECONDS = 120
# What the desk's filter may narrow the queue by (GET parameter -> field).
FILTERS = {"mandate": "mandate", "departement": "departement",
           "domain_kind": "email_domain_kind", "register": "register_match"}


def queue(filters=None):
    """The signatures awaiting review, narrowed by the desk's filter, oldest confirmed first."""
    wanted = {FILTERS[name]: value for name, value in (filters or {}).items()
              if name in FILTERS and value}
    return (Signature.objects.awaiting_review().filter(**wanted)
            .order_by("email_confirmed_at", "pk"))


def held_by_others(moderator, now):
    return DeskLease.objects.filter(signature=OuterRef("pk"), until__gt=now).exclude(
        moderator=moderator)


def claim_next(moderator, filters=None, skipped=()) -> int | None:
    """The id of the oldest free signature, now leased to this moderator (None: none left).

    The candidate row is locked with SKIP LOCKED, so that two moderators asking
    at the same moment get two different rows; the lease is then taken by a
    conditional upsert, which a lease taken meanwhile by someone else defeats
    (the loop then tries the next row).
    """
    for _attempt in range(5):
        now = timezone.now()
        with transaction.atomic():
            candidate = (queue(filters).exclude(pk__in=list(skipped))
                         .exclude(Exists(held_by_others(moderator, now)))
                         .select_for_update(skip_locked=True, of=("self",))
                         .values_list("pk", flat=True).first())
            if candidate is None:
                return None
            if take(candidate, moderator, now):
                return candidate
    return None


def take(signature_id, moderator, now=None) -> bool:
    """Lease this signature to the moderator, unless someone else holds a live lease on it.

    The moderator's other leases are released: one signature at a time.
    """
    now = now or timezone.now()
    table = DeskLease._meta.db_table
    # The lease is free, expired or already the moderator's: only then does it move.
    upsert = (f"INSERT INTO {table} (signature_id, moderator_id, until) VALUES (%s, %s, %s) "
              f"ON CONFLICT (signature_id) DO UPDATE SET "
              f"moderator_id = EXCLUDED.moderator_id, until = EXCLUDED.until "
              f"WHERE {table}.until <= %s OR {table}.moderator_id = EXCLUDED.moderator_id "
              f"RETURNING signature_id")
    params = [signature_id, moderator.pk, now + timedelta(seconds=LEASE_SECONDS), now]
    if connection.vendor != "postgresql":
        # `make run`'s SQLite has no INSERT or DELETE inside WITH: two statements.
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            cursor.execute(upsert, params)
            taken = cursor.fetchone() is not None
            if taken:
                DeskLease.objects.filter(moderator=moderator).exclude(
                    signature_id=signature_id).delete()
        return taken
    # One statement: the upsert, and the release of the moderator's other leases only
    # if it took this one (a claim was seven statements with the savepoint, now four).
    # No savepoint either: a failure here rolls back the caller's transaction anyway.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            f"WITH taken AS ({upsert}), "
            f"released AS (DELETE FROM {table} WHERE moderator_id = %s "
            f"AND signature_id <> %s AND EXISTS (SELECT 1 FROM taken)) "
            f"SELECT signature_id FROM taken",
            [*params, moderator.pk, signature_id])
        taken = cursor.fetchone() is not None
    return taken


def holder(signature_id, moderator, now=None):
    """Another moderator holding a live lease on this signature, or None."""
    now = now or timezone.now()
    lease = (DeskLease.objects.filter(signature_id=signature_id, until__gt=now)
             .exclude(moderator=moderator).select_related("moderator").first())
    return lease.moderator if lease else None


def release(moderator):
    DeskLease.objects.filter(moderator=moderator).delete()


def version(signature_id) -> int:
    """Changes with every transition and edit: the latest entry of the signature's trail."""
    return ModerationDecision.objects.filter(signature_id=signature_id).aggregate(
        latest=Max("id"))["latest"] or 0


@dataclass
class Outcome:
    result: MoveResult | None = None
    # Set when nothing was done: "stale" (decided or edited meanwhile), "held"
    # (another moderator has it on their desk now).
    refused: str = ""
    current_state: str = ""
    held_by: object = None


def decide(signature_id, moderator, transition, *, seen_state, seen_version, reason=None,
           note="") -> Outcome:
    """Decide one signature as seen on the desk: nothing happens if it changed since."""
    with transaction.atomic():
        state = (Signature.objects.select_for_update().filter(pk=signature_id)
                 .values_list("state", flat=True).first())
        if state != seen_state or version(signature_id) != seen_version:
            return Outcome(refused="stale", current_state=state or "")
        if other := holder(signature_id, moderator):
            return Outcome(refused="held", current_state=state, held_by=other)
        result = moderation.decide(Signature.objects.filter(pk=signature_id), transition,
                                   moderator, reason=reason, note=note)
        if result.moved:
            DeskLease.objects.filter(signature_id=signature_id).delete()
        return Outcome(result=result, current_state=state)


# "Approve all recommended" looks at this many of the oldest signatures at once.
BULK_LIMIT = 2000


def bulk_candidates(moderator, filters=None):
    """The signatures "approve all recommended" considers: the queue's oldest, not on
    another moderator's desk."""
    now = timezone.now()
    return (queue(filters).exclude(Exists(held_by_others(moderator, now)))
            .select_related("party"))


def approve_recommended(moderator, ids, filters=None) -> MoveResult:
    """Approve those of the previewed signatures that are still recommended, now.

    The evidence is gathered again: a signature decided, edited or taken by
    another moderator since the preview is left alone.
    """
    ids = list(ids)[:BULK_LIMIT]
    still = recommended_for_approval(bulk_candidates(moderator, filters).filter(pk__in=ids))
    return moderation.decide(Signature.objects.filter(pk__in=[e.signature.pk for e in still]),
                             "approve", moderator)
