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


class CodeForm(forms.Form):
    code = forms.RegexField(
        label="Code from your authenticator app",
        regex=r"^\d{6}$",
        error_messages={"invalid": "Enter the 6-digit code."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class MfaSetupForm(CodeForm):
    """Re-enter the password before changing sign-in settings (ASVS 5.0 7.5.1)."""

    password = forms.CharField(
        label="Your password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        if not self.user.check_password(self.cleaned_data["password"]):
            raise forms.ValidationError("That is not your password.")
        return self.cleaned_data["password"]
