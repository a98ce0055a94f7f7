import copy
import json
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from petition.web.ratelimit import first_refused, ip_hash

from . import places
from .models import Party, Signature, normalise_email
from .places import departement_choices
from .scripts import INVISIBLE_LETTERS, has_visible_letter, longest_run_of_marks
from .signals import email_domain_checking
from .titles import PLACELESS, Civility, Mandate

# The radio buttons of the suggestions for a locality (not a form field: they exist
# only on the answer that offers them).
LOCALITY_CHOICE = "locality_choice"
NAME_PUNCTUATION = set(" '’-.")
MAX_MARKS_PER_LETTER = 4
# Change it whenever the consent text below changes: each signature keeps the
# version it accepted.
CONSENT_VERSION = "2026-11"
# The same for the separate consent to campaign news (NEWS_CONSENT_LABEL).
NEWS_CONSENT_VERSION = "2026-12"
NEWS_CONSENT_LABEL = _("Receive the news of this campaign")
NEWS_CONSENT_HELP = _("A few emails at most, also published on the petition page. "
                      "Every one of them has a link to stop them.")


def validate_plain_text(value: str, *, allow_digits=False, extra=""):
    """Letters and the punctuation of names and places; no markup, no controls."""
    allowed = NAME_PUNCTUATION | set(extra)
    for char in value:
        category = unicodedata.category(char)
        if char in INVISIBLE_LETTERS:
            raise ValidationError(_("This contains characters that show nothing."),
                                  code="invisible")
        if category.startswith("L") or category == "Mn" or char in allowed:
            continue
        if allow_digits and category == "Nd":
            continue
        raise ValidationError(
            _("Use letters, spaces, hyphens and apostrophes only."), code="characters"
        )
    if not has_visible_letter(value):
        raise ValidationError(_("This must contain letters."), code="letters")
    # Vietnamese stacks two accents on a letter; dozens are only there to overflow the line.
    if longest_run_of_marks(value) > MAX_MARKS_PER_LETTER:
        raise ValidationError(_("Too many accents on one letter."), code="marks")


def has_invisible_characters(value: str, allowed="\n") -> bool:
    """Controls, format characters (zero-width, bidi overrides), private use, surrogates."""
    return any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs") and c not in allowed
               for c in value)


def validate_comment(value: str):
    if has_invisible_characters(value):
        raise ValidationError(_("The comment contains invalid characters."), code="controls")
    if "<" in value or ">" in value:
        raise ValidationError(_("The comment cannot contain < or >."), code="markup")


class PartyChoiceField(forms.ModelChoiceField):
    """The party chosen among the offered ones (the queryset, for the select's options),
    checked against Party.offered(), the same rows kept by version: no query per POST."""

    def label_from_instance(self, party):
        return str(party)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:  # what the queryset's get(pk=…) accepts
            pk = value.pk if isinstance(value, Party) else int(value)
        except (TypeError, ValueError):
            pk = None
        party = next((party for party in Party.offered() if party.pk == pk), None)
        if party is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                  params={"value": value})
        return copy.copy(party)


class LocalityLookup:
    """The locality field's checks and its search, shared by the signing form and the
    public « have your elected officials signed? » page: the same hostile input is
    refused the same way, next to the field."""

    def clean_locality(self):
        value = " ".join(self.cleaned_data["locality"].split())
        # Digits alone are a postal code, an INSEE code or a SIREN.
        if value and not (value.isascii() and value.isdigit() and len(value) <= 9):
            validate_plain_text(value, allow_digits=True, extra="()")
        return value

    def picked_place(self, kind, text):
        """The suggestion picked in the autocomplete, if the text still reads as it,
        or the one chosen among the suggestions of the previous answer."""
        chosen = self.data.get(LOCALITY_CHOICE, "")
        if isinstance(chosen, str) and chosen and len(chosen) <= 10:
            return places.find(kind, chosen)
        code = self.cleaned_data.get("locality_code", "")
        place = places.find(kind, code) if code and len(code) <= 10 else None
        if place and places.fold(text) in (places.fold(place.label), places.fold(place.name)):
            return place
        return None

    def typed_place(self, kind, text, departement):
        found = places.match(kind, text, departement)
        if found.place:
            return found.place
        self.locality_suggestions = found.suggestions
        shown = {"text": text, "suggestions": ", ".join(p.label for p in found.suggestions)}
        if found.ambiguous:
            message = _("Several places are called “%(text)s”. Did you mean: %(suggestions)s?")
        elif found.suggestions:
            message = _("We could not find “%(text)s”. Did you mean: %(suggestions)s?")
        else:
            message = _("We could not find “%(text)s”. Please check the spelling.")
        self.add_error("locality", message % shown)
        return None


