from django import template

from ..register.models import RegisterFile

register = template.Library()


@register.simple_tag
def register_imported() -> bool:
    """The « have your elected officials signed? » page exists once a register is imported."""
    return RegisterFile.objects.exists()


@register.filter
def mailto(official, petition) -> str:
    return official.mailto(petition)
