"""Form widgets for the public pages' hot paths."""

import html

from django import forms
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import SafeData, mark_safe


class FixedChoices(BaseChoiceIterator):
    """Options built once (per language, say) and their <option> tags escaped once.

    Django takes an iterator of choices as it is, where it would copy, check and
    normalise a list for every field of every form: with the escaping, a tenth
    of an uncached list page for its 180 options.
    """

    def __init__(self, choices):
        self.choices = tuple(choices)
        self.option_tags = tuple(
            (str(value), f'<option value="{_escape(value)}"', f">{_escape(label)}</option>")
            for value, label in self.choices)
        # Whole <select>s made of these options, by name, attributes and chosen
        # value: a list's filters are the same on most pages (QuickSelect.render).
        self.rendered_selects = {}

    def __iter__(self):
        return iter(self.choices)


class QuickSelect(forms.Select):
    """A <select> rendered in one pass.

    Django renders each <option> through its own template include; with the
    département, région, party and mandate lists, that was half the time of
    the signatories page (docs/performance.md). Same markup, flat choices only.
    """

    def render(self, name, value, attrs=None, renderer=None):
        chosen = frozenset(str(v) for v in self.format_value(value))
        final_attrs = self.build_attrs(self.attrs, attrs)
        choices = self.choices
        if not isinstance(choices, FixedChoices):
            choices = FixedChoices(choices)
        key = (name, chosen, tuple(final_attrs.items()))
        html = choices.rendered_selects.get(key)
        if html is None:
            html = self._render_select(name, chosen, final_attrs, choices)
            if len(choices.rendered_selects) >= SELECTS_KEPT_PER_CHOICES:
                choices.rendered_selects.clear()
            choices.rendered_selects[key] = html
        return html

    @staticmethod
    def _render_select(name, chosen, final_attrs, choices):
        # Plain escaping, not format_html per <option>: the same output, a third of the time.
        options = "".join([f'{start}{" selected" if value in chosen else ""}{end}'
                           for value, start, end in choices.option_tags])
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final_attrs),
                           mark_safe(options))


# A list's <select>s take one value each (a département: about a hundred), with one
# or two sets of attributes: this bounds a process's copies per list of options.
SELECTS_KEPT_PER_CHOICES = 512


def _escape(value) -> str:
    """What conditional_escape gives, without its per-call wrapping."""
    return value if isinstance(value, SafeData) else html.escape(str(value))
