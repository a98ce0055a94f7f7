from django import template

from signatures.models import Signature

register = template.Library()


@register.inclusion_tag("admin/signatures/review_queue.html", takes_context=True)
def review_queue(context):
    user = context["request"].user
    if not user.has_perm("signatures.view_signature"):
        return {"visible": False}
    waiting = Signature.objects.awaiting_review()
    oldest = waiting.order_by("email_confirmed_at").values_list(
        "email_confirmed_at", flat=True).first()
    return {"visible": True, "count": waiting.count(), "oldest": oldest}
