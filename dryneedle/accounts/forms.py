import zoneinfo

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import pgettext, pgettext_lazy

from dryneedle.accounts.models import Clinic, Role
from dryneedle.lib.forms import no_nul


class LoginForm(AuthenticationForm):
    # The same message for an unknown user and a wrong password: the form
    # must not tell an attacker which accounts exist.
    error_messages = {
        "invalid_login": pgettext_lazy("staff", "That email and password do not match an active account."),
        "inactive": pgettext_lazy("staff", "That email and password do not match an active account."),
    }
    username = forms.CharField(
        label=pgettext_lazy("staff", "Email"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class SwitchClinicForm(forms.Form):
    clinic = forms.UUIDField()


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=pgettext_lazy("staff", "Code from your authenticator app"),
        regex=r"^\d{6}$",
        error_messages={"invalid": pgettext_lazy("staff", "Enter the 6-digit code.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class MfaSetupForm(CodeForm):
    """Re-enter the password before changing sign-in settings (ASVS 5.0 7.5.1)."""

    password = forms.CharField(
        label=pgettext_lazy("staff", "Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        if not self.user.check_password(self.cleaned_data["password"]):
            raise forms.ValidationError(pgettext("staff", "That is not your password."))
        return self.cleaned_data["password"]


class ClinicForm(forms.ModelForm):
    """What a clinic admin keeps up to date about the clinic (its jurisdiction is set at installation: the rules
    that follow from it are not a form field)."""

    timezone = forms.ChoiceField(label=pgettext_lazy("staff", "Time zone"), choices=[])

    class Meta:
        model = Clinic
        # The on-call address and phone live with the safety settings (practitioners:clinic_safety): one way each.
        fields = ["name", "address", "phone", "timezone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [(z, z.replace("_", " ")) for z in sorted(zoneinfo.available_timezones())]
        for name in ("name", "address", "phone"):
            self.fields[name].validators.append(no_nul)


class StaffForm(forms.Form):
    first_name = forms.CharField(label=pgettext_lazy("staff", "Given name"), max_length=150, validators=[no_nul])
    last_name = forms.CharField(label=pgettext_lazy("staff", "Family name"), max_length=150, validators=[no_nul])
    email = forms.EmailField(label=pgettext_lazy("staff", "Email (their login)"), max_length=150)
    role = forms.ChoiceField(choices=[("", "Choose a role"), *Role.choices])
