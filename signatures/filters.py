"""The public list's filters, shared by the list page and the open-data exports."""

from functools import cache

from django import forms
from django.http import QueryDict
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from petition.web import pagecache

from .models import Party, fold
from .places import departement_choices, regions
from .titles import Mandate
from .widgets import FixedChoices, QuickSelect


@cache
def _choices_in(language) -> dict[str, FixedChoices]:
    """The fixed lists of options, their labels translated, per language."""
    return {
        "mandate": FixedChoices([("", str(_("All mandates")))]
                                + [(code, str(label)) for code, label in Mandate.choices]),
        "region": FixedChoices([("", str(_("All régions")))]
                               + [(name, name) for name in regions()]),
        "departement": FixedChoices([("", str(_("All départements")))] + [
            (code, str(label)) for code, label in departement_choices() if code]),
        "sort": FixedChoices([("date", str(_("latest approved first"))),
                              ("name", str(_("name")))]),
    }


_party_choices_kept = pagecache.VersionedMemo(size=4)  # per language


def _party_choices(field) -> FixedChoices:
    # Read once, not through Django's ModelChoiceIterator (a server-side cursor:
    # three round trips for a dozen rows); the queryset still validates.
    return FixedChoices([("", str(field.empty_label))] + [
        (choice.pk, field.label_from_instance(choice)) for choice in field.queryset])


class SignatoryFilters(forms.Form):
    """The public list's filters: every value is checked before it reaches a query."""

    # The <select>s' options are set per language in __init__.
    q = forms.CharField(label=_("Search a name or a locality"), required=False, max_length=100)
    mandate = forms.ChoiceField(label=_("Mandate"), required=False, widget=QuickSelect)
    region = forms.ChoiceField(label=_("Région"), required=False, widget=QuickSelect)
    departement = forms.ChoiceField(label=_("Département"), required=False, widget=QuickSelect)
    # Refused parties have no approved signatory: offering them would list nothing.
    party = forms.ModelChoiceField(label=_("Party"), required=False,
                                   queryset=Party.objects.filter(refused=False),
                                   empty_label=_("All parties"), widget=QuickSelect)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, widget=QuickSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, choices in _choices_in(get_language()).items():
            self.fields[name].choices = choices
        party = self.fields["party"]
        party.choices = _party_choices_kept.get(get_language(), lambda: _party_choices(party))

    def field_groups(self):
        """Each field's label, errors and widget, as `as_field_group` writes them, in one
        pass: Django's renders three templates a field, a fifth of an uncached list page."""
        for field in self:
            label = field.label
            # As label_tag: no suffix after a label's own punctuation (French and
            # English both write it in ASCII).
            suffix = self.label_suffix if label and label[-1] not in ":?.!" else ""
            yield format_html('<label for="{}">{}{}</label>{}{}', field.id_for_label, label,
                              suffix, field.errors or "", field)

    def apply(self, rows):
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("q"):
            rows = rows.filter(search_key__contains=fold(data["q"]))
        if data.get("mandate"):
            rows = rows.filter(mandate=data["mandate"])
        if data.get("region"):
            rows = rows.filter(departement__in=regions()[data["region"]])
        if data.get("departement"):
            rows = rows.filter(departement=data["departement"])
        if data.get("party"):
            rows = rows.filter(party=data["party"])
        return rows

    @property
    def is_filtering(self):
        data = self.cleaned_data if self.is_valid() else {}
        return any(data.get(name) for name in ("q", "mandate", "region", "departement", "party"))

    def query(self):
        """The active filters as a query string, for the export links."""
        data = self.cleaned_data if self.is_valid() else {}
        params = QueryDict(mutable=True)
        for name in ("q", "mandate", "region", "departement", "party", "sort"):
            value = data.get(name)
            if value:
                params[name] = value.pk if isinstance(value, Party) else value
        return params.urlencode()

    @property
    def chosen_sort(self):
        return (self.cleaned_data.get("sort") if self.is_valid() else None) or "date"
