"""Form widgets for the public pages' hot paths."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


class QuickSelect(forms.Select):
    """A <select> rendered in one pass.

    Django renders each <option> through its own template include; with the
    département, région, party and mandate lists, that was half the time of
    the signatories page (docs/performance.md). Same markup, flat choices only.
    """

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join("", '<option value="{}"{}>{}</option>', (
            (str(option), mark_safe(" selected") if str(option) in chosen else "", label)
            for option, label in self.choices))
        return format_html('<select name="{}"{}>{}</select>', name,
                           flatatt(self.build_attrs(self.attrs, attrs)), options)
