from django import forms
from django.utils.translation import gettext_lazy as _

from dryneedle.lib.forms import no_nul


class SignForm(forms.Form):
    read = forms.BooleanField(
        label=_("I have read this form, had the chance to ask questions, and consent to dry needling."), required=True
    )
    typed_name = forms.CharField(label=_("Your full name"), max_length=200, validators=[no_nul])
    signature = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40_000)
    typed_only = forms.BooleanField(
        label=_("I cannot draw a signature here: my typed name is my signature."), required=False
    )
    shown = forms.CharField(widget=forms.HiddenInput, max_length=64)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional for the patient)"), max_length=500, required=False,
                             validators=[no_nul])  # fmt: skip
