from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from petition.models import Petition, published_or_404
from petition.web.ratelimit import allow, client_ip
from signatures.submitted import remember_email, submission, submitted_email

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
        latest = (EmailChallenge.objects.filter(signature_id=signature_id, queued_at__gte=since)
                  .order_by("-id").only("state").first())
    email = submitted_email(request)
    return render(request, "verification/check_inbox.html", {
        "petition": petition,
        "masked_email": _mask(email),
        "undeliverable": latest is not None and latest.could_not_be_delivered,
        "form": ResendForm(initial={"email": email}),
    })


@require_POST
def resend(request, slug):
    petition = published_or_404(slug)
    form = ResendForm(request.POST)
    if form.is_valid() and not allow("resend-ip", client_ip(request)):
        form.add_error(None, _("Too many requests from here recently. "
                               "Please try again in an hour."))
    if not form.is_valid():
        return render(request, "verification/resend.html",
                      {"petition": petition, "form": form}, status=400)
    request_new_email(petition, form.cleaned_data["email"], get_language())
    remember_email(request, form.cleaned_data["email"])
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
        problem = "used"
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
    return render(request, "verification/thanks.html", {"petition": petition})
