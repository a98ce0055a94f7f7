from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from petition.models import Heartbeat, Petition, published_or_404
from petition.sharing import share_links
from petition.web.ratelimit import allow, client_ip
from signatures.submitted import (
    next_email_at,
    remember_email,
    submission,
    submitted_email,
    typed_form,
)

from ..queue import request_new_email
from .forms import ResendForm
from .models import EmailChallenge


def _mask(address: str) -> str:
    local, _at, domain = address.partition("@")
    return f"{local[:2]}…@{domain}" if domain else ""


def check_inbox(request, slug):
    petition = published_or_404(slug)
    signature_id, since = submission(request)
    latest = None
    if signature_id and since:
        # Only the emails of this submission: an earlier signer's bounce is theirs.
        latest = (EmailChallenge.objects.about_signatures()
                  .filter(signature_id=signature_id, queued_at__gte=since)
                  .order_by("-id").only("state").first())
    email = submitted_email(request)
    return render(request, "verification/check_inbox.html", {
        "petition": petition,
        # Masked only: the full address is never printed back, not even in a field.
        "masked_email": _mask(email),
        "undeliverable": latest is not None and latest.could_not_be_delivered,
        # A visitor who signed here resends to the address the session holds.
        "form": None if email else ResendForm(),
        "can_correct": typed_form(request) is not None and petition.is_open(),
    })


def _try_again_message(at):
    minutes = max(1, settings.RESEND_COOLDOWN_SECONDS // 60)
    return ngettext(
        "An email left less than %(minutes)d minute ago, and none is sent again before "
        "%(time)s: try again then, and look in your spam folder meanwhile.",
        "An email left less than %(minutes)d minutes ago, and none is sent again before "
        "%(time)s: try again then, and look in your spam folder meanwhile.",
        minutes) % {"minutes": minutes, "time": time_format(timezone.localtime(at), "H:i")}


@require_POST
def resend(request, slug):
    petition = published_or_404(slug)
    data = request.POST.copy()
    if not data.get("email") and submitted_email(request):
        data["email"] = submitted_email(request)
    form = ResendForm(data)
    # The cooldown as this visitor caused it: what it says depends on their own
    # requests, never on what the address received.
    wait_until = next_email_at(request)
    if form.is_valid() and wait_until:
        messages.info(request, _try_again_message(wait_until))
        return redirect("check_inbox", petition.slug)
    if form.is_valid() and not allow("resend-ip", client_ip(request)):
        form.add_error(None, _("Too many requests from here recently. "
                               "Please try again in an hour."))
    if not form.is_valid():
        return render(request, "verification/resend.html",
                      {"petition": petition, "form": form}, status=400)
    request_new_email(petition, form.cleaned_data["email"], get_language())
    remember_email(request, form.cleaned_data["email"], timezone.now())
    # The same answer whether or not the address has signed.
    messages.info(request, _("If this address has signed, a new email is on its way."))
    return redirect("check_inbox", petition.slug)


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    if request.method == "POST" and not allow("confirm-ip", client_ip(request)):
        return render(request, "verification/invalid_link.html",
                      {"problem": "too_many", "petition": None}, status=429)
    challenge = EmailChallenge.objects.by_token(token)
    problem = challenge.problem() if challenge else "invalid"
    if problem is None and request.method == "POST":
        if challenge.confirm():
            return redirect("thanks", challenge.signature.petition.slug)
        # A double click: the first click confirmed while this one waited for
        # its lock. Read what it did: "already confirmed", not "used".
        challenge = EmailChallenge.objects.by_token(token)
        problem = challenge.problem() or "used"
    if problem:
        petition = challenge.signature.petition if challenge else Petition.objects.featured()
        return render(request, "verification/invalid_link.html", {
            "problem": problem,
            "petition": petition,
            "form": ResendForm(),
        }, status=200 if problem == "already_confirmed" else 410 if challenge else 404)
    # Mail scanners follow links: only the button below confirms.
    return render(request, "verification/confirm.html", {
        "challenge": challenge,
        "signature": challenge.signature,
        "petition": challenge.signature.petition,
    })


def thanks(request, slug):
    petition = published_or_404(slug)
    return render(request, "verification/thanks.html",
                  {"petition": petition, "share": share_links(petition)})


def _seconds_since(moment, now):
    return None if moment is None else round((now - moment).total_seconds())


@never_cache
def system_health(request):
    """What the web cannot see for itself: are workers and beat alive, is email late?

    503 when no worker process has beaten within CHALLENGE_STUCK_SENDING_SECONDS,
    when beat has not, or when the oldest email waiting for a worker was
    queued more than OUTBOX_LATE_SECONDS ago. Ages only: no host names.
    """
    now = timezone.now()
    silent_after = settings.CHALLENGE_STUCK_SENDING_SECONDS
    since = now - timedelta(seconds=silent_after)
    workers = _seconds_since(Heartbeat.objects.last_seen(Heartbeat.Kind.WORKER), now)
    beat = _seconds_since(Heartbeat.objects.last_seen(Heartbeat.Kind.BEAT), now)
    waiting = _seconds_since(EmailChallenge.objects.oldest_waiting_since(), now)
    report = {
        "workers": {"alive": Heartbeat.objects.workers_seen_since(since).count(),
                    "last_heartbeat_seconds_ago": workers},
        "beat": {"last_heartbeat_seconds_ago": beat},
        "outbox": {"oldest_queued_seconds_ago": waiting,
                   "late_after_seconds": settings.OUTBOX_LATE_SECONDS},
    }
    problems = []
    if not report["workers"]["alive"]:
        problems.append("workers")
    if beat is None or beat > silent_after:
        problems.append("beat")
    if waiting is not None and waiting > settings.OUTBOX_LATE_SECONDS:
        problems.append("outbox")
    return JsonResponse({"status": "failed" if problems else "ok", "problems": problems,
                         **report}, status=503 if problems else 200)
