from django import template

from petition.cache_backend import CacheUnavailable
from petition.web import pagecache

from ..register.models import RegisterFile

register = template.Library()


@register.simple_tag
def register_imported() -> bool:
    """The « have your elected officials signed? » page exists once a register is imported
    (read once per process and pages' version, which an import bumps)."""
    try:
        return pagecache.kept_under_version("register-imported", RegisterFile.objects.exists)
    except CacheUnavailable:
        return RegisterFile.objects.exists()
