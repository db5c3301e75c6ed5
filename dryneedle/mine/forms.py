from django import forms

from dryneedle.lib.forms import no_nul


class EmailForm(forms.Form):
    email = forms.EmailField(label="Your email address", max_length=254, validators=[no_nul])


class CodeForm(forms.Form):
    code = forms.CharField(label="The 6-digit code from the email", max_length=12, validators=[no_nul])
