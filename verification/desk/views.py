"""The review desk's pages. Every decision is a plain form POST; desk.js only adds keys."""

import functools
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from signatures import moderation
from signatures.models import RejectionReason, Signature

from ..domains.models import DomainKind
from ..register.models import RegisterMatch
from . import claims, numbers
from .evidence import gather
from .verdict import RULE, recommend, recommended_for_approval

# Kept in the (signed-cookie) session: enough to go back a while, small enough for a cookie.
HISTORY_KEPT = 50
SKIPS_KEPT = 300
# Rejection reasons get the keys 1 to 9, in the reasons table's order.
REASON_KEYS = "123456789"


def moderators_only(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.has_perm("signatures.moderate_signature"):
            raise PermissionDenied
        return view(request, *args, **kwargs)
    return wrapped


def desk_filters(data) -> dict:
    """The desk's filter, from a query string: only known names, short values."""
    return {name: data.get(name, "")[:40] for name in claims.FILTERS if data.get(name)}


def next_url(filters) -> str:
    query = urlencode(filters)
    return reverse("desk:next") + (f"?{query}" if query else "")


def remember(request, key, pk, kept):
    seen = [other for other in request.session.get(key, []) if other != pk]
    request.session[key] = (seen + [pk])[-kept:]


def forget(request, key, pk):
    request.session[key] = [other for other in request.session.get(key, []) if other != pk]


@require_GET
@moderators_only
def next_signature(request):
    filters = desk_filters(request.GET)
    pk = claims.claim_next(request.user, filters, request.session.get("desk_skipped", []))
    if pk is None:
        return render(request, "admin/desk/empty.html", {
            **context(request, filters),
            "title": _("Review desk"),
            "skipped": len(request.session.get("desk_skipped", [])),
        })
    # Just leased to this moderator: nobody else holds it.
    return show(request, pk, filters, held_by=None)


@require_GET
@moderators_only
def signature(request, pk):
    filters = desk_filters(request.GET)
    if claims.holder(pk, request.user) is None and Signature.objects.filter(
            pk=pk, state=Signature.State.EMAIL_CONFIRMED).exists():
        claims.take(pk, request.user)
    return show(request, pk, filters)


def context(request, filters):
    return {**admin.site.each_context(request),
            # The whole width for the evidence: no navigation sidebar here.
            "is_nav_sidebar_enabled": False,
            "numbers": numbers.for_moderator(request.user),
            "filters": filters, "filter_query": urlencode(filters),
            "mandates": Signature._meta.get_field("mandate").choices,
            "domain_kinds": DomainKind.choices,
            "register_choices": RegisterMatch.choices,
            "recommended_url": reverse("desk:approve_recommended") + (
                f"?{urlencode(filters)}" if filters else "")}


_UNKNOWN = object()


def show(request, pk, filters, held_by=_UNKNOWN):
    signature = get_object_or_404(Signature.objects.select_related("party", "petition"), pk=pk)
    evidence = gather([signature])[0]
    reasons = list(RejectionReason.objects.filter(is_active=True)[:len(REASON_KEYS)])
    return render(request, "admin/desk/desk.html", {
        **context(request, filters),
        "title": _("Review desk"),
        "signature": signature,
        "evidence": evidence,
        "recommendation": recommend(evidence),
        "rule": RULE,
        "reasons": list(zip(REASON_KEYS, reasons, strict=False)),
        "version": claims.version(pk),
        "held_by": claims.holder(pk, request.user) if held_by is _UNKNOWN else held_by,
        "can_approve": signature.can("approve"),
        "can_reject": signature.can("reject"),
        "can_return": signature.can("return_to_review"),
        "can_go_back": bool([p for p in request.session.get("desk_history", []) if p != pk]),
        "change_url": reverse("admin:signatures_signature_change", args=[pk]),
    })


@require_POST
@moderators_only
def decide(request, pk):
    filters = desk_filters(QueryDict(request.POST.get("filter", "")))
    action = request.POST.get("action", "")
    here = reverse("desk:signature", args=[pk]) + (
        f"?{urlencode(filters)}" if filters else "")
    if action == "skip":
        claims.release(request.user)
        remember(request, "desk_skipped", pk, SKIPS_KEPT)
        remember(request, "desk_history", pk, HISTORY_KEPT)
        return redirect(next_url(filters))
    if action == "back":
        history = [other for other in request.session.get("desk_history", []) if other != pk]
        if not history:
            messages.info(request, _("There is no earlier signature to go back to."))
            return redirect(here)
        previous = history.pop()
        request.session["desk_history"] = history
        forget(request, "desk_skipped", previous)
        return redirect(reverse("desk:signature", args=[previous]) + (
            f"?{urlencode(filters)}" if filters else ""))
    transition, _sep, code = action.partition(":")
    if transition not in ("approve", "reject", "return_to_review"):
        messages.error(request, _("Unknown decision."))
        return redirect(here)
    reason = None
    if transition == "reject":
        reason = RejectionReason.objects.filter(code=code, is_active=True).first()
        if reason is None:
            messages.error(request, _("Choose a reason to reject."))
            return redirect(here)
    try:
        seen_version = int(request.POST.get("version", ""))
    except ValueError:
        seen_version = -1
    outcome = claims.decide(pk, request.user, transition,
                           seen_state=request.POST.get("state", ""),
                           seen_version=seen_version, reason=reason)
    if outcome.refused == "stale":
        messages.error(request, _(
            "This signature changed while it was on your screen; nothing was done. Here it "
            "is as it stands now."))
        return redirect(here)
    if outcome.refused == "held":
        messages.error(request, _("%(moderator)s has this signature on their desk right now; "
                                  "nothing was done.") % {"moderator": outcome.held_by})
        return redirect(here)
    for level, sentence in moderation.outcome(outcome.result, transition):
        messages.add_message(request, level, sentence)
    if not outcome.result.moved:
        return redirect(here)
    remember(request, "desk_history", pk, HISTORY_KEPT)
    forget(request, "desk_skipped", pk)
    if transition == "return_to_review":
        return redirect(here)
    return redirect(next_url(filters))


@require_POST
@moderators_only
def start_over(request):
    request.session["desk_skipped"] = []
    return redirect(next_url(desk_filters(QueryDict(request.POST.get("filter", "")))))


# The preview lists this many names; the count and the approval cover them all.
PREVIEW_NAMES = 2000


@require_http_methods(["GET", "POST"])
@moderators_only
def approve_recommended(request):
    if request.method == "POST":
        filters = desk_filters(QueryDict(request.POST.get("filter", "")))
        ids = [int(part) for part in request.POST.get("ids", "").split(",")
               if part.isdigit()][:claims.BULK_LIMIT]
        result = claims.approve_recommended(request.user, ids, filters)
        for level, sentence in moderation.outcome(result, "approve"):
            messages.add_message(request, level, sentence)
        if left := len(ids) - len(result.moved):
            messages.warning(request, _(
                "%(count)s previewed signatures were left alone: decided, changed or taken "
                "by another moderator since the preview.") % {"count": left})
        return redirect(next_url(filters))
    filters = desk_filters(request.GET)
    candidates = claims.bulk_candidates(request.user, filters)
    considered = list(candidates[:claims.BULK_LIMIT])
    recommended = recommended_for_approval(considered)
    return render(request, "admin/desk/approve_recommended.html", {
        **context(request, filters),
        "title": _("Approve all recommended"),
        "recommended": [(e, recommend(e)) for e in recommended[:PREVIEW_NAMES]],
        "count": len(recommended),
        "considered": len(considered),
        "limited": len(considered) == claims.BULK_LIMIT,
        "ids": ",".join(str(e.signature.pk) for e in recommended),
    })
