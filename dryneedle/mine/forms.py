from django import forms
from django.utils.translation import gettext_lazy as _

from dryneedle.lib.forms import no_nul


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("Your email address"), max_length=254, validators=[no_nul])


class CodeForm(forms.Form):
    code = forms.CharField(label=_("The 6-digit code from the email"), max_length=12, validators=[no_nul])
