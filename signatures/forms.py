import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Party, Signature
from .places import departement_choices
from .titles import PLACELESS, Civility, Mandate

NAME_PUNCTUATION = set(" '’-.")
# Change it whenever the consent text below changes: each signature keeps the
# version it accepted.
CONSENT_VERSION = "2026-11"


def validate_plain_text(value: str, *, allow_digits=False, extra=""):
    """Letters and the punctuation of names and places; no markup, no controls."""
    allowed = NAME_PUNCTUATION | set(extra)
    for char in value:
        category = unicodedata.category(char)
        if category.startswith("L") or category == "Mn" or char in allowed:
            continue
        if allow_digits and category == "Nd":
            continue
        raise ValidationError(
            _("Use letters, spaces, hyphens and apostrophes only."), code="characters"
        )
    if not any(unicodedata.category(c).startswith("L") for c in value):
        raise ValidationError(_("This must contain letters."), code="letters")


def validate_comment(value: str):
    if any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs") and c not in "\n"
           for c in value):
        raise ValidationError(_("The comment contains invalid characters."), code="controls")
    if "<" in value or ">" in value:
        raise ValidationError(_("The comment cannot contain < or >."), code="markup")


class PartyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, party):
        return str(party)


class SignatureForm(forms.Form):
    civility = forms.ChoiceField(
        label=_("Civility"), choices=Civility.choices, widget=forms.RadioSelect,
        help_text=_(
            "Used to write your title: « conseillère municipale », « conseiller municipal »."),
    )
    first_name = forms.CharField(label=_("First name"), max_length=100,
                                 widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(label=_("Last name"), max_length=100,
                                widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    email = forms.EmailField(
        label=_("Official email address"), max_length=254,
        help_text=_("If possible, the address of your mandate (for example at your town hall), "
                    "so that we can make sure it is really you. It is never published."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    mandate = forms.ChoiceField(label=_("Mandate"),
                                choices=[("", _("Choose your mandate"))] + Mandate.choices)
    mandate_other = forms.CharField(label=_("Your mandate, if “other”"), max_length=100,
                                    required=False)
    locality = forms.CharField(
        label=_("Locality of the mandate"), max_length=100, required=False,
        help_text=_("The commune, intercommunality, département or region where you hold it."),
    )
    departement = forms.ChoiceField(label=_("Département"), choices=departement_choices,
                                    required=False)
    party = PartyChoiceField(label=_("Party"), queryset=Party.objects.filter(is_active=True),
                             empty_label=_("Choose a party, or « sans étiquette »"))
    party_detail = forms.CharField(label=_("Party's name, if “other”"), max_length=100,
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

    # A honeypot for bots: hidden from people (and from screen readers), never
    # filled by them. No captcha, no third party, no dwell-time guess.
    website = forms.CharField(label=_("Leave this field empty"), required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off",
                                                            "tabindex": "-1"}))

    def __init__(self, *args, client_ip="", **kwargs):
        super().__init__(*args, **kwargs)
        self.client_ip = client_ip

    def check_rate_limits(self, data):
        """Checked last, on otherwise valid input, so that typos do not count."""
        from petition.ratelimit import allow

        message = _("Too many signatures have been sent from here recently. "
                    "Please try again in an hour.")
        if not allow("sign-ip", self.client_ip):
            self.add_error(None, message)
            return
        address = data["email"].strip().lower()
        if not allow("sign-address", address):
            self.add_error("email", _("This address has been used too many times recently. "
                                      "Please try again in an hour."))
        elif not allow("sign-domain", address.rpartition("@")[2]):
            self.add_error("email", _("Too many signatures have come from this email domain "
                                      "recently. Please try again in an hour."))

    @property
    def is_bot(self):
        return bool(self.cleaned_data.get("website"))

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

    def clean_locality(self):
        value = " ".join(self.cleaned_data["locality"].split())
        if value:
            validate_plain_text(value, allow_digits=True, extra="()")
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
            if not data.get("locality") and "locality" not in self.errors:
                self.add_error("locality", _("Please give the locality of your mandate."))
            if not data.get("departement") and "departement" not in self.errors:
                self.add_error("departement", _("Please choose the département."))
        party = data.get("party")
        if party and party.requires_detail and not data.get("party_detail"):
            self.add_error("party_detail", _("Please write your party's name."))
        if not self.errors and not data.get("website"):
            self.check_rate_limits(data)
        return data

    def build_signature(self, petition, language) -> Signature:
        data = self.cleaned_data
        placeless = data["mandate"] in PLACELESS
        return Signature(
            petition=petition,
            civility=data["civility"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            mandate=data["mandate"],
            mandate_other=data["mandate_other"] if data["mandate"] == Mandate.OTHER else "",
            locality="" if placeless else data["locality"],
            departement="" if placeless else data["departement"],
            party=data["party"],
            party_detail=data["party_detail"] if data["party"].requires_detail else "",
            comment=data["comment"],
            consented_at=timezone.now(),
            consent_version=CONSENT_VERSION,
            language=language,
        )


class RejectForm(forms.Form):
    reason = forms.ModelChoiceField(label=_("Reason"), queryset=None,
                                    empty_label=_("Choose a reason"))
    note = forms.CharField(label=_("Internal note (optional, never sent)"), required=False,
                           max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        from .models import RejectionReason

        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = RejectionReason.objects.filter(is_active=True)
