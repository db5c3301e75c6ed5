from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    # The same message for an unknown user and a wrong password: the form
    # must not tell an attacker which accounts exist.
    error_messages = {
        "invalid_login": "That email and password do not match an active account.",
        "inactive": "That email and password do not match an active account.",
    }
    username = forms.CharField(
        label="Email", max_length=150, widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )


class SwitchClinicForm(forms.Form):
    clinic = forms.UUIDField()