def places_search_attrs() -> dict:
    """What static/js/locality.js needs on the locality input: where to search, and what
    it announces."""
    return {
        "data-places-url": reverse("place_search"),
        "data-none": _("No place found."),
        "data-one": _("1 place found: use the up and down arrows to choose it."),
        "data-many": _("%(count)s places found: use the up and down arrows to choose one."),
    }


class SignatureForm(LocalityLookup, forms.Form):
    civility = forms.ChoiceField(
        label=pgettext_lazy("form of address", "Title"), choices=Civility.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose Madam, Sir or Not stated"),
                        "invalid_choice": _("Choose Madam, Sir or Not stated")},
        help_text=_(
            "Used to write your title: « conseillère municipale », « conseiller municipal »."),
    )
    first_name = forms.CharField(label=_("First name"), max_length=100,
                                 error_messages={"required": _("Enter your first name")},
                                 widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(label=_("Last name"), max_length=100,
                                error_messages={"required": _("Enter your last name")},
                                widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    email = forms.EmailField(
        label=_("Official email address"), max_length=254,
        error_messages={
            "required": _("Enter your official email address"),
            "invalid": _("Enter an email address in the right format, like nom@mairie.fr")},
        help_text=_("If possible, the address of your mandate (for example at your town hall), "
                    "so that we can make sure it is really you. It is never published."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    mandate = forms.ChoiceField(label=_("Mandate"),
                                error_messages={"required": _("Choose your mandate")},
                                choices=[("", _("Choose your mandate"))] + Mandate.choices)
    # Without JavaScript both "other" fields stay on the page, so they say they are
    # optional; locality.js shows each only when "other" is chosen.
    mandate_other = forms.CharField(label=_("Your mandate, if “other” (optional)"),
                                    max_length=100,
                                    required=False)
    locality = forms.CharField(
        label=_("Locality of the mandate"), max_length=100, required=False,
        help_text=_("The commune (or its postal code), intercommunality or region of your "
                    "mandate. For a département (member of Parliament, senator, departmental "
                    "councillor), choose it below instead. If several places share its name, "
                    "add the département: Saint-Denis (974)."),
    )
    # Set by the autocomplete (static/js/locality.js) when a suggestion is
    # picked; without JavaScript the typed name is matched instead.
    locality_code = forms.CharField(required=False, widget=forms.HiddenInput)
    departement = forms.ChoiceField(
        label=_("Département"), choices=departement_choices, required=False,
        help_text=_("Yours as a senator or a member of the National Assembly; "
                    "otherwise it tells apart places with the same name."))
    circonscription = forms.IntegerField(
        label=_("Constituency number (members of the National Assembly)"), required=False,
        min_value=1, max_value=99,
        error_messages={"invalid": _("Enter the number of your constituency, like 3"),
                        "min_value": _("Enter the number of your constituency, like 3"),
                        "max_value": _("Enter the number of your constituency, like 3")})
    # A short empty label: a long one is cut off in a 375 px wide select.
    party = PartyChoiceField(label=_("Party"), queryset=Party.objects.filter(is_active=True),
                             error_messages={"required": _(
                                 "Choose your party, or « sans étiquette »")},
                             empty_label=_("Choose a party"),
                             help_text=_("Without a party: “sans étiquette”, or one of "
                                         "the “divers”."))
    party_detail = forms.CharField(label=_("Party's name, if “other” (optional)"),
                                   max_length=100,
                                   required=False)
    comment = forms.CharField(
        label=_("Public comment (optional)"), max_length=280, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent = forms.BooleanField(
        label=_("I agree that my name, title, locality and party are published "
                "with my signature."),
        error_messages={"required": _("The petition publishes every signature: "
                                      "please accept to sign.")},
    )
    news = forms.BooleanField(label=NEWS_CONSENT_LABEL, help_text=NEWS_CONSENT_HELP,
                              required=False)

    # A honeypot for bots: hidden from people (and from screen readers), never
    # filled by them. No captcha, no third party, no dwell-time guess.
    website = forms.CharField(label=_("Leave this field empty"), required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off",
                                                            "tabindex": "-1"}))

    def __init__(self, *args, client_ip="", **kwargs):
        super().__init__(*args, **kwargs)
        self.client_ip = client_ip
        self.place = None
        # The places a typed locality may mean, offered as choices (signatures/sign.html):
        # without JavaScript, that is how a signer picks one.
        self.locality_suggestions = ()
        self.address = ""  # normalised, in clean()
        self.domain_fields = {}  # what email_domain_checking receivers set
        # What the autocomplete needs: where to search, and what each mandate is held for.
        self.fields["locality"].widget.attrs.update({
            **places_search_attrs(),
            "data-kinds": json.dumps(places.MANDATE_KINDS),
            "data-placeless": json.dumps(sorted(PLACELESS)),
        })
        self.fields["party"].widget.attrs["data-with-detail"] = json.dumps(sorted(
            str(party.pk) for party in Party.offered() if party.requires_detail))

    def check_rate_limits(self, data):
        """Checked on otherwise valid input, so that typos in the fields do not count."""
        message = _("Too many signatures have been sent from here recently. "
                    "Please try again in an hour.")
        refused = first_refused(("sign-ip", self.client_ip), ("sign-address", self.address),
                                ("sign-domain", self.address.rpartition("@")[2]))
        if refused == "sign-ip":
            self.add_error(None, message)
        elif refused == "sign-address":
            self.add_error("email", _("This address has been used too many times recently. "
                                      "Please try again in an hour."))
        elif refused == "sign-domain":
            self.add_error("email", _("Too many signatures have come from this email domain "
                                      "recently. Please try again in an hour."))

    def typed(self) -> dict:
        """What the signer typed, to sign again with another address (a correction)."""
        names = [name for name in self.fields if name != "website"] + [LOCALITY_CHOICE]
        return {name: self.data.get(name, "") for name in names if self.data.get(name)}

    @property
    def is_bot(self):
        return bool(self.cleaned_data.get("website"))

    def check_email_domain(self, data):
        """Last, behind the honeypot and the rate limits: a DNS lookup may take 2 seconds."""
        try:
            answers = email_domain_checking.send(
                sender=type(self), domain=self.address.rpartition("@")[2])
        except ValidationError as error:
            self.add_error("email", error)
            return
        for _receiver, fields in answers:
            self.domain_fields.update(fields or {})

    def clean_first_name(self):
        value = " ".join(self.cleaned_data["first_name"].split())
        validate_plain_text(value)
        return value

    def clean_last_name(self):
        value = " ".join(self.cleaned_data["last_name"].split())
        validate_plain_text(value)
        return value

    def clean_mandate_other(self):
        value = " ".join(self.cleaned_data["mandate_other"].split())
        if value:
            validate_plain_text(value, allow_digits=True, extra=",()")
        return value

    def clean_party_detail(self):
        value = " ".join(self.cleaned_data["party_detail"].split())
        if value:
            validate_plain_text(value, allow_digits=True, extra="!&,()")
        return value

    def clean_comment(self):
        value = self.cleaned_data["comment"].strip()
        validate_comment(value)
        return value

    def clean(self):
        data = super().clean()
        mandate = data.get("mandate")
        if mandate == Mandate.OTHER and not data.get("mandate_other"):
            self.add_error("mandate_other", _("Please name your mandate."))
        if mandate and mandate not in PLACELESS:
            self.find_place(data)
        party = data.get("party")
        if party and party.requires_detail and not data.get("party_detail"):
            self.add_error("party_detail", _("Please write your party's name."))
        if self.errors or data.get("website"):
            return data  # a bot gets nothing checked, so nothing looked up either
        # Normalised once per POST: the limits, the domain check and the INSERT use it.
        self.address = normalise_email(data["email"])
        self.check_rate_limits(data)
        if not self.errors:
            self.check_email_domain(data)
        return data

    def find_place(self, data):
        """The territory of the mandate, from the reference data; an error next to the field.

        Sets self.place. "Other" mandates keep the locality as typed.
        """
        mandate = data["mandate"]
        if {"locality", "departement", "locality_code"} & set(self.errors):
            return
        kind = places.territory_kind(mandate)
        text, departement = data.get("locality", ""), data.get("departement", "")
        if kind is None:
            if not text:
                self.add_error("locality", _("Please give the locality of your mandate."))
            if not departement:
                self.add_error("departement", _("Please choose the département."))
            return
        if mandate == Mandate.DEPUTY and not data.get("circonscription") \
                and "circonscription" not in self.errors:
            self.add_error("circonscription", _("Please give the number of your constituency."))
        if kind == places.DEPARTEMENT and departement:
            self.place = places.find(kind, departement)
        elif kind == places.REGION and departement and not text:
            self.place = places.region_of(departement)
        elif not text and kind == places.DEPARTEMENT:
            self.add_error("departement", _("Please choose the département."))
            return
        elif not text:
            self.add_error("locality", _("Please give the locality of your mandate."))
            return
        else:
            self.place = self.picked_place(kind, text) or self.typed_place(
                kind, text, departement if kind in (places.COMMUNE, places.ARRONDISSEMENT,
                                                    places.EPCI) else "")
        if (self.place and self.place.code == places.ABROAD
                and mandate not in places.ELECTED_ABROAD):
            self.place = None
            self.add_error("departement", _("Choose the département where you hold this mandate."))
        elif self.place is None and not {"locality", "departement"} & set(self.errors):
            self.add_error("locality", _("Please give the locality of your mandate."))

    def build_signature(self, petition, language) -> Signature:
        data = self.cleaned_data
        return Signature(
            petition=petition,
            civility=data["civility"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            email_normalised=self.address,
            **self.domain_fields,
            mandate=data["mandate"],
            mandate_other=data["mandate_other"] if data["mandate"] == Mandate.OTHER else "",
            **self.place_fields(),
            party=data["party"],
            party_detail=data["party_detail"] if data["party"].requires_detail else "",
            comment=data["comment"],
            consented_at=timezone.now(),
            consent_version=CONSENT_VERSION,
            **self.news_fields(),
            language=language,
            ip_hash=ip_hash(self.client_ip),
        )


    def news_fields(self) -> dict:
        """The separate consent to campaign news, when the box was ticked."""
        if not self.cleaned_data.get("news"):
            return {}
        now = timezone.now()
        return {"news_consent_at": now, "news_consent_version": NEWS_CONSENT_VERSION,
                "news_changed_at": now}

    def place_fields(self) -> dict:
        """locality, departement and their codes, as the signature stores them."""
        data, place = self.cleaned_data, self.place
        if data["mandate"] in PLACELESS:
            # Councillors abroad count in the "département" of the French abroad.
            return {"departement": places.ABROAD
                    if data["mandate"] == Mandate.CONSULAR_COUNCILLOR else ""}
        if place is None:  # "other": as typed
            return {"locality": data["locality"], "departement": data["departement"]}
        return {
            "locality": place.name,
            "departement": place.departement,
            "locality_code": place.code,
            "circonscription": str(data["circonscription"])
            if data["mandate"] == Mandate.DEPUTY and data.get("circonscription") else "",
        }


class RejectForm(forms.Form):
    reason = forms.ModelChoiceField(label=_("Reason"), queryset=None,
                                    empty_label=_("Choose a reason"))
    note = forms.CharField(label=_("Internal note (optional, never sent)"), required=False,
                           max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        from .models import RejectionReason

        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = RejectionReason.objects.filter(is_active=True)


class ClearNuanceForm(forms.Form):
    note = forms.CharField(label=_("Why the flag is cleared (goes into the trail)"),
                           max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class CommuneLookupForm(LocalityLookup, forms.Form):
    """A visitor's commune, typed (no JavaScript) or picked from the suggestions."""

    locality = forms.CharField(
        label=_("Your commune"), max_length=100,
        help_text=_("Its name or postal code. If several communes share the name, add the "
                    "département: Saint-Denis (974)."))
    locality_code = forms.CharField(required=False, max_length=10, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["locality"].widget.attrs.update(places_search_attrs())
        self.place = None

    def clean(self):
        data = super().clean()
        if "locality" not in self.errors and data.get("locality"):
            self.place = (self.picked_place(places.COMMUNE, data["locality"])
                          or self.typed_place(places.COMMUNE, data["locality"], ""))
        return data
