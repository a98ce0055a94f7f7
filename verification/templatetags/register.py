from django import template

from petition.web import pagecache

from ..register.models import RegisterFile

register = template.Library()
_imported = pagecache.VersionedMemo(size=1)


@register.simple_tag
def register_imported() -> bool:
    """The « have your elected officials signed? » page exists once a register is imported
    (read once per process and pages' version, which an import bumps)."""
    return _imported.get("imported", RegisterFile.objects.exists)
